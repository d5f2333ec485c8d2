package dev.opamp.gateway.remoteconfig;

import com.google.protobuf.InvalidProtocolBufferException;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import dev.opamp.gateway.remoteconfig.proto.ConfigHead;
import dev.opamp.gateway.remoteconfig.proto.Rollout;
import dev.opamp.gateway.remoteconfig.proto.RolloutStrategy;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.function.UnaryOperator;

/** Rollouts in the cluster's desired-state map; blocking cluster calls run on worker threads. */
public final class RolloutRepository {

  public static final String ROLLOUTS_MAP = "desired-rollouts";
  /** States in which a rollout still decides which version its agents run. */
  static final Set<String> PINNING = Set.of("running", "paused", "aborted");

  private final Vertx vertx;
  private final IMap<String, byte[]> rollouts;
  private final ConfigRepository configs;

  public RolloutRepository(Vertx vertx, HazelcastInstance hazelcast, ConfigRepository configs) {
    this.vertx = vertx;
    this.rollouts = hazelcast.getMap(ROLLOUTS_MAP);
    this.configs = configs;
  }

  /**
   * A rollout that starts now, whatever it rolls out: a fresh id, running, for the agents
   * {@code selector} matches, with {@code strategy}. The subject adds what it moves agents to.
   */
  public static Rollout.Builder startingNow(String selector, RolloutStrategy strategy) {
    long now = System.currentTimeMillis();
    return Rollout.newBuilder()
        .setId(UUID.randomUUID().toString())
        .setSelector(selector)
        .setStrategy(strategy)
        .setState("running")
        .setCreatedUnixMs(now)
        .setUpdatedUnixMs(now);
  }

  /** The rollouts map, for catalogs that follow its changes. */
  public IMap<String, byte[]> map() {
    return rollouts;
  }

  /** Why a rollout cannot start; the API answers it as a client error. */
  public static final class RefusedException extends RuntimeException {
    public final int status;

    public RefusedException(int status, String message) {
      super(message, null, false, false);
      this.status = status;
    }
  }

  /** Starts a rollout of {@code version} (0: the latest) of a config. */
  public Future<Rollout> start(String config, long version, RolloutStrategy strategy) {
    return vertx.executeBlocking(() -> {
      IMap<String, byte[]> heads = configs.headsMap();
      heads.lock(config); // one rollout starts per config at a time, cluster-wide
      try {
        byte[] headBytes = heads.get(config);
        ConfigHead head = headBytes == null ? null : HeadChange.parse(headBytes);
        if (head == null || head.getDeleted()) {
          throw new RefusedException(404, "no such config: " + config);
        }
        long target = version == 0 ? head.getLatestVersion() : version;
        var newVersion = configs.versionNow(config, target);
        if (newVersion == null) {
          throw new RefusedException(404, "config " + config + " has no version " + target);
        }
        if (target == head.getActiveVersion()) {
          throw new RefusedException(409, "version " + target + " of " + config + " is already active");
        }
        for (Rollout r : all()) {
          if (r.getConfig().equals(config) && (r.getState().equals("running") || r.getState().equals("paused"))) {
            throw new RefusedException(409, "rollout " + r.getId() + " of " + config + " is still " + r.getState());
          }
        }
        Rollout rollout = startingNow(newVersion.getSelector(), strategy)
            .setConfig(config)
            .setVersion(target)
            .setPreviousVersion(head.getActiveVersion())
            .build();
        rollouts.set(rollout.getId(), rollout.toByteArray());
        return rollout;
      } finally {
        heads.unlock(config);
      }
    }, false);
  }

  public Future<Rollout> get(String id) {
    return vertx.executeBlocking(() -> getNow(id), false);
  }

  public Future<List<Rollout>> list() {
    return vertx.executeBlocking(this::all, false);
  }

  /** Changes a rollout atomically (compare and set); null if there is no such rollout. */
  public Future<Rollout> update(String id, UnaryOperator<Rollout> change) {
    return vertx.executeBlocking(() -> updateNow(id, change), false);
  }

  /** Blocking: for callers on a worker thread. */
  public Rollout getNow(String id) {
    byte[] bytes = rollouts.get(id);
    return bytes == null ? null : parse(bytes);
  }

  /** Every rollout, oldest first (blocking). */
  public List<Rollout> all() {
    List<Rollout> out = new ArrayList<>();
    for (byte[] bytes : rollouts.values()) {
      out.add(parse(bytes));
    }
    out.sort(Comparator.comparingLong(Rollout::getCreatedUnixMs));
    return out;
  }

  /**
   * Stores a new rollout of another subject (blocking); refused with 409 while a rollout that
   * {@code sameSubject} recognises is still running or paused. Callers hold their subject's lock.
   */
  public Rollout createNow(Rollout rollout, java.util.function.Predicate<Rollout> sameSubject) {
    for (Rollout r : all()) {
      if (sameSubject.test(r) && (r.getState().equals("running") || r.getState().equals("paused"))) {
        throw new RefusedException(409, "rollout " + r.getId() + " of the same subject is still " + r.getState());
      }
    }
    rollouts.set(rollout.getId(), rollout.toByteArray());
    return rollout;
  }

  Rollout updateNow(String id, UnaryOperator<Rollout> change) {
    while (true) {
      byte[] before = rollouts.get(id);
      if (before == null) {
        return null;
      }
      Rollout current = parse(before);
      Rollout next = change.apply(current);
      if (next == null || next.equals(current)) {
        return current;
      }
      next = next.toBuilder().setUpdatedUnixMs(System.currentTimeMillis()).build();
      if (rollouts.replace(id, before, next.toByteArray())) {
        return next;
      }
    }
  }

  static Rollout parse(byte[] bytes) {
    try {
      return Rollout.parseFrom(bytes);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("corrupt rollout", e);
    }
  }
}
