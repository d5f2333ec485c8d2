package dev.opamp.gateway.transport;

import dev.opamp.gateway.metrics.GatewayMetrics;
import dev.opamp.gateway.session.ConnectionAcceptor;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.ThreadingModel;
import io.vertx.core.Vertx;

/**
 * The OpAMP endpoint of one node: {@code /v1/opamp} on one port for both transports, served by
 * one verticle per event loop. The first instance binds (so port 0 picks one free port), the
 * others share that port.
 */
public final class OpampEndpoint {

  public static final String PATH = "/v1/opamp";

  private final Vertx vertx;
  private final int port;
  private final String firstDeployment;
  private final String otherDeployments;

  private OpampEndpoint(Vertx vertx, int port, String firstDeployment, String otherDeployments) {
    this.vertx = vertx;
    this.port = port;
    this.firstDeployment = firstDeployment;
    this.otherDeployments = otherDeployments;
  }

  public static Future<OpampEndpoint> start(Vertx vertx, String host, int port, int instances,
      TransportLimits limits, ConnectionAcceptor acceptor, GatewayMetrics metrics) {
    EndpointContext shared = new EndpointContext(limits, acceptor, metrics);
    OpampServerVerticle first = new OpampServerVerticle(shared, host, port, true);
    return vertx.deployVerticle(first, new DeploymentOptions().setThreadingModel(ThreadingModel.EVENT_LOOP))
        .compose(firstId -> {
          int bound = first.actualPort();
          if (instances <= 1) {
            return Future.succeededFuture(new OpampEndpoint(vertx, bound, firstId, null));
          }
          return vertx.deployVerticle(() -> new OpampServerVerticle(shared, host, bound, false),
                  new DeploymentOptions().setInstances(instances - 1))
              .map(othersId -> new OpampEndpoint(vertx, bound, firstId, othersId));
        });
  }

  /** The port actually bound (useful when started with port 0). */
  public int port() {
    return port;
  }

  public Future<Void> stop() {
    Future<Void> others = otherDeployments == null ? Future.succeededFuture() : vertx.undeploy(otherDeployments);
    return others.compose(v -> vertx.undeploy(firstDeployment));
  }
}
