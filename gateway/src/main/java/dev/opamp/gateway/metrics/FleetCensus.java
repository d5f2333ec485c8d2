package dev.opamp.gateway.metrics;

import static dev.opamp.gateway.metrics.GatewayMetrics.AGENTS_CENSUS_AGE;
import static dev.opamp.gateway.metrics.GatewayMetrics.AGENTS_HEALTH;
import static dev.opamp.gateway.metrics.GatewayMetrics.AGENTS_REMOTE_CONFIG;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import dev.opamp.gateway.fleet.FleetStore;
import dev.opamp.gateway.fleet.HeldByNode;
import dev.opamp.gateway.fleet.proto.AgentRecord;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Counts, at a fixed interval, the agents whose records say they are connected to this node, by
 * health and by remote-config status: one aggregation over the fleet map on a worker thread, its
 * result published as gauges. Summed over nodes, the gauges count the connected fleet. A census
 * that fails leaves the last values and lets the age gauge grow.
 */
final class FleetCensus implements AutoCloseable {

  private static final Logger LOG = Logger.getLogger(FleetCensus.class.getName());

  private final Vertx vertx;
  private final IMap<String, AgentRecord> agents;
  private final String node;
  private final AtomicLongArray health = new AtomicLongArray(AgentCensus.HEALTH.size());
  private final AtomicLongArray remoteConfig = new AtomicLongArray(AgentCensus.REMOTE_CONFIG.size());
  private final AtomicBoolean running = new AtomicBoolean();
  private final long timer;
  private volatile long lastSuccessNanos = System.nanoTime();
  private volatile boolean closed;

  FleetCensus(Vertx vertx, HazelcastInstance hazelcast, String node, Duration interval) {
    this.vertx = vertx;
    this.agents = hazelcast.getMap(FleetStore.AGENTS_MAP);
    this.node = node;
    this.timer = vertx.setPeriodic(1, interval.toMillis(), id -> run());
  }

  void bindTo(MeterRegistry registry) {
    for (int i = 0; i < AgentCensus.HEALTH.size(); i++) {
      int index = i;
      GatewayMetrics.gauge(registry, AGENTS_HEALTH, "Agents connected to this node, by reported health",
          health, h -> h.get(index), "health", AgentCensus.HEALTH.get(i));
    }
    for (int i = 0; i < AgentCensus.REMOTE_CONFIG.size(); i++) {
      int index = i;
      GatewayMetrics.gauge(registry, AGENTS_REMOTE_CONFIG,
          "Agents connected to this node, by reported remote-config status",
          remoteConfig, s -> s.get(index), "status", AgentCensus.REMOTE_CONFIG.get(i));
    }
    io.micrometer.core.instrument.Gauge.builder(AGENTS_CENSUS_AGE, this, FleetCensus::ageSeconds)
        .description("Seconds since the last census of this node's agents succeeded")
        .baseUnit("seconds")
        .strongReference(true)
        .register(registry);
  }

  private double ageSeconds() {
    return (System.nanoTime() - lastSuccessNanos) / 1e9;
  }

  /** One census, unless the previous one is still running (a slow cluster never piles them up). */
  private void run() {
    if (closed || !running.compareAndSet(false, true)) {
      return;
    }
    vertx.executeBlocking(() -> agents.aggregate(new AgentCensus(), new HeldByNode(node)), false)
        .onComplete(result -> {
          running.set(false);
          if (result.succeeded()) {
            AgentCensus.Counts counts = result.result();
            for (int i = 0; i < health.length(); i++) {
              health.set(i, counts.health()[i]);
            }
            for (int i = 0; i < remoteConfig.length(); i++) {
              remoteConfig.set(i, counts.remoteConfig()[i]);
            }
            lastSuccessNanos = System.nanoTime();
          } else if (!closed) {
            LOG.log(Level.FINE, "census of the agents of " + node + " failed; the gauges keep their values",
                result.cause());
          }
        });
  }

  @Override
  public void close() {
    closed = true;
    vertx.cancelTimer(timer);
  }
}
