package dev.opamp.gateway.api;

import dev.opamp.gateway.credentials.ConnectionSettingsCatalog;
import dev.opamp.gateway.credentials.proto.ConnectionSettingsDefinition;
import dev.opamp.gateway.fleet.Selector;
import dev.opamp.gateway.proto.ConnectionSettingsOffers;
import dev.opamp.gateway.proto.Header;
import dev.opamp.gateway.proto.Headers;
import dev.opamp.gateway.proto.OpAMPConnectionSettings;
import dev.opamp.gateway.proto.OtherConnectionSettings;
import dev.opamp.gateway.proto.TelemetryConnectionSettings;
import dev.opamp.gateway.remoteconfig.RolloutRepository;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * {@code /api/v1/connection-settings}: named connection settings (OpAMP endpoint, headers and
 * heartbeat; where agents send their own metrics, traces and logs; other connections) offered
 * by selector and priority, like configs. The OpAMP part also carries each agent's certificate.
 */
public final class ConnectionSettingsResource implements ApiResource {

  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");
  private static final Pattern URL = Pattern.compile("(?i)(wss?|https?)://[^\\s/]+(/\\S*)?");
  private static final String[] TELEMETRY = {"ownMetrics", "ownTraces", "ownLogs"};

  private final ConnectionSettingsCatalog catalog;
  private final Supplier<Future<Void>> applyHere;

  /** @param applyHere makes this node apply the change before the answer goes out */
  public ConnectionSettingsResource(ConnectionSettingsCatalog catalog, Supplier<Future<Void>> applyHere) {
    this.catalog = catalog;
    this.applyHere = applyHere;
  }

  @Override
  public void mount(Router r) {
    r.put("/api/v1/connection-settings/:name").handler(BodyHandler.create().setBodyLimit(256 * 1024))
        .handler(this::save);
    r.get("/api/v1/connection-settings").handler(this::list);
    r.get("/api/v1/connection-settings/:name").handler(this::get);
    r.delete("/api/v1/connection-settings/:name").handler(this::delete);
  }

  private void save(RoutingContext ctx) {
    ConnectionSettingsDefinition definition;
    boolean deploy;
    try {
      JsonObject body = JsonFields.body(ctx);
      definition = definition(ctx.pathParam("name"), body);
      deploy = JsonFields.bool(body, "deploy", true);
    } catch (RuntimeException e) {
      ApiError.send(ctx, 400, "bad connection settings", e.getMessage());
      return;
    }
    catalog.save(definition, deploy).compose(saved -> applyHere.get().map(saved)).onComplete(r -> {
      if (r.failed() && r.cause() instanceof RolloutRepository.RefusedException refused) {
        ApiError.send(ctx, refused.status, "connection settings not staged", refused.getMessage());
      } else if (r.failed()) {
        unavailable(ctx, r.cause());
      } else {
        ctx.json(json(r.result()));
      }
    });
  }

  private void list(RoutingContext ctx) {
    catalog.list().onComplete(r -> {
      if (r.failed()) {
        unavailable(ctx, r.cause());
        return;
      }
      JsonArray out = new JsonArray();
      r.result().forEach(d -> out.add(json(d)));
      ctx.json(new JsonObject().put("connectionSettings", out));
    });
  }

  private void get(RoutingContext ctx) {
    String name = ctx.pathParam("name");
    catalog.get(name).onComplete(r -> {
      if (r.failed()) {
        unavailable(ctx, r.cause());
      } else if (r.result() == null) {
        ApiError.send(ctx, 404, "no such connection settings", name);
      } else {
        ctx.json(json(r.result()));
      }
    });
  }

  private void delete(RoutingContext ctx) {
    String name = ctx.pathParam("name");
    catalog.delete(name).compose(found -> applyHere.get().map(found)).onComplete(r -> {
      if (r.failed()) {
        unavailable(ctx, r.cause());
      } else if (!r.result()) {
        ApiError.send(ctx, 404, "no such connection settings", name);
      } else {
        ctx.response().setStatusCode(204).end();
      }
    });
  }

  static ConnectionSettingsDefinition definition(String name, JsonObject body) {
    if (!NAME.matcher(name).matches()) {
      throw new IllegalArgumentException("a name is 1-128 letters, digits, '.', '_' or '-', starting with a letter or digit");
    }
    if (body == null) {
      throw new IllegalArgumentException("the body must be a JSON object with at least one of opamp, ownMetrics,"
          + " ownTraces, ownLogs, otherConnections");
    }
    ConnectionSettingsOffers.Builder settings = ConnectionSettingsOffers.newBuilder();
    JsonObject opamp = JsonFields.object(body, "opamp");
    if (opamp != null) {
      OpAMPConnectionSettings.Builder o = OpAMPConnectionSettings.newBuilder()
          .setDestinationEndpoint(endpoint(opamp, "opamp", false))
          .setHeartbeatIntervalSeconds(nonNegative(opamp, "opamp.heartbeatIntervalSeconds"));
      headers(opamp, "opamp").ifPresent(o::setHeaders);
      settings.setOpamp(o);
    }
    for (String part : TELEMETRY) {
      JsonObject t = JsonFields.object(body, part);
      if (t == null) {
        continue;
      }
      TelemetryConnectionSettings.Builder s = TelemetryConnectionSettings.newBuilder()
          .setDestinationEndpoint(endpoint(t, part, true));
      headers(t, part).ifPresent(s::setHeaders);
      switch (part) {
        case "ownMetrics" -> settings.setOwnMetrics(s);
        case "ownTraces" -> settings.setOwnTraces(s);
        default -> settings.setOwnLogs(s);
      }
    }
    JsonObject others = JsonFields.object(body, "otherConnections");
    if (others != null) {
      for (String other : others.fieldNames()) {
        String where = "otherConnections." + other;
        JsonObject o = JsonFields.object(others, other);
        if (o == null) {
          throw new IllegalArgumentException(where + " must be a JSON object");
        }
        OtherConnectionSettings.Builder s = OtherConnectionSettings.newBuilder()
            .setDestinationEndpoint(endpoint(o, where, true));
        headers(o, where).ifPresent(s::setHeaders);
        s.putAllOtherSettings(strings(JsonFields.object(o, "settings"), where + ".settings"));
        settings.putOtherConnections(other, s.build());
      }
    }
    if (!settings.hasOpamp() && !settings.hasOwnMetrics() && !settings.hasOwnTraces() && !settings.hasOwnLogs()
        && settings.getOtherConnectionsCount() == 0) {
      throw new IllegalArgumentException("give at least one of opamp, ownMetrics, ownTraces, ownLogs, otherConnections");
    }
    return ConnectionSettingsDefinition.newBuilder()
        .setName(name)
        .setSelector(Selector.parse(JsonFields.string(body, "selector", "")).toString())
        .setPriority(JsonFields.integer(body, "priority", 0))
        .setSettings(settings)
        .build();
  }

