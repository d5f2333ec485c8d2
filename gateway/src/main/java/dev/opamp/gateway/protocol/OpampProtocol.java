package dev.opamp.gateway.protocol;

import dev.opamp.gateway.fleet.FleetStore;
import dev.opamp.gateway.metrics.GatewayMetrics;
import dev.opamp.gateway.session.AgentChannel;
import dev.opamp.gateway.session.AgentConnectionHandler;
import dev.opamp.gateway.session.ConnectionAcceptor;
import dev.opamp.gateway.session.SessionRegistry;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The protocol of one gateway node: opens a {@link ProtocolSession} per agent connection, for
 * both transports alike, and holds what those sessions share.
 */
public final class OpampProtocol implements ConnectionAcceptor {

  private final String nodeName;
  private final FleetStore fleet;
  private final SessionRegistry sessions;
  private final GatewayMetrics metrics;
  private final StaleSessions staleSessions;
  private final List<AgentOffer> offers;
  private final long firstEpoch = System.currentTimeMillis() << 16;
  // Epochs order the sessions that ever held an agent; start from the clock so restarts keep growing.
  private final AtomicLong epochs = new AtomicLong(firstEpoch);

  public OpampProtocol(String nodeName, FleetStore fleet, SessionRegistry sessions, GatewayMetrics metrics,
      StaleSessions staleSessions, List<AgentOffer> offers) {
    this.nodeName = nodeName;
    this.fleet = fleet;
    this.sessions = sessions;
    this.metrics = metrics;
    this.staleSessions = staleSessions;
    this.offers = List.copyOf(offers);
  }

  /** Every session of this run has an epoch at least this; records naming older ones on this node are stale. */
  public long firstEpoch() {
    return firstEpoch;
  }

  @Override
  public AgentConnectionHandler open(AgentChannel channel) {
    return new ProtocolSession(this, channel, epochs.incrementAndGet());
  }

  String nodeName() {
    return nodeName;
  }

  FleetStore fleet() {
    return fleet;
  }

  SessionRegistry sessions() {
    return sessions;
  }

  GatewayMetrics metrics() {
    return metrics;
  }

  StaleSessions staleSessions() {
    return staleSessions;
  }

  List<AgentOffer> offers() {
    return offers;
  }
}
