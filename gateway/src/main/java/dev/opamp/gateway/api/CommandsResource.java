package dev.opamp.gateway.api;

import dev.opamp.gateway.cluster.AgentRouter;
import dev.opamp.gateway.cluster.LocalNode;
import dev.opamp.gateway.fleet.AgentQuery;
import dev.opamp.gateway.fleet.FleetStore;
import dev.opamp.gateway.fleet.HasCapabilities;
import dev.opamp.gateway.fleet.Selector;
import dev.opamp.gateway.proto.AgentCapabilities;
import dev.opamp.gateway.proto.CommandType;
import dev.opamp.gateway.proto.ServerToAgent;
import dev.opamp.gateway.proto.ServerToAgentCommand;
import dev.opamp.gateway.protocol.InstanceUids;
import com.hazelcast.query.Predicate;
import com.hazelcast.query.Predicates;
import dev.opamp.gateway.fleet.proto.AgentRecord;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;

/**
 * Commands to agents: restart one agent (routed to the node that holds it), or every connected
 * agent matching a selector (published once; each node restarts its own).
 */
public final class CommandsResource implements ApiResource {

  private static final long ACCEPTS_RESTART = AgentCapabilities.AgentCapabilities_AcceptsRestartCommand_VALUE;
  /** A command message carries only the command (uid and capabilities are added per agent). */
  private static final ServerToAgent RESTART = ServerToAgent.newBuilder()
      .setCommand(ServerToAgentCommand.newBuilder().setType(CommandType.CommandType_Restart))
      .build();

  private final FleetStore fleet;
  private final AgentRouter router;

  public CommandsResource(FleetStore fleet, AgentRouter router) {
    this.fleet = fleet;
    this.router = router;
  }

  @Override
  public void mount(Router r) {
    r.post("/api/v1/agents/:uid/restart").handler(this::restartOne);
    r.post("/api/v1/commands/restart").handler(BodyHandler.create().setBodyLimit(64 * 1024)).handler(this::restartMany);
  }

  private void restartOne(RoutingContext ctx) {
    String key = InstanceUids.keyFromText(ctx.pathParam("uid"));
    if (key == null) {
      ApiError.send(ctx, 400, "bad instance uid", "give 32 hex digits or the canonical UUID form");
      return;
    }
    router.deliver(key, RESTART, ACCEPTS_RESTART).onComplete(r -> {
      if (r.failed()) {
        ApiError.send(ctx, 503, "cluster unavailable", String.valueOf(r.cause().getMessage()));
        return;
      }
      LocalNode.Delivery d = r.result().delivery();
      switch (d) {
        case DELIVERED -> {
          ctx.response().setStatusCode(202);
          ctx.json(new JsonObject().put("delivered", true).put("node", r.result().node()));
        }
        case NOT_CAPABLE -> ApiError.send(ctx, 409, "agent does not accept restart commands",
            "it did not declare AcceptsRestartCommand");
        case NOT_CONNECTED -> ApiError.send(ctx, 409, "agent not connected", key);
        case NO_SUCH_AGENT -> ApiError.send(ctx, 404, "no such agent", key);
      }
    });
  }

  private void restartMany(RoutingContext ctx) {
    JsonObject body;
    Selector selector;
    try {
      body = JsonFields.body(ctx);
      String text = body == null ? null : JsonFields.string(body, "selector", null);
      if (text == null) {
        throw new IllegalArgumentException("the body must be {\"selector\": \"...\"} (\"\" selects every agent)");
      }
      selector = Selector.parse(text);
    } catch (RuntimeException e) {
      ApiError.send(ctx, 400, "bad request", e.getMessage());
      return;
    }
    Predicate<String, AgentRecord> targets =
        Predicates.and(AgentQuery.of(selector, true, null), new HasCapabilities(ACCEPTS_RESTART));
    fleet.keys(targets).onComplete(r -> {
      if (r.failed()) {
        ApiError.send(ctx, 503, "fleet unavailable", String.valueOf(r.cause().getMessage()));
        return;
      }
      if (!r.result().isEmpty()) {
        router.broadcast(targets, RESTART, ACCEPTS_RESTART);
      }
      ctx.response().setStatusCode(202);
      ctx.json(new JsonObject().put("targeted", r.result().size()));
    });
  }
}
