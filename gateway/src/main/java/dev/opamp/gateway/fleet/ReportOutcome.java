package dev.opamp.gateway.fleet;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.opamp.gateway.fleet.proto.AgentRecord;
import dev.opamp.gateway.fleet.proto.MergeOutcome;

/**
 * What merging one report found: the protocol decides from it whether to ask for the full state
 * or the full component map, and what to offer.
 *
 * @param existed a record was stored before this report
 * @param changed the record was written (something the agent reported differs)
 * @param hasDescription after the merge, the record holds the agent's description
 * @param storedComponentsHash the hash of the available components held after the merge
 *     (empty if none); with {@code hasComponentDetails} the server knows whether it holds the map
 * @param hasComponentDetails the stored available components include the components themselves
 * @param hasEffectiveConfig after the merge, the record holds an effective config
 * @param previousHolder the connection the record named before this report, if the report
 *     names a new one and the old one was live: a session elsewhere that is now stale
 * @param offerView the stored record without the parts no offer depends on (health, components,
 *     custom messages): given when the report opened a session or changed a part that offers
 *     depend on, so the session can work out what to offer; null otherwise
 * @param healthy the stored health's {@code healthy}; null if the agent never reported health
 * @param remoteConfigStatus the stored remote-config status (a {@code RemoteConfigStatuses}
 *     number); null if the agent never reported one
 */
public record ReportOutcome(
    boolean existed,
    boolean changed,
    boolean hasDescription,
    byte[] storedComponentsHash,
    boolean hasComponentDetails,
    boolean hasEffectiveConfig,
    Holder previousHolder,
    AgentRecord offerView,
    Boolean healthy,
    Integer remoteConfigStatus) {

  /** A node and session epoch that held an agent. */
  public record Holder(String node, long epoch) {}

  /** Reads the outcome as the partition owner encoded it. */
  static ReportOutcome decode(byte[] bytes) {
    MergeOutcome m;
    try {
      m = MergeOutcome.parseFrom(bytes);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("corrupt merge outcome", e);
    }
    return new ReportOutcome(m.getExisted(), m.getChanged(), m.getHasDescription(),
        m.getStoredComponentsHash().toByteArray(), m.getHasComponentDetails(), m.getHasEffectiveConfig(),
        m.getPreviousNode().isEmpty() ? null : new Holder(m.getPreviousNode(), m.getPreviousEpoch()),
        m.hasOfferView() ? m.getOfferView() : null,
        m.hasHealthy() ? m.getHealthy() : null,
        m.hasRemoteConfigStatus() ? m.getRemoteConfigStatus() : null);
  }
}
