package dev.opamp.gateway.remoteconfig;

import dev.opamp.gateway.fleet.AgentQuery;
import dev.opamp.gateway.fleet.FleetStore;
import dev.opamp.gateway.fleet.Selector;
import dev.opamp.gateway.fleet.proto.AgentRecord;
import dev.opamp.gateway.remoteconfig.proto.Rollout;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * What a rollout moves agents to (a config version, a package set): the one rollout engine
 * ({@link RolloutDriver}) asks its subject which agents the rollout is for and how each stands
 * with it, and lets it finish the change. Every method is blocking and runs on a worker thread.
 */
public interface RolloutSubject {

  /** Whether this subject is what {@code r} rolls out. */
  boolean owns(Rollout r);

  /** The connected agents the rollout is for, sorted by key (waves are taken in that order). */
  Map<String, AgentRecord> targets(Rollout r);

  /**
   * The records the rollout judges its touched agents by: by default the connected targets (an
   * agent that left is not held against the rollout).
   */
  default Map<String, AgentRecord> judged(Rollout r, Map<String, AgentRecord> targets, Set<String> touched) {
    return targets;
  }

  /** The agent was offered what the rollout rolls out. */
  boolean offered(AgentRecord a, Rollout r);

  /** The agent has it, healthy. */
  boolean applied(AgentRecord a, Rollout r);

  /**
   * The agent failed with it (reported a failure, or a deadline passed).
   *
   * @param waveStartedMillis when the agent's wave started
   */
  boolean failed(AgentRecord a, Rollout r, long waveStartedMillis, long nowMillis);

  /** Every wave passed: what was rolled out becomes what every matching agent gets. */
  void complete(Rollout r);

  /** The rollout stopped because these touched agents failed (before their rollback is offered). */
  default void failedOn(Rollout r, Set<String> agents) {}

  /** Adds to {@code json} what the rollout moves agents from and to. */
  void describe(Rollout r, io.vertx.core.json.JsonObject json);

  // ---- parts subjects share ----

  /** The connected agents matching the rollout's selector, sorted by key (blocking). */
  static Map<String, AgentRecord> connectedMatching(FleetStore fleet, Rollout r) {
    return new TreeMap<>(fleet.recordsNow(AgentQuery.of(Selector.parse(r.getSelector()), true, null)));
  }

  /**
   * {@link #judged} for subjects whose change may take an agent away for a while (a restart, a
   * new endpoint): every touched agent, connected or not, so one that never comes back fails at
   * the deadline (blocking).
   */
  static Map<String, AgentRecord> touchedOrTargets(FleetStore fleet, Map<String, AgentRecord> targets,
      Set<String> touched) {
    Map<String, AgentRecord> out = new HashMap<>(fleet.getAllNow(touched));
    out.putAll(targets);
    return out;
  }

  /** The strategy's {@code deadlineSeconds} passed since the agent's wave started, and it has not applied. */
  default boolean overdue(AgentRecord a, Rollout r, long waveStartedMillis, long nowMillis) {
    long deadline = r.getStrategy().getDeadlineSeconds() * 1000L;
    return deadline > 0 && nowMillis - waveStartedMillis > deadline && !applied(a, r);
  }
}
