package dev.opamp.gateway.remoteconfig;

import com.hazelcast.core.HazelcastInstance;
import dev.opamp.gateway.cluster.ClusterNode;
import dev.opamp.gateway.fleet.FleetStore;
import dev.opamp.gateway.fleet.proto.AgentRecord;
import dev.opamp.gateway.remoteconfig.proto.Rollout;
import dev.opamp.gateway.remoteconfig.proto.Wave;
import dev.opamp.gateway.remoteconfig.proto.WaveCounts;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Moves running rollouts forward, whatever they roll out (a config version, a package set: each
 * a {@link RolloutSubject}). Every node ticks, but each rollout is driven only by the member that
 * owns its partition, so exactly one node drives it, and when that node dies the new owner
 * carries on from the stored state.
 */
public final class RolloutDriver {

  private static final Logger LOG = Logger.getLogger(RolloutDriver.class.getName());
  private static final long TICK_MILLIS = 1000;

  private final Vertx vertx;
  private final HazelcastInstance hazelcast;
  private final RolloutRepository rollouts;
  private final FleetStore fleet;
  private final List<RolloutSubject> subjects;
  private final AtomicBoolean ticking = new AtomicBoolean();
  private long timer;

  public RolloutDriver(Vertx vertx, HazelcastInstance hazelcast, RolloutRepository rollouts, FleetStore fleet,
      List<RolloutSubject> subjects) {
    this.vertx = vertx;
    this.hazelcast = hazelcast;
    this.rollouts = rollouts;
    this.fleet = fleet;
    this.subjects = List.copyOf(subjects);
  }

  private RolloutSubject subject(Rollout r) {
    for (RolloutSubject s : subjects) {
      if (s.owns(r)) {
        return s;
      }
    }
    throw new IllegalStateException("no rollout subject for rollout " + r.getId());
  }

  public void start() {
    timer = vertx.setPeriodic(TICK_MILLIS, id -> tick());
  }

  public void stop() {
    vertx.cancelTimer(timer);
  }

