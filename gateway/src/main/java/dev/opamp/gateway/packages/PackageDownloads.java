package dev.opamp.gateway.packages;

import dev.opamp.gateway.metrics.GatewayMetrics;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Serves package files on the OpAMP port under {@code /v1/packages/<sha256>}: only with a valid
 * token for the offered agent ({@link DownloadTokens}; 403 otherwise), zero-copy ({@code sendFile}),
 * with single {@code Range} requests (206, 416) for resumed downloads and the file's SHA-256 as
 * its {@code ETag} ({@code If-None-Match}: 304). At most {@code maxConcurrent} downloads run on
 * the node at once; past that the answer is 503 with {@code Retry-After}, so a whole fleet
 * upgrading at once queues itself instead of exhausting the node.
 */
public final class PackageDownloads implements Handler<HttpServerRequest> {

  private final Vertx vertx;
  private final PackageFiles files;
  private final DownloadLinks links;
  private final GatewayMetrics metrics;
  private final int maxConcurrent;
  private final AtomicInteger active = new AtomicInteger();

  public PackageDownloads(Vertx vertx, PackageFiles files, DownloadLinks links, GatewayMetrics metrics,
      int maxConcurrent) {
    this.vertx = vertx;
    this.files = files;
    this.links = links;
    this.metrics = metrics;
    this.maxConcurrent = maxConcurrent;
    metrics.packageDownloadsActive(active::get);
  }

  @Override
  public void handle(HttpServerRequest request) {
    HttpServerResponse response = request.response();
    if (request.method() != HttpMethod.GET && request.method() != HttpMethod.HEAD) {
      response.setStatusCode(405).putHeader(HttpHeaders.ALLOW, "GET, HEAD").end("package files are fetched with GET\n");
      return;
    }
    String hex = request.path().substring(DownloadLinks.PATH.length());
    if (!PackageFiles.isHash(hex)) {
      refuse(request, 404, "not_found", "no such package file\n");
      return;
    }
    if (!tokenValid(request, hex)) {
      refuse(request, 403, "token", "a missing, expired or wrong download token; use the URL from the latest offer\n");
      return;
    }
    if (active.incrementAndGet() > maxConcurrent) {
      active.decrementAndGet();
      response.putHeader(HttpHeaders.RETRY_AFTER, String.valueOf(1 + ThreadLocalRandom.current().nextInt(10)));
      refuse(request, 503, "busy", "too many package downloads on this node; retry shortly\n");
      return;
    }
    AtomicBoolean released = new AtomicBoolean();
    Runnable release = () -> {
      if (released.compareAndSet(false, true)) {
        active.decrementAndGet();
        metrics.packageDownloadBytes(response.bytesWritten());
      }
    };
    response.endHandler(v -> release.run());
    response.closeHandler(v -> release.run());
    // The request is not paused while the file is looked up: a paused connection would not notice
    // a client that went away, and its download slot would never be released.
    files.ensure(hex)
        .compose(path -> vertx.fileSystem().props(path.toString()).map(props -> new Object[] {path, props.size()}))
        .onComplete(found -> {
          if (found.failed()) {
            refuse(request, 404, "not_found", "no node of the cluster holds this package file\n");
            release.run();
            return;
          }
          serve(request, hex, found.result()[0].toString(), (Long) found.result()[1], release);
        });
  }

  private boolean tokenValid(HttpServerRequest request, String hex) {
    DownloadTokens tokens = links.tokens();
    long expires;
    try {
      expires = Long.parseLong(request.getParam("expires", ""));
    } catch (NumberFormatException e) {
      return false;
    }
    return tokens != null && tokens.valid(request.getParam("agent"), hex, expires, request.getParam("token"),
        System.currentTimeMillis() / 1000);
  }

  private void serve(HttpServerRequest request, String hex, String path, long size, Runnable release) {
    HttpServerResponse response = request.response();
    String etag = "\"" + hex + "\"";
    response.putHeader(HttpHeaders.ETAG, etag)
        .putHeader(HttpHeaders.ACCEPT_RANGES, "bytes")
        .putHeader(HttpHeaders.CACHE_CONTROL, "private, max-age=31536000, immutable")
        // Files are sent as stored: compression would defeat sendFile, Content-Length and ranges.
        .putHeader(HttpHeaders.CONTENT_ENCODING, HttpHeaders.IDENTITY)
        .putHeader(HttpHeaders.CONTENT_TYPE, "application/octet-stream");
    if (etagMatches(request.getHeader(HttpHeaders.IF_NONE_MATCH), etag)) {
      response.setStatusCode(304).end();
      return;
    }
    long offset = 0;
    long length = size;
    String rangeHeader = request.getHeader("Range");
    String ifRange = request.getHeader("If-Range");
    if (rangeHeader != null && (ifRange == null || ifRange.equals(etag))) {
      long[] range = ByteRange.parse(rangeHeader, size);
      if (range == ByteRange.UNSATISFIABLE) {
        response.putHeader(HttpHeaders.CONTENT_RANGE, "bytes */" + size);
        refuse(request, 416, "range", "the range is outside the file's " + size + " bytes\n");
        return;
      }
      if (range != null) {
        offset = range[0];
        length = range[1] - range[0] + 1;
        response.setStatusCode(206)
            .putHeader(HttpHeaders.CONTENT_RANGE, "bytes " + range[0] + "-" + range[1] + "/" + size);
      }
    }
    if (request.method() == HttpMethod.HEAD) {
      response.putHeader(HttpHeaders.CONTENT_LENGTH, Long.toString(length)).end();
      return;
    }
    response.sendFile(path, offset, length).onComplete(sent -> release.run());
  }

  private static boolean etagMatches(String ifNoneMatch, String etag) {
    if (ifNoneMatch == null) {
      return false;
    }
    for (String candidate : ifNoneMatch.split(",")) {
      String c = candidate.strip();
      if (c.startsWith("W/")) {
        c = c.substring(2);
      }
      if (c.equals(etag) || c.equals("*")) {
        return true;
      }
    }
    return false;
  }

  private void refuse(HttpServerRequest request, int status, String reason, String message) {
    metrics.packageDownloadRefused(reason);
    HttpServerResponse response = request.response();
    if (!response.ended()) {
      response.setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, "text/plain; charset=utf-8").end(message);
    }
  }
}
