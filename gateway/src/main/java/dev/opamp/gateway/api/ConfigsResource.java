package dev.opamp.gateway.api;

import dev.opamp.gateway.fleet.Hex;
import dev.opamp.gateway.fleet.Selector;
import dev.opamp.gateway.protocol.InstanceUids;
import dev.opamp.gateway.remoteconfig.ConfigRepository;
import dev.opamp.gateway.remoteconfig.YamlCheck;
import dev.opamp.gateway.remoteconfig.proto.ConfigFile;
import dev.opamp.gateway.remoteconfig.proto.ConfigHead;
import dev.opamp.gateway.remoteconfig.proto.ConfigVersion;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/** {@code /api/v1/configs}: named, versioned remote configs assigned to agents by selector. */
public final class ConfigsResource implements ApiResource {

  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");
  /** Configs are text files; 4 MiB keeps the whole request far below the message limit. */
  private static final long MAX_BODY = 4L << 20;

  private final ConfigRepository configs;
  private final Supplier<Future<Void>> applyHere;

  /**
   * @param applyHere makes this node apply the desired state now, so that a change is in force on
   *     the node that answered before the answer goes out (other nodes follow within moments)
   */
  public ConfigsResource(ConfigRepository configs, Supplier<Future<Void>> applyHere) {
    this.configs = configs;
    this.applyHere = applyHere;
  }

  private <T> Future<T> applied(Future<T> change) {
    return change.compose(result -> applyHere.get().transform(ignored -> Future.succeededFuture(result)));
  }

  @Override
  public void mount(Router r) {
    r.put("/api/v1/configs/:name").handler(BodyHandler.create().setBodyLimit(MAX_BODY)).handler(this::save);
    r.get("/api/v1/configs").handler(this::list);
    r.get("/api/v1/configs/:name").handler(this::latest);
    r.get("/api/v1/configs/:name/versions/:version").handler(this::version);
    r.post("/api/v1/configs/:name/versions/:version/activate").handler(this::activate);
    r.delete("/api/v1/configs/:name").handler(this::delete);
    r.put("/api/v1/agents/:uid/config-override").handler(BodyHandler.create().setBodyLimit(64 * 1024))
        .handler(this::override);
    r.delete("/api/v1/agents/:uid/config-override").handler(this::removeOverride);
  }

  private void save(RoutingContext ctx) {
    ConfigRepository.Draft draft;
    try {
      draft = draft(ctx.pathParam("name"), JsonFields.body(ctx));
    } catch (RuntimeException e) {
      ApiError.send(ctx, 400, "bad config", e.getMessage());
      return;
    }
    applied(configs.save(draft)).onComplete(r -> {
      if (r.failed()) {
        unavailable(ctx, r.cause());
        return;
      }
      ctx.response().setStatusCode(201);
      ctx.json(json(r.result().version(), r.result().activeVersion()));
    });
  }

  private void list(RoutingContext ctx) {
    configs.heads().onComplete(r -> {
      if (r.failed()) {
        unavailable(ctx, r.cause());
        return;
      }
      JsonArray out = new JsonArray();
      for (ConfigHead h : r.result()) {
        out.add(headJson(h));
      }
      ctx.json(new JsonObject().put("configs", out));
    });
  }

  private void latest(RoutingContext ctx) {
    String name = ctx.pathParam("name");
    configs.head(name).compose(head -> head == null || head.getDeleted()
        ? Future.succeededFuture((JsonObject) null)
        : configs.version(name, head.getLatestVersion()).map(v -> {
          JsonArray versions = new JsonArray();
          for (long n = 1; n <= head.getLatestVersion(); n++) {
            versions.add(n);
          }
          return json(v, head.getActiveVersion()).put("versions", versions);
        })).onComplete(r -> answer(ctx, r.succeeded() ? r.result() : null, r.cause(), "no such config", name));
  }

  private void version(RoutingContext ctx) {
    String name = ctx.pathParam("name");
    long n = parseVersion(ctx);
    if (n < 1) {
      return;
    }
    configs.head(name).compose(head -> head == null
        ? Future.succeededFuture((JsonObject) null)
        : configs.version(name, n).map(v -> v == null ? null : json(v, head.getActiveVersion())))
        .onComplete(r -> answer(ctx, r.succeeded() ? r.result() : null, r.cause(), "no such version",
            name + " version " + n));
  }

  private void activate(RoutingContext ctx) {
    String name = ctx.pathParam("name");
    long n = parseVersion(ctx);
    if (n < 1) {
      return;
    }
    applied(configs.activate(name, n)).onComplete(r -> answer(ctx,
        r.succeeded() && r.result() != null && !r.result().getDeleted() && r.result().getActiveVersion() == n
            ? headJson(r.result()) : null,
        r.cause(), "no such version", name + " version " + n));
  }

  private void delete(RoutingContext ctx) {
    String name = ctx.pathParam("name");
    applied(configs.delete(name)).onComplete(r -> {
      if (r.failed()) {
        unavailable(ctx, r.cause());
      } else if (!r.result()) {
        ApiError.send(ctx, 404, "no such config", name);
      } else {
        ctx.response().setStatusCode(204).end();
      }
    });
  }

