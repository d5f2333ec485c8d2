package dev.opamp.gateway.api;

import com.google.protobuf.ByteString;
import dev.opamp.gateway.fleet.Hex;
import dev.opamp.gateway.packages.PackageFiles;
import dev.opamp.gateway.packages.PackageRepository;
import dev.opamp.gateway.packages.StagedFile;
import dev.opamp.gateway.packages.proto.PackageVersion;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerFileUpload;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.net.URI;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * {@code /api/v1/packages}: the package catalog. A version is published once, either as a
 * multipart upload (the file streamed to disk and hashed on the way, never held in memory) or as
 * JSON naming a file served elsewhere; versions are immutable.
 */
public final class PackagesResource implements ApiResource {

  static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");
  static final Pattern VERSION = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._+~-]{0,127}");
  static final Set<String> TYPES = Set.of("top-level", "addon");
  /** A signature (e.g. a Sigstore bundle) and the small form fields are held in memory: bounded. */
  private static final int MAX_SMALL_PART = 1 << 20;
  private static final Pattern SHA256 = Pattern.compile("[0-9a-fA-F]{64}");

  private final Vertx vertx;
  private final PackageRepository packages;
  private final PackageFiles files;
  private final long maxUploadBytes;
  private final Supplier<Future<Void>> applyHere;

  public PackagesResource(Vertx vertx, PackageRepository packages, PackageFiles files, long maxUploadBytes,
      Supplier<Future<Void>> applyHere) {
    this.vertx = vertx;
    this.packages = packages;
    this.files = files;
    this.maxUploadBytes = maxUploadBytes;
    this.applyHere = applyHere;
  }

  @Override
  public void mount(Router r) {
    String path = "/api/v1/packages/:name/versions/:version";
    r.put(path).consumes("multipart/form-data").handler(this::upload);
    r.put(path).consumes("application/json").handler(BodyHandler.create().setBodyLimit(MAX_SMALL_PART * 2L))
        .handler(this::external);
    r.put(path).handler(ctx -> ApiError.send(ctx, 415, "unsupported content type",
        "send multipart/form-data (parts file, signature, type) or application/json ({\"url\", \"sha256\"})"));
    r.get("/api/v1/packages").handler(this::list);
    r.get("/api/v1/packages/:name").handler(this::one);
    r.delete(path).handler(this::delete);
  }

  /** What the multipart request carried besides the file. */
  private static final class Parts {
    final Map<String, Buffer> small = new LinkedHashMap<>();
    StagedFile file;
    Future<Void> fileWritten;
    String failure;
    int failureStatus;
  }

  private void upload(RoutingContext ctx) {
    String name = ctx.pathParam("name");
    String version = ctx.pathParam("version");
    String bad = checkNameAndVersion(name, version);
    HttpServerRequest request = ctx.request();
    if (bad != null) {
      ApiError.send(ctx, 400, "bad package", bad);
      return;
    }
    String length = request.getHeader(HttpHeaders.CONTENT_LENGTH);
    if (length != null && length.matches("\\d{1,18}") && Long.parseLong(length) > maxUploadBytes + MAX_SMALL_PART * 2L) {
      tooLarge(ctx);
      return;
    }
    request.pause();
    vertx.executeBlocking(() -> packages.existsNow(name, version), false).onComplete(exists -> {
      if (exists.failed()) {
        unavailable(ctx, exists.cause());
      } else if (exists.result()) {
        conflict(ctx, name, version);
      } else {
        receive(ctx, name, version);
      }
    });
  }

  private void receive(RoutingContext ctx, String name, String version) {
    HttpServerRequest request = ctx.request();
    Parts parts = new Parts();
    request.setExpectMultipart(true);
    request.uploadHandler(upload -> {
      if ("file".equals(upload.name()) && parts.file == null && parts.failure == null) {
        parts.fileWritten = streamToDisk(upload, parts);
      } else {
        collectSmall(upload, parts);
      }
    });
    request.exceptionHandler(e -> fail(parts, 400, "the upload broke off: " + e.getMessage()));
    request.endHandler(v -> {
      Future<Void> written = parts.fileWritten == null ? Future.succeededFuture() : parts.fileWritten;
      written.onComplete(w -> finishUpload(ctx, name, version, parts, request));
    });
    request.resume();
  }

  /** Streams the file part into a staged file on a worker, one chunk at a time (the upload is paused meanwhile). */
  private Future<Void> streamToDisk(HttpServerFileUpload upload, Parts parts) {
    Promise<Void> done = Promise.promise();
    upload.pause();
    vertx.executeBlocking(() -> files.stage(maxUploadBytes), true).onComplete(staged -> {
      if (staged.failed()) {
        fail(parts, 507, "cannot store the file: " + staged.cause().getMessage());
        upload.handler(b -> { });
        upload.endHandler(v -> done.tryComplete());
        upload.resume();
        return;
      }
      parts.file = staged.result();
      upload.handler(chunk -> {
        if (parts.failure != null) {
          return; // drain the rest of the body without keeping it
        }
        upload.pause();
        byte[] bytes = chunk.getBytes();
        vertx.executeBlocking(() -> {
          parts.file.write(bytes);
          return null;
        }, true).onComplete(w -> {
          if (w.failed()) {
            fail(parts, w.cause());
          }
          upload.resume();
        });
      });
      upload.exceptionHandler(e -> {
        fail(parts, 400, "the upload broke off: " + e.getMessage());
        done.tryComplete();
      });
      upload.endHandler(v -> done.tryComplete());
      upload.resume();
    });
    return done.future();
  }

  private static void collectSmall(HttpServerFileUpload upload, Parts parts) {
    Buffer buffer = Buffer.buffer();
    upload.handler(chunk -> {
      if (buffer.length() + chunk.length() > MAX_SMALL_PART) {
        fail(parts, 413, "part " + upload.name() + " is larger than " + MAX_SMALL_PART + " bytes");
        return;
      }
      buffer.appendBuffer(chunk);
    });
    upload.endHandler(v -> parts.small.put(upload.name(), buffer));
  }

  private static void fail(Parts parts, Throwable cause) {
    if (cause instanceof StagedFile.TooLargeException) {
      fail(parts, 413, cause.getMessage());
    } else if (cause instanceof StagedFile.DiskFullException) {
      fail(parts, 507, cause.getMessage());
    } else {
      fail(parts, 500, "cannot store the file: " + cause.getMessage());
    }
  }

  private static void fail(Parts parts, int status, String message) {
    if (parts.failure == null) {
      parts.failure = message;
      parts.failureStatus = status;
    }
  }

  private void finishUpload(RoutingContext ctx, String name, String version, Parts parts, HttpServerRequest request) {
    String type = smallText(parts, request, "type", "top-level");
    String author = smallText(parts, request, "author", "api");
    if (parts.failure == null && parts.file == null) {
      fail(parts, 400, "the multipart body has no part named \"file\"");
    }
    if (parts.failure == null && !TYPES.contains(type)) {
      fail(parts, 400, "type must be \"top-level\" or \"addon\", not \"" + type + "\"");
    }
    if (parts.failure != null) {
      StagedFile staged = parts.file;
      if (staged != null) {
        vertx.executeBlocking(() -> {
          staged.close();
          return null;
        }, true);
      }
      if (parts.failureStatus == 413) {
        ctx.response().putHeader(HttpHeaders.CONNECTION, "close");
      }
      ApiError.send(ctx, parts.failureStatus, parts.failureStatus == 413 ? "package too large"
          : parts.failureStatus == 507 ? "no space for package files" : "bad package upload", parts.failure);
      return;
    }
    Buffer signature = parts.small.get("signature");
    StagedFile staged = parts.file;
    String claimed = smallText(parts, request, "sha256", null);
    if (claimed != null && !SHA256.matcher(claimed).matches()) {
      vertx.executeBlocking(() -> {
        staged.close();
        return null;
      }, true);
      ApiError.send(ctx, 400, "bad package upload", "sha256 must be the file's SHA-256 as 64 hex digits");
      return;
    }
    ByteString expected = claimed == null ? null
        : ByteString.copyFrom(Hex.parse(claimed.toLowerCase(java.util.Locale.ROOT)));
    vertx.executeBlocking(() -> {
      ByteString hash = files.commit(staged, expected);
      PackageVersion v = PackageVersion.newBuilder()
          .setName(name).setVersion(version).setSha256(hash).setSize(staged.size()).setType(type)
          .setCreatedUnixMs(System.currentTimeMillis()).setAuthor(author)
          .setSignature(signature == null ? ByteString.EMPTY : ByteString.copyFrom(signature.getBytes()))
          .build();
      return packages.publishNow(v);
    }, true).compose(v -> applyHere.get().map(v)).onComplete(r -> answerPublished(ctx, r.result(), r.cause()));
  }

  private static String smallText(Parts parts, HttpServerRequest request, String field, String otherwise) {
    String attribute = request.formAttributes().get(field);
    if (attribute != null) {
      return attribute.strip();
    }
    Buffer part = parts.small.get(field);
    return part == null ? otherwise : part.toString().strip();
  }

  private void external(RoutingContext ctx) {
    String name = ctx.pathParam("name");
    String version = ctx.pathParam("version");
    PackageVersion v;
    try {
      String bad = checkNameAndVersion(name, version);
      if (bad != null) {
        throw new IllegalArgumentException(bad);
      }
      JsonObject body = JsonFields.body(ctx);
      if (body == null) {
        throw new IllegalArgumentException("give {\"url\": \"https://...\", \"sha256\": \"<64 hex digits>\"}");
      }
      String url = JsonFields.string(body, "url", null);
      String sha256 = JsonFields.string(body, "sha256", null);
      if (url == null || !isHttpUrl(url)) {
        throw new IllegalArgumentException("url must be the http:// or https:// URL the file is served at");
      }
      if (sha256 == null || !SHA256.matcher(sha256).matches()) {
        throw new IllegalArgumentException("sha256 must be the file's SHA-256 as 64 hex digits");
      }
      String type = JsonFields.string(body, "type", "top-level");
      if (!TYPES.contains(type)) {
        throw new IllegalArgumentException("type must be \"top-level\" or \"addon\", not \"" + type + "\"");
      }
      byte[] signature;
      try {
        signature = Base64.getDecoder().decode(JsonFields.string(body, "signature", ""));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("signature must be base64");
      }
      v = PackageVersion.newBuilder().setName(name).setVersion(version)
          .setSha256(ByteString.copyFrom(Hex.parse(sha256.toLowerCase(java.util.Locale.ROOT))))
          .setSize(JsonFields.longValue(body, "size", 0L)).setType(type).setUrl(url)
          .setCreatedUnixMs(System.currentTimeMillis()).setAuthor(JsonFields.string(body, "author", "api"))
          .setSignature(ByteString.copyFrom(signature)).build();
    } catch (IllegalArgumentException e) {
      ApiError.send(ctx, 400, "bad package", e.getMessage());
      return;
    }
    packages.publish(v).compose(p -> applyHere.get().map(p))
        .onComplete(r -> answerPublished(ctx, r.result(), r.cause()));
  }

  private static boolean isHttpUrl(String url) {
    try {
      URI uri = new URI(url);
      return ("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) && uri.getHost() != null;
    } catch (java.net.URISyntaxException e) {
      return false;
    }
  }

  private static void answerPublished(RoutingContext ctx, PackageVersion v, Throwable failure) {
    if (failure instanceof PackageFiles.HashMismatchException) {
      ApiError.send(ctx, 422, "hash mismatch", failure.getMessage() + "; nothing was stored");
    } else if (failure instanceof PackageRepository.RefusedException refused) {
      ApiError.send(ctx, refused.status, refused.status == 409 ? "version exists" : "refused", refused.getMessage());
    } else if (failure instanceof StagedFile.DiskFullException) {
      ApiError.send(ctx, 507, "no space for package files", failure.getMessage());
    } else if (failure != null) {
      unavailable(ctx, failure);
    } else {
      ctx.response().setStatusCode(201);
      ctx.json(json(v));
    }
  }

  private void list(RoutingContext ctx) {
    packages.versions().onComplete(r -> {
      if (r.failed()) {
        unavailable(ctx, r.cause());
        return;
      }
      Map<String, JsonArray> byName = new LinkedHashMap<>();
      for (PackageVersion v : r.result()) {
        byName.computeIfAbsent(v.getName(), n -> new JsonArray()).add(json(v));
      }
      JsonArray out = new JsonArray();
      byName.forEach((n, versions) -> out.add(new JsonObject().put("name", n).put("versions", versions)));
      ctx.json(new JsonObject().put("packages", out));
    });
  }

  private void one(RoutingContext ctx) {
    String name = ctx.pathParam("name");
    packages.versions().onComplete(r -> {
      if (r.failed()) {
        unavailable(ctx, r.cause());
        return;
      }
      List<PackageVersion> mine = new ArrayList<>();
      r.result().stream().filter(v -> v.getName().equals(name)).forEach(mine::add);
      if (mine.isEmpty()) {
        ApiError.send(ctx, 404, "no such package", name);
        return;
      }
      JsonArray versions = new JsonArray();
      mine.forEach(v -> versions.add(json(v)));
      ctx.json(new JsonObject().put("name", name).put("versions", versions));
    });
  }

  private void delete(RoutingContext ctx) {
    String name = ctx.pathParam("name");
    String version = ctx.pathParam("version");
    packages.delete(name, version).compose(v -> applyHere.get().map(v)).onComplete(r -> {
      if (r.failed() && r.cause() instanceof PackageRepository.RefusedException refused) {
        ApiError.send(ctx, refused.status, "version in use", refused.getMessage());
      } else if (r.failed()) {
        unavailable(ctx, r.cause());
      } else if (r.result() == null) {
        ApiError.send(ctx, 404, "no such version", name + " version " + version);
      } else {
        ctx.response().setStatusCode(204).end();
      }
    });
  }

  static String checkNameAndVersion(String name, String version) {
    if (!NAME.matcher(name).matches()) {
      return "a package name is 1-128 letters, digits, '.', '_' or '-', starting with a letter or digit";
    }
    if (!VERSION.matcher(version).matches()) {
      return "a version is 1-128 letters, digits, '.', '_', '+', '~' or '-', starting with a letter or digit";
    }
    return null;
  }

  static JsonObject json(PackageVersion v) {
    return new JsonObject()
        .put("name", v.getName())
        .put("version", v.getVersion())
        .put("sha256", Hex.hex(v.getSha256()))
        .put("size", v.getSize())
        .put("type", v.getType())
        .put("createdAt", Instant.ofEpochMilli(v.getCreatedUnixMs()).toString())
        .put("author", v.getAuthor())
        .put("signatureSize", v.getSignature().size())
        .put("url", v.getUrl().isEmpty() ? null : v.getUrl());
  }

  private static void tooLarge(RoutingContext ctx) {
    ctx.response().putHeader(HttpHeaders.CONNECTION, "close"); // the rest of the body is not worth reading
    ApiError.send(ctx, 413, "package too large", "the upload is larger than the limit (--package-max-upload-bytes)");
  }

  private static void conflict(RoutingContext ctx, String name, String version) {
    ctx.response().putHeader(HttpHeaders.CONNECTION, "close");
    ApiError.send(ctx, 409, "version exists", "package " + name + " already has version " + version
        + " (versions are immutable: publish a new version)");
  }

  private static void unavailable(RoutingContext ctx, Throwable failure) {
    ApiError.send(ctx, 503, "desired state unavailable", String.valueOf(failure.getMessage()));
  }
}