  private void tick() {
    if (!ticking.compareAndSet(false, true)) {
      return; // the previous tick is still at work
    }
    vertx.executeBlocking(() -> {
      for (Rollout r : rollouts.all()) {
        if ("running".equals(r.getState()) && ownedHere(r.getId())) {
          try {
            advance(r);
          } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "rollout " + r.getId() + " could not advance", e);
          }
        }
      }
      return null;
    }, false).onComplete(done -> ticking.set(false));
  }

  private boolean ownedHere(String id) {
    var owner = hazelcast.getPartitionService().getPartition(id).getOwner();
    return owner != null && owner.localMember();
  }

  /** One step: judge the current wave, then start the next one or finish. Runs on a worker. */
  void advance(Rollout r) {
    long now = System.currentTimeMillis();
    RolloutSubject subject = subject(r);
    Map<String, AgentRecord> targets = subject.targets(r);
    Set<String> touched = new HashSet<>();
    r.getWavesList().forEach(w -> touched.addAll(w.getAgentsList()));
    Map<String, AgentRecord> judged = subject.judged(r, targets, touched);
    Wave wave = r.getWavesCount() == 0 ? null : r.getWaves(r.getWavesCount() - 1);

    Set<String> failed = failed(r, subject, judged, now);
    int failures = failed.size() - r.getFailuresAccepted();
    int allowed = RolloutStrategies.resolve(r.getStrategy().getMaxFailures(), touched.size(), "maxFailures");
    if (failures > allowed) {
      String why = failures + " of " + touched.size() + " agents failed or turned unhealthy (at most " + allowed
          + " allowed)";
      String state = "pause".equals(r.getStrategy().getOnFailure()) ? "paused" : "rolled_back";
      LOG.info(() -> "rollout " + r.getId() + ": " + why + "; " + state);
      if (state.equals("rolled_back")) {
        subject.failedOn(r, failed);
      }
      changeStateNow(r.getId(), Set.of("running"), state, why);
      return;
    }
    if (wave != null && wave.getPassedUnixMs() == 0) {
      boolean settled = wave.getAgentsList().stream()
          .map(judged::get)
          .allMatch(a -> a == null || subject.applied(a, r)); // agents gone meanwhile do not hold the wave
      Wave.Builder w = wave.toBuilder();
      if (!settled) {
        w.setSettledUnixMs(0);
      } else if (wave.getSettledUnixMs() == 0) {
        w.setSettledUnixMs(now);
      } else if (now - wave.getSettledUnixMs() >= r.getStrategy().getHealthySeconds() * 1000L) {
        w.setPassedUnixMs(now).setFinalCounts(count(r, wave, subject));
      }
      replaceLastWave(r, w.build());
      return;
    }
    if (wave != null && now - wave.getPassedUnixMs() < r.getStrategy().getWaitSeconds() * 1000L) {
      return;
    }
    List<String> untouched = new ArrayList<>();
    for (String key : targets.keySet()) {
      if (!touched.contains(key)) {
        untouched.add(key); // targets is sorted by key: waves are reproducible
      }
    }
    if (untouched.isEmpty()) {
      complete(r, subject);
      return;
    }
    int size = wave == null
        ? Math.max(1, RolloutStrategies.resolve(r.getStrategy().getCanary(), targets.size(), "canary"))
        : (int) Math.ceil(wave.getAgentsCount() * r.getStrategy().getGrowth());
    List<String> next = untouched.subList(0, Math.min(size, untouched.size()));
    Wave added = Wave.newBuilder().addAllAgents(next).setStartedUnixMs(now).build();
    rollouts.updateNow(r.getId(), x -> "running".equals(x.getState()) && x.getWavesCount() == r.getWavesCount()
        ? x.toBuilder().addWaves(added).build() : null);
  }

  /** The rollout as {@code GET /api/v1/rollouts/{id}} shows it, waves counted from the records (blocking). */
  public io.vertx.core.json.JsonObject describeNow(String id) {
    Rollout r = rollouts.getNow(id);
    if (r == null) {
      return null;
    }
    io.vertx.core.json.JsonArray waves = new io.vertx.core.json.JsonArray();
    RolloutSubject subject = subject(r);
    for (Wave w : r.getWavesList()) {
      WaveCounts c = w.hasFinalCounts() ? w.getFinalCounts() : count(r, w, subject);
      waves.add(new io.vertx.core.json.JsonObject()
          .put("targeted", w.getAgentsCount())
          .put("offered", c.getOffered())
          .put("applied", c.getApplied())
          .put("failed", c.getFailed())
          .put("unhealthy", c.getUnhealthy())
          .put("startedAt", time(w.getStartedUnixMs()))
          .put("passedAt", time(w.getPassedUnixMs())));
    }
    var s = r.getStrategy();
    io.vertx.core.json.JsonObject json = new io.vertx.core.json.JsonObject()
        .put("id", r.getId())
        .put("config", null)
        .put("version", null)
        .put("previousVersion", null)
        .put("packages", null)
        .put("packageSet", null)
        .put("previousPackageSet", null)
        .put("connectionSettings", null);
    subject.describe(r, json);
    return json
        .put("state", r.getState())
        .put("reason", r.getReason().isEmpty() ? null : r.getReason())
        .put("strategy", new io.vertx.core.json.JsonObject()
            .put("canary", s.getCanary()).put("growth", s.getGrowth()).put("waitSeconds", s.getWaitSeconds())
            .put("healthySeconds", s.getHealthySeconds()).put("maxFailures", s.getMaxFailures())
            .put("onFailure", s.getOnFailure()).put("deadlineSeconds", s.getDeadlineSeconds()))
        .put("waves", waves)
        .put("drivenBy", driver(id))
        .put("createdAt", time(r.getCreatedUnixMs()))
        .put("updatedAt", time(r.getUpdatedUnixMs()));
  }

  /** Where a wave's agents stand with what the rollout rolls out, from their records now. */
  private WaveCounts count(Rollout r, Wave w, RolloutSubject subject) {
    WaveCounts.Builder c = WaveCounts.newBuilder();
    long now = System.currentTimeMillis();
    for (AgentRecord a : fleet.getAllNow(new HashSet<>(w.getAgentsList())).values()) {
      c.setOffered(c.getOffered() + (subject.offered(a, r) ? 1 : 0));
      c.setApplied(c.getApplied() + (subject.applied(a, r) ? 1 : 0));
      c.setFailed(c.getFailed() + (subject.failed(a, r, w.getStartedUnixMs(), now) ? 1 : 0));
      c.setUnhealthy(c.getUnhealthy() + (unhealthy(a) ? 1 : 0));
    }
    return c.build();
  }

  /**
   * Moves a rollout from one of {@code from} to {@code to}, freezing the counts of its open waves
   * first (once agents are rolled back, their records no longer say what the wave did). Blocking.
   * Answers the rollout after the change, or null if there is no such rollout.
   */
  public Rollout changeStateNow(String id, Set<String> from, String to, String reason) {
    Rollout before = rollouts.getNow(id);
    if (before == null || !from.contains(before.getState())) {
      return before;
    }
    Rollout frozen = frozen(before);
    return rollouts.updateNow(id, x -> from.contains(x.getState()) && x.getWavesCount() == frozen.getWavesCount()
        ? frozen.toBuilder().setState(to).setReason(reason).build() : null);
  }

  private Rollout frozen(Rollout r) {
    Rollout.Builder b = r.toBuilder();
    RolloutSubject subject = subject(r);
    for (int i = 0; i < r.getWavesCount(); i++) {
      if (!r.getWaves(i).hasFinalCounts()) {
        b.setWaves(i, r.getWaves(i).toBuilder().setFinalCounts(count(r, r.getWaves(i), subject)));
      }
    }
    return b.build();
  }

  /** The node that drives the rollout now: the owner of its partition. */
  private String driver(String id) {
    var owner = hazelcast.getPartitionService().getPartition(id).getOwner();
    return owner == null ? null : owner.getAttribute(ClusterNode.NODE_ATTRIBUTE);
  }

  private static String time(long millis) {
    return millis == 0 ? null : java.time.Instant.ofEpochMilli(millis).toString();
  }

  /** Touched agents (judged by their records) that failed with the rollout or turned unhealthy. */
  private static Set<String> failed(Rollout r, RolloutSubject subject, Map<String, AgentRecord> judged, long now) {
    Set<String> failed = new HashSet<>();
    for (Wave w : r.getWavesList()) {
      for (String key : w.getAgentsList()) {
        AgentRecord a = judged.get(key);
        if (a != null && (subject.failed(a, r, w.getStartedUnixMs(), now) || unhealthy(a))) {
          failed.add(key);
        }
      }
    }
    return failed;
  }

  /**
   * Resumes a paused rollout, accepting the failures seen so far (blocking; on a worker). Answers
   * the rollout after the change, or null if there is no such rollout.
   */
  public Rollout resumeNow(String id) {
    Rollout r = rollouts.getNow(id);
    if (r == null) {
      return null;
    }
    Set<String> touched = new HashSet<>();
    r.getWavesList().forEach(w -> touched.addAll(w.getAgentsList()));
    RolloutSubject subject = subject(r);
    int seen = failed(r, subject, subject.judged(r, subject.targets(r), touched), System.currentTimeMillis()).size();
    return rollouts.updateNow(id, x -> "paused".equals(x.getState())
        ? x.toBuilder().setState("running").setReason("resumed").setFailuresAccepted(seen).build() : null);
  }

  private void replaceLastWave(Rollout r, Wave w) {
    int last = r.getWavesCount() - 1;
    rollouts.updateNow(r.getId(), x -> "running".equals(x.getState()) && x.getWavesCount() == r.getWavesCount()
        ? x.toBuilder().setWaves(last, w).build() : null);
  }

  private void complete(Rollout r, RolloutSubject subject) {
    subject.complete(r);
    rollouts.updateNow(r.getId(), x -> "running".equals(x.getState())
        ? x.toBuilder().setState("completed").setReason("every wave passed").build() : null);
    LOG.info(() -> "rollout " + r.getId() + " completed");
  }

  /** The agent reported itself unhealthy. */
  public static boolean unhealthy(AgentRecord a) {
    return a.hasHealth() && !a.getHealth().getHealthy();
  }
}
