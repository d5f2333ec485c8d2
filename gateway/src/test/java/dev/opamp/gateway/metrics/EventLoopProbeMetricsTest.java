package dev.opamp.gateway.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.opamp.gateway.testing.Poll;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The event-loop probe sees a blocked loop: the stall gauge while it is blocked, the delay after. */
class EventLoopProbeMetricsTest {

  @Test
  void aBlockedLoopShowsAsStallThenAsDelay() throws Exception {
    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(2));
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    try (EventLoopProbe probe = EventLoopProbe.forVertx(vertx, Duration.ofMillis(50), registry)) {
      Timer delay = registry.get(GatewayMetrics.EVENT_LOOP_DELAY).timer();
      Gauge stall = registry.get(GatewayMetrics.EVENT_LOOP_STALL).gauge();
      Poll.until("probes on both loops", Duration.ofSeconds(10), () -> delay.count() >= 4);
      assertTrue(delay.max(TimeUnit.MILLISECONDS) < 100, "an idle loop answers fast: " + delay.max(TimeUnit.MILLISECONDS));

      CountDownLatch release = new CountDownLatch(1);
      vertx.runOnContext(v -> {
        try {
          release.await(5, TimeUnit.SECONDS); // blocks one event loop, on purpose
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      });
      Poll.until("the stall gauge to pass 300 ms", Duration.ofSeconds(5), () -> stall.value() > 0.3);
      long before = delay.count();
      release.countDown();
      Poll.until("the delayed probe to be recorded", Duration.ofSeconds(5),
          () -> delay.count() > before && delay.max(TimeUnit.MILLISECONDS) >= 300);
      Poll.until("the stall gauge to fall back to zero", Duration.ofSeconds(5), () -> stall.value() == 0);
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
    assertEquals(1, registry.find(GatewayMetrics.EVENT_LOOP_DELAY).timers().size());
  }
}
