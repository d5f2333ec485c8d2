package dev.opamp.gateway.api;

import dev.opamp.gateway.cluster.AgentRouter;
import dev.opamp.gateway.cluster.NodeDirectory;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/** {@code /api/v1/nodes}: the gateway nodes of the cluster, and draining one before maintenance. */
public final class NodesResource implements ApiResource {

  private final Vertx vertx;
  private final NodeDirectory directory;
  private final AgentRouter router;

  public NodesResource(Vertx vertx, NodeDirectory directory, AgentRouter router) {
    this.vertx = vertx;
    this.directory = directory;
    this.router = router;
  }

  @Override
  public void mount(Router r) {
    r.get("/api/v1/nodes").handler(this::list);
    r.post("/api/v1/nodes/:name/drain").handler(ctx -> change(ctx, router.drain(ctx.pathParam("name")), "draining"));
    r.post("/api/v1/nodes/:name/resume").handler(ctx -> change(ctx, router.resume(ctx.pathParam("name")), "active"));
  }

  private void list(RoutingContext ctx) {
    // Reading the published statuses is a cluster call: off the event loop.
    vertx.executeBlocking(directory::describe, false).onComplete(r -> {
      if (r.succeeded()) {
        ctx.json(new JsonObject().put("nodes", r.result()));
      } else {
        ApiError.send(ctx, 503, "cluster unavailable", String.valueOf(r.cause().getMessage()));
      }
    });
  }

  private void change(RoutingContext ctx, Future<Integer> done, String state) {
    String name = ctx.pathParam("name");
    done.onComplete(r -> {
      if (r.failed()) {
        ApiError.send(ctx, 503, "node unreachable", String.valueOf(r.cause().getMessage()));
      } else if (r.result() == null) {
        ApiError.send(ctx, 404, "no such node", name);
      } else {
        ctx.response().setStatusCode(202);
        ctx.json(new JsonObject().put("name", name).put("state", state).put("sessions", r.result()));
      }
    });
  }
}
