package dev.opamp.gateway.transport;

import java.time.Duration;

/**
 * The limits and timeouts the OpAMP endpoint enforces, each named for what it guards.
 *
 * @param maxMessageBytes largest AgentToServer accepted, after decompression (spec default 64 MiB)
 * @param receiveBudgetBytes node-wide bytes of inbound messages assembled or decoded at once
 * @param pingInterval how often the server pings each WebSocket, to keep load balancers and NATs
 *     from dropping quiet connections and to find dead peers
 * @param idleTimeout a WebSocket that sends nothing (not even a pong) for this long is closed
 * @param firstMessageTimeout a WebSocket that sends no OpAMP message for this long after the upgrade is closed
 * @param httpSessionTimeout an HTTP agent that has not polled for this long counts as disconnected
 * @param writeQueueMaxBytes bytes queued for one slow agent before the server stops reading from it
 * @param slowConsumerTimeout a session whose write queue stays full this long is closed
 * @param authToken when set, agents must send {@code Authorization: Bearer <token>}
 */
public record TransportLimits(
    long maxMessageBytes,
    long receiveBudgetBytes,
    Duration pingInterval,
    Duration idleTimeout,
    Duration firstMessageTimeout,
    Duration httpSessionTimeout,
    int writeQueueMaxBytes,
    Duration slowConsumerTimeout,
    String authToken) {

  /** The defaults: the specification's 64 MiB message limit and timeouts suited to 30 s heartbeats. */
  public static TransportLimits defaults() {
    return new TransportLimits(64L << 20, 256L << 20, Duration.ofSeconds(30), Duration.ofSeconds(90),
        Duration.ofSeconds(30), Duration.ofSeconds(90), 256 << 10, Duration.ofSeconds(60), null);
  }

  @Override
  public String toString() {
    return "TransportLimits[maxMessageBytes=" + maxMessageBytes + ", receiveBudgetBytes=" + receiveBudgetBytes
        + ", pingInterval=" + pingInterval + ", idleTimeout=" + idleTimeout
        + ", firstMessageTimeout=" + firstMessageTimeout + ", httpSessionTimeout=" + httpSessionTimeout
        + ", writeQueueMaxBytes=" + writeQueueMaxBytes + ", slowConsumerTimeout=" + slowConsumerTimeout
        + ", authToken=" + (authToken == null ? "none" : "***") + "]";
  }
}
