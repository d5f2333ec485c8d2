package dev.opamp.gateway.metrics;

import static dev.opamp.gateway.metrics.GatewayMetrics.ROLLOUTS;

import com.google.protobuf.InvalidProtocolBufferException;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import dev.opamp.gateway.remoteconfig.RolloutRepository;
import dev.opamp.gateway.remoteconfig.proto.Rollout;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Counts rollouts by state at a fixed interval (the rollouts map is small: a scan on a worker).
 * Every node reports the same cluster-wide numbers; aggregate with {@code max}, not {@code sum}.
 */
final class RolloutCensus implements AutoCloseable {

  /** Every state a rollout can be in; each is always exported, zero or not. */
  static final List<String> STATES = List.of("running", "paused", "completed", "rolled_back", "aborted");

  private final Vertx vertx;
  private final IMap<String, byte[]> rollouts;
  private final AtomicLongArray counts = new AtomicLongArray(STATES.size());
  private final AtomicBoolean running = new AtomicBoolean();
  private final long timer;

  RolloutCensus(Vertx vertx, HazelcastInstance hazelcast, Duration interval) {
    this.vertx = vertx;
    this.rollouts = hazelcast.getMap(RolloutRepository.ROLLOUTS_MAP);
    this.timer = vertx.setPeriodic(1, interval.toMillis(), id -> run());
  }

  void bindTo(MeterRegistry registry) {
    for (int i = 0; i < STATES.size(); i++) {
      int index = i;
      GatewayMetrics.gauge(registry, ROLLOUTS, "Rollouts in the cluster, by state (the same on every node)",
          counts, c -> c.get(index), "state", STATES.get(i));
    }
  }

  private void run() {
    if (!running.compareAndSet(false, true)) {
      return;
    }
    vertx.executeBlocking(() -> {
      long[] byState = new long[STATES.size()];
      for (byte[] bytes : rollouts.values()) {
        try {
          int i = STATES.indexOf(Rollout.parseFrom(bytes).getState());
          if (i >= 0) {
            byState[i]++;
          }
        } catch (InvalidProtocolBufferException ignored) {
          // a corrupt entry is not a rollout in any state
        }
      }
      return byState;
    }, false).onComplete(r -> {
      running.set(false);
      if (r.succeeded()) {
        for (int i = 0; i < counts.length(); i++) {
          counts.set(i, r.result()[i]);
        }
      }
    });
  }

  @Override
  public void close() {
    vertx.cancelTimer(timer);
  }
}