  private void override(RoutingContext ctx) {
    String key = InstanceUids.keyFromText(ctx.pathParam("uid"));
    JsonObject body;
    try {
      body = JsonFields.body(ctx);
      JsonFields.string(body, "config", null);
      JsonFields.longValue(body, "version", null);
    } catch (IllegalArgumentException e) {
      ApiError.send(ctx, 400, "bad override", e.getMessage());
      return;
    }
    if (key == null || body == null || body.getString("config") == null || body.getLong("version") == null) {
      ApiError.send(ctx, 400, "bad override", "give the agent's uid in the path and {\"config\", \"version\"}");
      return;
    }
    applied(configs.override(key, body.getString("config"), body.getLong("version"), body.getString("message", "")))
        .onComplete(r -> {
          if (r.failed()) {
            unavailable(ctx, r.cause());
          } else if (!r.result()) {
            ApiError.send(ctx, 404, "no such version", body.getString("config") + " version " + body.getLong("version"));
          } else {
            ctx.json(new JsonObject().put("instanceUid", key).put("config", body.getString("config"))
                .put("version", body.getLong("version")));
          }
        });
  }

  private void removeOverride(RoutingContext ctx) {
    String key = InstanceUids.keyFromText(ctx.pathParam("uid"));
    if (key == null) {
      ApiError.send(ctx, 400, "bad instance uid", "give 32 hex digits or the canonical UUID form");
      return;
    }
    applied(configs.removeOverride(key)).onComplete(r -> {
      if (r.failed()) {
        unavailable(ctx, r.cause());
      } else if (!r.result()) {
        ApiError.send(ctx, 404, "no override", key);
      } else {
        ctx.response().setStatusCode(204).end();
      }
    });
  }

  private static ConfigRepository.Draft draft(String name, JsonObject body) {
    if (!NAME.matcher(name).matches()) {
      throw new IllegalArgumentException("a config name is 1-128 letters, digits, '.', '_' or '-', starting with a letter or digit");
    }
    if (body == null) {
      throw new IllegalArgumentException("the body must be a JSON object with \"files\"");
    }
    String selector = Selector.parse(JsonFields.string(body, "selector", "")).toString();
    int priority = JsonFields.integer(body, "priority", 0);
    JsonObject filesJson = JsonFields.object(body, "files");
    if (filesJson == null || filesJson.isEmpty()) {
      throw new IllegalArgumentException("\"files\" must name at least one file: {\"collector.yaml\": \"...\"}");
    }
    Map<String, ConfigFile> files = new LinkedHashMap<>();
    for (String file : filesJson.fieldNames()) {
      Object value = filesJson.getValue(file);
      String text;
      String contentType = null;
      if (value instanceof String s) {
        text = s;
      } else if (value instanceof JsonObject o && o.getValue("body") instanceof String s) {
        text = s;
        contentType = o.getString("contentType");
      } else {
        throw new IllegalArgumentException("file " + file + " must be a string or {\"body\": \"...\", \"contentType\": \"...\"}");
      }
      if (contentType == null) {
        contentType = YamlCheck.isYaml(file, "") ? "text/yaml" : "text/plain";
      }
      files.put(file, ConfigFile.newBuilder().setBody(text).setContentType(contentType).build());
    }
    YamlCheck.check(files);
    return new ConfigRepository.Draft(name, selector, priority, files, JsonFields.string(body, "message", ""),
        JsonFields.string(body, "author", "api"), JsonFields.bool(body, "deploy", true));
  }

  static JsonObject json(ConfigVersion v, long activeVersion) {
    JsonObject files = new JsonObject();
    for (Map.Entry<String, ConfigFile> e : new java.util.TreeMap<>(v.getFilesMap()).entrySet()) {
      files.put(e.getKey(), new JsonObject().put("body", e.getValue().getBody())
          .put("contentType", e.getValue().getContentType()));
    }
    return new JsonObject()
        .put("name", v.getName())
        .put("version", v.getVersion())
        .put("hash", Hex.hex(v.getHash()))
        .put("selector", v.getSelector())
        .put("priority", v.getPriority())
        .put("files", files)
        .put("message", v.getMessage())
        .put("author", v.getAuthor())
        .put("createdAt", Instant.ofEpochMilli(v.getCreatedUnixMs()).toString())
        .put("perAgentVariables", v.getHasVariables())
        .put("active", v.getVersion() == activeVersion)
        .put("activeVersion", activeVersion == 0 ? null : activeVersion);
  }

  private static JsonObject headJson(ConfigHead h) {
    return new JsonObject()
        .put("name", h.getName())
        .put("latestVersion", h.getLatestVersion())
        .put("activeVersion", h.getActiveVersion() == 0 ? null : h.getActiveVersion())
        .put("updatedAt", Instant.ofEpochMilli(h.getUpdatedUnixMs()).toString());
  }

  private static long parseVersion(RoutingContext ctx) {
    try {
      long n = Long.parseLong(ctx.pathParam("version"));
      if (n >= 1) {
        return n;
      }
    } catch (NumberFormatException ignored) {
      // answered below
    }
    ApiError.send(ctx, 400, "bad version", "a version is a whole number from 1");
    return -1;
  }

  private static void answer(RoutingContext ctx, JsonObject body, Throwable failure, String missing, String what) {
    if (failure != null) {
      unavailable(ctx, failure);
    } else if (body == null) {
      ApiError.send(ctx, 404, missing, what);
    } else {
      ctx.json(body);
    }
  }

  private static void unavailable(RoutingContext ctx, Throwable failure) {
    ApiError.send(ctx, 503, "desired state unavailable", String.valueOf(failure.getMessage()));
  }
}
