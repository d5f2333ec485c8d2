package dev.opamp.gateway.metrics;

import static dev.opamp.gateway.metrics.GatewayMetrics.EVENT_LOOP_STALL;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.netty.util.concurrent.EventExecutor;
import io.vertx.core.Vertx;
import io.vertx.core.internal.VertxInternal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Measures how long work waits for each event loop: at every tick, a thread of its own queues a
 * tiny task on every loop and records, when it runs, how long it waited. A loop whose previous
 * probe has not run yet gets no new one, so a blocked loop yields one long sample when it frees
 * up, and meanwhile the stall gauge shows how long it has been stuck.
 */
final class EventLoopProbe implements AutoCloseable {

  private static final long IDLE = Long.MIN_VALUE;

  private final List<Executor> loops;
  private final Timer delay;
  /** Per loop: when its pending probe was queued (System.nanoTime), or IDLE. */
  private final AtomicLongArray queuedAt;
  private final ScheduledExecutorService ticker;

  private EventLoopProbe(List<Executor> loops, Duration interval, MeterRegistry registry) {
    this.loops = loops;
    this.delay = GatewayMetrics.eventLoopDelay().register(registry);
    this.queuedAt = new AtomicLongArray(loops.size());
    for (int i = 0; i < loops.size(); i++) {
      queuedAt.set(i, IDLE);
    }
    Gauge.builder(EVENT_LOOP_STALL, this, EventLoopProbe::stallSeconds)
        .description("How long the oldest probe still queued on an event loop has waited")
        .baseUnit("seconds")
        .strongReference(true)
        .register(registry);
    this.ticker = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "opamp-event-loop-probe");
      t.setDaemon(true);
      return t;
    });
    ticker.scheduleAtFixedRate(this::tick, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** A probe over every event loop of {@code vertx}; null when its loops cannot be reached. */
  static EventLoopProbe forVertx(Vertx vertx, Duration interval, MeterRegistry registry) {
    if (!(vertx instanceof VertxInternal internal)) {
      return null;
    }
    List<Executor> loops = new ArrayList<>();
    for (EventExecutor loop : internal.eventLoopGroup()) {
      loops.add(loop);
    }
    return new EventLoopProbe(loops, interval, registry);
  }

  private void tick() {
    for (int i = 0; i < loops.size(); i++) {
      long now = System.nanoTime();
      if (!queuedAt.compareAndSet(i, IDLE, now)) {
        continue; // the last probe still waits: the stall gauge tells how long
      }
      int index = i;
      try {
        loops.get(i).execute(() -> {
          delay.record(System.nanoTime() - now, TimeUnit.NANOSECONDS);
          queuedAt.set(index, IDLE);
        });
      } catch (RejectedExecutionException shuttingDown) {
        queuedAt.set(i, IDLE);
      }
    }
  }

  private double stallSeconds() {
    long now = System.nanoTime();
    long oldest = 0;
    for (int i = 0; i < queuedAt.length(); i++) {
      long at = queuedAt.get(i);
      if (at != IDLE) {
        oldest = Math.max(oldest, now - at);
      }
    }
    return oldest / 1e9;
  }

  @Override
  public void close() {
    ticker.shutdownNow();
  }
}
