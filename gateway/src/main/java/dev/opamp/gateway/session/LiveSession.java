package dev.opamp.gateway.session;

import dev.opamp.gateway.fleet.proto.AgentRecord;
import dev.opamp.gateway.proto.ServerToAgent;
import java.time.Duration;

/**
 * A session this node holds for one agent, as other parts of the node reach it: to deliver a
 * message the server initiates, to move the agent to another node, or to end a session the
 * agent already left. Every method hops onto the session's event loop itself, so callers on any
 * thread may use them.
 */
public interface LiveSession {

  AgentChannel channel();

  /** Unique per session across the cluster; a record names the epoch that holds the agent. */
  long epoch();

  /** The capability bits the agent declared last. */
  long agentCapabilities();

  /** Sends a message the server initiates (WebSocket: now; HTTP: with the next poll). */
  void send(ServerToAgent message);

  /**
   * Asks the agent to go and come back after {@code retryAfter} (UNAVAILABLE with a retry hint),
   * so a load balancer can place it on another node; the session ends shortly after.
   */
  void shed(Duration retryAfter, String reason);

  /**
   * The desired state changed (a config was saved, activated or withdrawn): with the agent's
   * stored record at hand, offer the agent whatever it now needs.
   */
  void refresh(AgentRecord record);

  /** Ends a session whose agent has since connected to another node. */
  void closeAsStale();
}
