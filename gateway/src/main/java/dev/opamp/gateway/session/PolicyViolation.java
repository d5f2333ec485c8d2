package dev.opamp.gateway.session;

import dev.opamp.gateway.proto.ServerToAgent;

/**
 * The protocol's answer to a message whose sender may not do what it asks (its client
 * certificate names another agent): {@link AgentConnectionHandler#onMessage} fails with this.
 * The transport sends {@link #reply()} and ends that peer's exchange: a WebSocket closes with
 * 1008 (policy violation) and {@link #getMessage()} as reason; an HTTP poll is answered 403 with
 * the reply as body, and the session it reached (which may be another agent's) stays.
 */
public final class PolicyViolation extends RuntimeException {

  private static final long serialVersionUID = 1L;

  private final transient ServerToAgent reply;

  /** {@code reason} goes into a WebSocket close frame: keep it under 123 bytes. */
  public PolicyViolation(String reason, ServerToAgent reply) {
    super(reason, null, false, false);
    this.reply = reply;
  }

  public ServerToAgent reply() {
    return reply;
  }
}
