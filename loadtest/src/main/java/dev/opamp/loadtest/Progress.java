package dev.opamp.loadtest;

import java.io.PrintStream;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * One line a second on stderr: elapsed time, agents connected, the connect rate over the last
 * second, errors by kind, and config reports during a fanout; or, during a phase without a fleet
 * (the floor), that phase's own line.
 */
final class Progress implements AutoCloseable {

  private final PrintStream err = System.err;
  private final boolean enabled;
  private final long startNanos = System.nanoTime();
  private ScheduledExecutorService timer;
  private volatile Fleet fleet;
  private volatile String phase;
  private volatile Supplier<String> phaseLine;
  private volatile String stage = "ramp";
  private long lastConnects;

  Progress(boolean enabled) {
    this.enabled = enabled;
    if (enabled) {
      timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "loadtest-progress");
        t.setDaemon(true);
        return t;
      });
      timer.scheduleAtFixedRate(this::print, 1, 1, TimeUnit.SECONDS);
    }
  }

  void fleet(Fleet fleet) {
    this.fleet = fleet;
  }

  void stage(String stage) {
    this.stage = stage;
  }

  void phase(String name, Supplier<String> line) {
    this.phase = name;
    this.phaseLine = line;
  }

  void note(String text) {
    if (enabled) {
      err.printf("[%5.1fs] %s%n", elapsed(), text);
    }
  }

  private double elapsed() {
    return (System.nanoTime() - startNanos) / 1e9;
  }

  private void print() {
    try {
      String p = phase;
      Supplier<String> pl = phaseLine;
      if (p != null && pl != null) {
        err.printf("[%5.1fs] %s: %s%n", elapsed(), p, pl.get());
        return;
      }
      Fleet f = fleet;
      if (f == null) {
        return;
      }
      FleetStatus s = f.status();
      long rate = s.connects() - lastConnects;
      lastConnects = s.connects();
      StringBuilder line = new StringBuilder(String.format("[%5.1fs] %-7s connected %,d/%,d  +%,d/s  errors %,d",
          elapsed(), stage, s.connected(), s.agents(), rate, s.errorCount()));
      if (!s.errors().isEmpty()) {
        line.append(' ').append(top(s.errors()));
      }
      if (s.succeeded() + s.failed() > 0) {
        line.append(String.format("  done %,d failed %,d", s.succeeded(), s.failed()));
      }
      if (s.downloadedBytes() > 0) {
        line.append(String.format("  downloaded %,d MiB", s.downloadedBytes() >> 20));
      }
      err.println(line);
    } catch (RuntimeException e) {
      // progress is best effort
    }
  }

  private static String top(Map<String, Long> errors) {
    StringBuilder b = new StringBuilder("{");
    errors.entrySet().stream().sorted((a, c) -> Long.compare(c.getValue(), a.getValue())).limit(3)
        .forEach(e -> b.append(b.length() > 1 ? ", " : "").append(e.getKey()).append(": ").append(e.getValue()));
    return b.append(errors.size() > 3 ? ", …}" : "}").toString();
  }

  @Override
  public void close() {
    if (timer != null) {
      timer.shutdownNow();
    }
  }
}
