package dev.opamp.gateway.api;

import dev.opamp.gateway.fleet.AgentQuery;
import dev.opamp.gateway.fleet.FleetStore;
import dev.opamp.gateway.fleet.Selector;
import dev.opamp.gateway.fleet.proto.AgentRecord;
import dev.opamp.gateway.protocol.InstanceUids;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.List;

/** {@code /api/v1/agents}: the fleet, cluster-wide, filtered and paged; and one agent in full. */
public final class AgentsResource implements ApiResource {

  static final int DEFAULT_LIMIT = 100;
  static final int MAX_LIMIT = 1000;

  private final FleetStore fleet;

  public AgentsResource(FleetStore fleet) {
    this.fleet = fleet;
  }

  @Override
  public void mount(Router router) {
    router.get("/api/v1/agents").handler(this::list);
    router.get("/api/v1/agents/:uid").handler(this::one);
  }

  private void list(RoutingContext ctx) {
    Selector selector;
    Boolean connected;
    int limit;
    String cursor = ctx.request().getParam("cursor");
    try {
      String selectorText = ctx.request().getParam("selector");
      selector = selectorText == null || selectorText.isBlank() ? null : Selector.parse(selectorText);
      connected = parseConnected(ctx.request().getParam("connected"));
      limit = parseLimit(ctx.request().getParam("limit"));
      if (cursor != null && InstanceUids.keyFromText(cursor) == null) {
        throw new IllegalArgumentException("cursor must be the nextCursor of a previous page");
      }
    } catch (IllegalArgumentException e) {
      ApiError.send(ctx, 400, "bad query", e.getMessage());
      return;
    }
    String after = cursor == null ? null : InstanceUids.keyFromText(cursor);
    fleet.list(AgentQuery.of(selector, connected, after), limit + 1).onComplete(result -> {
      if (result.failed()) {
        ApiError.send(ctx, 503, "fleet unavailable", String.valueOf(result.cause().getMessage()));
        return;
      }
      List<AgentRecord> records = result.result();
      JsonArray agents = new JsonArray();
      for (int i = 0; i < records.size() && i < limit; i++) {
        agents.add(AgentJson.summary(records.get(i)));
      }
      JsonObject page = new JsonObject().put("agents", agents).put("count", agents.size());
      if (records.size() > limit) {
        page.put("nextCursor", InstanceUids.key(records.get(limit - 1).getInstanceUid()));
      } else {
        page.putNull("nextCursor");
      }
      ctx.json(page);
    });
  }

  private void one(RoutingContext ctx) {
    String key = InstanceUids.keyFromText(ctx.pathParam("uid"));
    if (key == null) {
      ApiError.send(ctx, 400, "bad instance uid", "give 32 hex digits or the canonical UUID form");
      return;
    }
    fleet.get(key)
        .compose(record -> record == null
            ? io.vertx.core.Future.succeededFuture((JsonObject) null)
            : fleet.effectiveConfig(record.getEffectiveConfigHash()).map(config -> AgentJson.full(record, config)))
        .onComplete(result -> {
          if (result.failed()) {
            ApiError.send(ctx, 503, "fleet unavailable", String.valueOf(result.cause().getMessage()));
          } else if (result.result() == null) {
            ApiError.send(ctx, 404, "no such agent", key);
          } else {
            ctx.json(result.result());
          }
        });
  }

  private static Boolean parseConnected(String text) {
    if (text == null || text.isBlank()) {
      return null;
    }
    return switch (text) {
      case "true" -> Boolean.TRUE;
      case "false" -> Boolean.FALSE;
      default -> throw new IllegalArgumentException("connected must be true or false, not \"" + text + "\"");
    };
  }

  private static int parseLimit(String text) {
    if (text == null || text.isBlank()) {
      return DEFAULT_LIMIT;
    }
    try {
      int limit = Integer.parseInt(text);
      if (limit >= 1 && limit <= MAX_LIMIT) {
        return limit;
      }
    } catch (NumberFormatException ignored) {
      // falls through to the error below
    }
    throw new IllegalArgumentException("limit must be a whole number from 1 to " + MAX_LIMIT);
  }
}
