package dev.opamp.gateway.session;

import dev.opamp.gateway.proto.ServerToAgent;
import io.vertx.core.Context;
import java.security.cert.X509Certificate;

/**
 * What the protocol layer may do with one agent's connection, whatever carries it.
 *
 * <p>A transport implements this once per agent connection (a WebSocket, or the series of HTTP
 * polls of one agent). All methods must be called on {@link #context()}.
 */
public interface AgentChannel {

  Transport transport();

  /** The agent's address as the socket sees it, for operators. */
  String remoteAddress();

  /** The event loop this connection is confined to. */
  Context context();

  /**
   * The client certificate the TLS handshake verified for the peer whose message is being
   * handled (for HTTP, the current poll's connection); null without mutual TLS or certificate.
   */
  X509Certificate peerCertificate();

  /**
   * Sends a message the server initiates. A WebSocket writes it now; an HTTP channel keeps it
   * for the agent's next poll. Returns false if it was refused (channel closed, or its outbox is
   * full and the message was dropped).
   */
  boolean push(ServerToAgent message);

  /** Ends the connection with a WebSocket close code and reason (HTTP: forgets the session). */
  void close(short code, String reason);
}