  private static String endpoint(JsonObject o, String where, boolean required) {
    String endpoint = JsonFields.string(o, "endpoint", "");
    if (endpoint.isEmpty() && !required) {
      return endpoint;
    }
    if (!URL.matcher(endpoint).matches()) {
      throw new IllegalArgumentException(where + ".endpoint must be a full http(s):// or ws(s):// URL");
    }
    return endpoint;
  }

  private static long nonNegative(JsonObject o, String field) {
    Long v = JsonFields.longValue(o, "heartbeatIntervalSeconds", 0L);
    if (v < 0) {
      throw new IllegalArgumentException(field + " must be 0 or more");
    }
    return v;
  }

  private static java.util.Optional<Headers> headers(JsonObject o, String where) {
    Map<String, String> headers = strings(JsonFields.object(o, "headers"), where + ".headers");
    if (headers.isEmpty()) {
      return java.util.Optional.empty();
    }
    Headers.Builder out = Headers.newBuilder();
    headers.forEach((k, v) -> out.addHeaders(Header.newBuilder().setKey(k).setValue(v)));
    return java.util.Optional.of(out.build());
  }

  private static Map<String, String> strings(JsonObject o, String where) {
    Map<String, String> out = new TreeMap<>();
    if (o == null) {
      return out;
    }
    for (String key : o.fieldNames()) {
      if (!(o.getValue(key) instanceof String value)) {
        throw new IllegalArgumentException(where + "." + key + " must be a string");
      }
      out.put(key, value);
    }
    return out;
  }

  /**
   * A definition: its deployed settings at the top level (as before staging existed) and again as
   * {@code deployed}, and its staged settings as {@code staged} (null when nothing is staged).
   */
  static JsonObject json(ConnectionSettingsDefinition d) {
    JsonObject deployed = settingsJson(d.getSettings());
    JsonObject out = new JsonObject()
        .put("name", d.getName())
        .put("selector", d.getSelector())
        .put("priority", d.getPriority());
    deployed.forEach(e -> out.put(e.getKey(), e.getValue()));
    return out.put("deployed", deployed.copy())
        .put("staged", d.hasStagedSettings() ? settingsJson(d.getStagedSettings()) : null)
        .put("updatedAt", Instant.ofEpochMilli(d.getUpdatedUnixMs()).toString());
  }

  private static JsonObject settingsJson(ConnectionSettingsOffers s) {
    JsonObject out = new JsonObject()
        .put("opamp", s.hasOpamp() ? new JsonObject()
            .put("endpoint", s.getOpamp().getDestinationEndpoint().isEmpty() ? null : s.getOpamp().getDestinationEndpoint())
            .put("headers", headersJson(s.getOpamp().getHeaders()))
            .put("heartbeatIntervalSeconds", s.getOpamp().getHeartbeatIntervalSeconds() == 0 ? null
                : s.getOpamp().getHeartbeatIntervalSeconds()) : null)
        .put("ownMetrics", s.hasOwnMetrics() ? telemetryJson(s.getOwnMetrics()) : null)
        .put("ownTraces", s.hasOwnTraces() ? telemetryJson(s.getOwnTraces()) : null)
        .put("ownLogs", s.hasOwnLogs() ? telemetryJson(s.getOwnLogs()) : null);
    JsonObject others = new JsonObject();
    new TreeMap<>(s.getOtherConnectionsMap()).forEach((name, o) -> others.put(name, new JsonObject()
        .put("endpoint", o.getDestinationEndpoint())
        .put("headers", headersJson(o.getHeaders()))
        .put("settings", new JsonObject(new java.util.LinkedHashMap<>(new TreeMap<>(o.getOtherSettingsMap()))))));
    return out.put("otherConnections", others);
  }

  private static JsonObject telemetryJson(TelemetryConnectionSettings t) {
    return new JsonObject().put("endpoint", t.getDestinationEndpoint()).put("headers", headersJson(t.getHeaders()));
  }

  private static JsonObject headersJson(Headers headers) {
    JsonObject out = new JsonObject();
    headers.getHeadersList().forEach(h -> out.put(h.getKey(), h.getValue()));
    return out;
  }

  private static void unavailable(RoutingContext ctx, Throwable failure) {
    ApiError.send(ctx, 503, "desired state unavailable", String.valueOf(failure.getMessage()));
  }
}
