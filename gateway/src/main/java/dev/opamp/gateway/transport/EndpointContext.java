package dev.opamp.gateway.transport;

import dev.opamp.gateway.metrics.GatewayMetrics;
import dev.opamp.gateway.proto.ServerToAgent;
import dev.opamp.gateway.session.ConnectionAcceptor;
import dev.opamp.gateway.session.Transport;
import dev.opamp.gateway.tls.ListenerTls;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.buffer.Buffer;
import java.util.function.BooleanSupplier;

/** What every connection of the OpAMP endpoint shares, on every event loop of the node. */
final class EndpointContext {

  final TransportLimits limits;
  final ConnectionAcceptor acceptor;
  final GatewayMetrics metrics;
  final ReceiveBudget budget;
  final HttpAgentChannels httpChannels;
  /** False while the node drains: new agents are sent elsewhere. */
  final BooleanSupplier acceptingAgents;
  /** The port's TLS; null when it serves plain HTTP and WS. */
  final ListenerTls tls;
  /** Serves {@link OpampEndpoint#PACKAGES_PATH} (package downloads); null when the node serves none. */
  final Handler<HttpServerRequest> packageDownloads;

  EndpointContext(TransportLimits limits, ConnectionAcceptor acceptor, GatewayMetrics metrics,
      BooleanSupplier acceptingAgents, ListenerTls tls, Handler<HttpServerRequest> packageDownloads) {
    this.tls = tls;
    this.packageDownloads = packageDownloads;
    this.acceptingAgents = acceptingAgents;
    this.limits = limits;
    this.acceptor = acceptor;
    this.metrics = metrics;
    this.budget = new ReceiveBudget(limits.receiveBudgetBytes());
    this.httpChannels = new HttpAgentChannels();
    metrics.receiveBudget(budget::inUse);
  }

  /**
   * Serializes a reply, or returns null (and counts it) when it is over the message limit: the
   * specification forbids sending an oversize ServerToAgent.
   */
  byte[] encodeOutbound(ServerToAgent message, Transport transport) {
    if (message.getSerializedSize() > limits.maxMessageBytes()) {
      metrics.protocolError(transport, GatewayMetrics.ErrorReason.OVERSIZE_OUTBOUND);
      return null;
    }
    return message.toByteArray();
  }

  static Buffer framed(byte[] protobuf) {
    Buffer b = Buffer.buffer(protobuf.length + 1);
    b.appendByte(WebSocketHeader.ZERO);
    b.appendBytes(protobuf);
    return b;
  }
}
