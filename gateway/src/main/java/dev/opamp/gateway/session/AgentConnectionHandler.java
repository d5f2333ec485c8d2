package dev.opamp.gateway.session;

import dev.opamp.gateway.proto.AgentToServer;
import dev.opamp.gateway.proto.ServerToAgent;
import io.vertx.core.Future;

/**
 * The protocol's side of one agent connection. The transport guarantees that calls for one
 * connection are never concurrent and arrive in order, on the channel's context: the next
 * {@link #onMessage} comes only after the previous returned future completed.
 */
public interface AgentConnectionHandler {

  /** Answers one decoded message; the transport delivers the reply (WebSocket frame or HTTP body). */
  Future<ServerToAgent> onMessage(AgentToServer message);

  /**
   * A message that could not be read (bad header, undecodable protobuf). Returns the reply the
   * transport should send, if any; the transport decides whether the connection survives.
   */
  ServerToAgent onReadError(String reason);

  /** The connection is gone (closed by either side, timed out, or the agent said goodbye). */
  void onClose();
}
