package dev.opamp.loadtest;

import io.vertx.core.json.JsonObject;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

/**
 * The counters and latency histograms of the agents of one process. Agents on every event loop
 * write here; the driver reads {@link #status()} and, at the end, {@link #result}.
 */
final class Stats {

  private final int agents;
  private final int webSocketAgents;
  private final AtomicInteger connected = new AtomicInteger();
  private final AtomicInteger everConnected = new AtomicInteger();
  private final LongAdder connects = new LongAdder();
  private final Map<String, LongAdder> errors = new ConcurrentHashMap<>();
  private volatile long rampDoneMicros;

  private final AtomicInteger stormPhase = new AtomicInteger();
  private final AtomicInteger stormReconnected = new AtomicInteger();
  private volatile long stormDoneMicros;

  /**
   * Per agent: when it reported the outcome the armed scenario measures (0: not yet): a config
   * APPLIED or FAILED (fanout), a package set INSTALLED or failed (packages), a certificate
   * received or refused (credentials).
   */
  private final long[] reportedAtMicros;
  private final AtomicInteger succeeded = new AtomicInteger();
  private final AtomicInteger failed = new AtomicInteger();
  private final AtomicLong lastReportMicros = new AtomicLong();

  /** Per agent: 1 + the index of the target it is connected to, 0 while not connected. */
  private final AtomicIntegerArray connectedTo;
  /** Per agent: 1 while it was on the killed node and has not connected again since the kill. */
  private final AtomicIntegerArray failoverPending;
  private final AtomicInteger failoverAgents = new AtomicInteger();
  private final AtomicInteger failoverReconnected = new AtomicInteger();
  private volatile long failoverKillMicros;
  private volatile long failoverDoneMicros;
  final ConcurrentHistogram failoverLatency = Histograms.concurrent();

  final ConcurrentHistogram connectLatency = Histograms.concurrent();
  final ConcurrentHistogram reconnectLatency = Histograms.concurrent();
  final ConcurrentHistogram heartbeatRoundTrip = Histograms.concurrent();

  Stats(int agents, int webSocketAgents) {
    this.agents = agents;
    this.webSocketAgents = webSocketAgents;
    this.reportedAtMicros = new long[agents];
    this.connectedTo = new AtomicIntegerArray(agents);
    this.failoverPending = new AtomicIntegerArray(agents);
  }

  void error(String kind) {
    errors.computeIfAbsent(kind, k -> new LongAdder()).increment();
  }

  /** An agent's connection got its first answer; {@code first} for the agent's first connection ever. */
  void connectedUp(int agent, int target, boolean first, boolean afterStorm, long latencyMicros, boolean reconnect) {
    connects.increment();
    connected.incrementAndGet();
    connectedTo.set(agent, target + 1);
    if (failoverPending.compareAndSet(agent, 1, 0)) {
      long now = Micros.now();
      Histograms.record(failoverLatency, now - failoverKillMicros);
      if (failoverReconnected.incrementAndGet() == failoverAgents.get()) {
        failoverDoneMicros = now;
      }
    }
    Histograms.record(reconnect ? reconnectLatency : connectLatency, latencyMicros);
    if (first && everConnected.incrementAndGet() == agents) {
      rampDoneMicros = Micros.now();
    }
    if (afterStorm && stormReconnected.incrementAndGet() == webSocketAgents) {
      stormDoneMicros = Micros.now();
    }
  }

  void connectedDown(int agent) {
    connected.decrementAndGet();
    connectedTo.set(agent, 0);
  }

  /** Failover: the agents connected to {@code target} now are timed from {@code killMicros} to their next connection. */
  synchronized void armFailover(int target, long killMicros) {
    failoverKillMicros = killMicros;
    failoverDoneMicros = 0;
    failoverReconnected.set(0);
    int n = 0;
    for (int i = 0; i < agents; i++) {
      if (connectedTo.get(i) == target + 1) {
        failoverPending.set(i, 1);
        n++;
      }
    }
    failoverAgents.set(n);
    if (n == 0 || failoverReconnected.get() >= n) {
      failoverDoneMicros = Math.max(killMicros, Micros.now());
    }
  }

  int stormPhase() {
    return stormPhase.get();
  }

  /** Starts a storm: from now on, reconnections count towards its completion. */
  int startStorm() {
    stormReconnected.set(0);
    stormDoneMicros = 0;
    return stormPhase.incrementAndGet();
  }

  void downloaded(int bytes) {
    downloadedBytes.add(bytes);
  }

  void heartbeatRoundTrip(long micros) {
    Histograms.record(heartbeatRoundTrip, micros);
  }

  /** Bytes of package files downloaded and hashed. */
  private final LongAdder downloadedBytes = new LongAdder();

  /** Forgets earlier outcomes: the measured change starts now. */
  synchronized void armOutcomes() {
    Arrays.fill(reportedAtMicros, 0);
    succeeded.set(0);
    failed.set(0);
    lastReportMicros.set(0);
  }

  /** An agent reached the measured outcome ({@code ok}) or failed it; only its first report after arming counts. */
  void outcome(int agent, boolean ok) {
    long now = Micros.now();
    synchronized (this) {
      if (reportedAtMicros[agent] != 0) {
        return;
      }
      reportedAtMicros[agent] = now;
    }
    (ok ? succeeded : failed).incrementAndGet();
    lastReportMicros.accumulateAndGet(now, Math::max);
  }

  FleetStatus status() {
    Map<String, Long> e = new TreeMap<>();
    errors.forEach((k, v) -> e.put(k, v.sum()));
    return new FleetStatus(agents, connected.get(), everConnected.get(), connects.sum(), e, rampDoneMicros,
        stormPhase.get(), stormReconnected.get(), stormDoneMicros, succeeded.get(), failed.get(),
        lastReportMicros.get(), webSocketAgents, failoverAgents.get(), failoverReconnected.get(), failoverDoneMicros,
        downloadedBytes.sum());
  }

  /** The histograms, with the fanout one measured from {@code putMicros} (none when 0). */
  synchronized JsonObject result(long putMicros) {
    Histogram fanout = Histograms.plain();
    if (putMicros > 0) {
      for (long at : reportedAtMicros) {
        if (at > 0) {
          Histograms.record(fanout, at - putMicros);
        }
      }
    }
    return new JsonObject()
        .put("connect", Histograms.encode(connectLatency))
        .put("reconnect", Histograms.encode(reconnectLatency))
        .put("heartbeat", Histograms.encode(heartbeatRoundTrip))
        .put("fanout", Histograms.encode(fanout))
        .put("failover", Histograms.encode(failoverLatency));
  }
}
