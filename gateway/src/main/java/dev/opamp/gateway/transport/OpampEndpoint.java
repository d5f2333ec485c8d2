package dev.opamp.gateway.transport;

import dev.opamp.gateway.metrics.GatewayMetrics;
import dev.opamp.gateway.session.ConnectionAcceptor;
import dev.opamp.gateway.tls.ListenerTls;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.Vertx;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The OpAMP endpoint of one node: {@code /v1/opamp} on one port for both transports, served by
 * one verticle per event loop sharing that port; over TLS when {@code tls} is given (null: plain),
 * with package downloads under {@link #PACKAGES_PATH} when {@code packageDownloads} is (null: none).
 */
public final class OpampEndpoint {

  public static final String PATH = "/v1/opamp";
  /** Package downloads, served on the same port (their URLs carry their own authorization). */
  public static final String PACKAGES_PATH = "/v1/packages/";

  private final Vertx vertx;
  private final int port;
  private final String deployment;

  private OpampEndpoint(Vertx vertx, int port, String deployment) {
    this.vertx = vertx;
    this.port = port;
    this.deployment = deployment;
  }

  public static Future<OpampEndpoint> start(Vertx vertx, String host, int port, int instances,
      TransportLimits limits, ConnectionAcceptor acceptor, GatewayMetrics metrics, BooleanSupplier acceptingAgents,
      ListenerTls tls, Handler<HttpServerRequest> packageDownloads) {
    EndpointContext shared = new EndpointContext(limits, acceptor, metrics, acceptingAgents, tls, packageDownloads);
    // Vert.x shares a random port among servers that ask for a negative one; 0 would give each its own.
    int requested = port == 0 ? -1 : port;
    List<OpampServerVerticle> verticles = new CopyOnWriteArrayList<>();
    return vertx.deployVerticle(() -> {
          // One instance (the first created) sweeps the node-wide table of HTTP sessions.
          OpampServerVerticle v = new OpampServerVerticle(shared, host, requested, verticles.isEmpty());
          verticles.add(v);
          return v;
        }, new DeploymentOptions().setInstances(instances))
        .map(id -> new OpampEndpoint(vertx, verticles.get(0).actualPort(), id));
  }

  /** The port actually bound (useful when started with port 0). */
  public int port() {
    return port;
  }

  public Future<Void> stop() {
    return vertx.undeploy(deployment);
  }
}
