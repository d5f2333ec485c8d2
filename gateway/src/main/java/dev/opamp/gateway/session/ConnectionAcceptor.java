package dev.opamp.gateway.session;

/** Creates the protocol handler for each new agent connection; transports call it on open. */
@FunctionalInterface
public interface ConnectionAcceptor {
  AgentConnectionHandler open(AgentChannel channel);
}
