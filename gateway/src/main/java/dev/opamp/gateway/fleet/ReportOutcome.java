package dev.opamp.gateway.fleet;

import java.io.Serializable;

/**
 * What merging one report into the stored record found: the protocol decides from it whether
 * to ask for the full state or the full component map.
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
 *     custom messages), as protobuf bytes: given when the report opened a session or changed a
 *     part that offers depend on, so the session can work out what to offer; null otherwise
 */
public record ReportOutcome(
    boolean existed,
    boolean changed,
    boolean hasDescription,
    byte[] storedComponentsHash,
    boolean hasComponentDetails,
    boolean hasEffectiveConfig,
    Holder previousHolder,
    byte[] offerView)
    implements Serializable {

  /** A node and session epoch that held an agent. */
  public record Holder(String node, long epoch) implements Serializable {}
}
