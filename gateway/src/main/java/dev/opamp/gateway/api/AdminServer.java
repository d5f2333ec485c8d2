package dev.opamp.gateway.api;

import dev.opamp.gateway.metrics.GatewayMetrics;
import dev.opamp.gateway.tls.ListenerTls;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * The admin port: the REST API under {@code /api/v1}, Prometheus metrics, liveness and readiness.
 * With a token set, everything but the probes (routed before the check) needs {@code Authorization: Bearer <token>}.
 */
public final class AdminServer {

  private final HttpServer server;

  private AdminServer(HttpServer server) {
    this.server = server;
  }

  /** {@code tls}: the port's TLS, or null for plain HTTP. */
  public static Future<AdminServer> start(Vertx vertx, String host, int port, String authToken,
      GatewayMetrics metrics, BooleanSupplier ready, List<ApiResource> resources, ListenerTls tls) {
    Router router = Router.router(vertx);
    router.get("/healthz").handler(ctx -> ctx.json(new JsonObject().put("status", "UP")));
    router.get("/readyz").handler(ctx -> {
      boolean isReady = ready.getAsBoolean();
      ctx.response().setStatusCode(isReady ? 200 : 503);
      ctx.json(new JsonObject().put("status", isReady ? "READY" : "NOT_READY"));
    });
    if (authToken != null) {
      byte[] expected = ("Bearer " + authToken).getBytes(StandardCharsets.UTF_8);
      router.route().handler(ctx -> requireToken(ctx, expected));
    }
    router.get("/metrics").handler(ctx -> ctx.response()
        .putHeader("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
        .end(metrics.scrape()));
    Buffer openApi = Buffer.buffer(resource("openapi.yaml"));
    router.get("/api/v1/openapi.yaml").handler(ctx -> ctx.response()
        .putHeader("Content-Type", "application/yaml")
        .end(openApi));
    resources.forEach(r -> r.mount(router));
    router.get("/").handler(ctx -> ctx.json(new JsonObject()
        .put("service", "opamp-gateway")
        .put("api", "/api/v1/agents")
        .put("openapi", "/api/v1/openapi.yaml")
        .put("metrics", "/metrics")));
    router.route("/api/*").last().handler(ctx -> ApiError.send(ctx, 404, "not found", ctx.request().path()));
    router.route().failureHandler(ctx -> ApiError.send(ctx, ctx.statusCode() > 0 ? ctx.statusCode() : 500,
        "request failed", ctx.failure() == null ? null : String.valueOf(ctx.failure().getMessage())));

    HttpServerOptions options = new HttpServerOptions().setHost(host).setPort(port).setCompressionSupported(true);
    if (tls != null) {
      tls.configure(options);
    }
    HttpServer server = vertx.createHttpServer(options).requestHandler(router);
    if (tls != null) {
      tls.serve(server);
    }
    return server.listen().map(AdminServer::new);
  }

  public int port() {
    return server.actualPort();
  }

  public Future<Void> stop() {
    return server.close();
  }

  private static void requireToken(RoutingContext ctx, byte[] expected) {
    String given = ctx.request().getHeader("Authorization");
    if (given != null && MessageDigest.isEqual(expected, given.getBytes(StandardCharsets.UTF_8))) {
      ctx.next();
      return;
    }
    ctx.response().putHeader("WWW-Authenticate", "Bearer realm=\"opamp-gateway-admin\"");
    ApiError.send(ctx, 401, "unauthorized", "send Authorization: Bearer <admin token>");
  }

  private static byte[] resource(String name) {
    try (InputStream in = AdminServer.class.getClassLoader().getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException(name + " is missing from the gateway jar");
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
