package dev.opamp.loadtest;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Reads a server's footprint: heap used from its Prometheus {@code /metrics}
 * ({@code jvm_memory_used_bytes{area="heap"}}, summed over pools and nodes), RSS and CPU time from
 * {@code /proc/<pid>} when the process ids are known, and its connected-agent gauge.
 *
 * <p>Heap used includes garbage not yet collected. When every process id is known and
 * {@code jcmd} is on the PATH, each process is first asked for a full GC ({@code jcmd PID GC.run})
 * so the figure is live heap ("gc"); otherwise it is the lowest of five readings a second apart
 * ("sampled"), which overstates live heap by whatever young garbage is around.
 */
final class GatewayProbe {

  /** One reading; -1 where unknown. */
  record Sample(long heapBytes, long heapMaxBytes, long rssBytes, long cpuNanos, long agentsConnected,
      double gcPauseSeconds, long atNanos) { }

  private final List<String> metricsUrls;
  private final List<Long> pids;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5))
      // HTTP/1.1: the JDK client's h2c upgrade has been seen to hang past its request timeout.
      .version(HttpClient.Version.HTTP_1_1).build();
  private final boolean gc;

  GatewayProbe(List<String> adminBaseUrls, List<Long> pids) {
    this.metricsUrls = adminBaseUrls.stream().map(u -> u.endsWith("/metrics") ? u : stripSlash(u) + "/metrics").toList();
    this.pids = pids;
    this.gc = !pids.isEmpty() && pids.size() >= adminBaseUrls.size() && jcmdAvailable();
  }

  private static String stripSlash(String u) {
    return u.endsWith("/") ? u.substring(0, u.length() - 1) : u;
  }

  boolean enabled() {
    return !metricsUrls.isEmpty() || !pids.isEmpty();
  }

  /** "gc" (live heap after a full GC) or "sampled" (lowest of five readings). */
  String heapMethod() {
    return gc ? "gc" : "sampled";
  }

  /** The footprint now, measured the way {@link #heapMethod()} says. */
  Sample measure() {
    if (gc) {
      for (long pid : pids) {
        runJcmd(pid);
      }
      sleep(500);
      return read();
    }
    Sample best = read();
    for (int i = 0; i < 4; i++) {
      sleep(1000);
      Sample s = read();
      if (s.heapBytes >= 0 && (best.heapBytes < 0 || s.heapBytes < best.heapBytes)) {
        best = new Sample(s.heapBytes, s.heapMaxBytes, best.rssBytes, best.cpuNanos, s.agentsConnected,
            best.gcPauseSeconds, best.atNanos);
      }
    }
    return best;
  }

  /** One reading without any GC. */
  Sample read() {
    long heap = -1, heapMax = -1, agents = -1;
    double gcPause = -1;
    for (String url : metricsUrls) {
      String text = fetch(url);
      if (text == null) {
        continue;
      }
      heap = add(heap, sum(text, "jvm_memory_used_bytes{", "area=\"heap\""));
      heapMax = add(heapMax, sum(text, "jvm_memory_max_bytes{", "area=\"heap\""));
      agents = add(agents, sum(text, "opamp_agents_connected", null));
      double pause = sumDouble(text, "jvm_gc_pause_seconds_sum", null);
      gcPause = pause < 0 ? gcPause : Math.max(0, gcPause) + pause;
    }
    long rss = -1, cpu = -1;
    for (long pid : pids) {
      rss = add(rss, rssBytes(pid));
      cpu = add(cpu, cpuNanos(pid));
    }
    return new Sample(heap, heapMax, rss, cpu, agents, gcPause, System.nanoTime());
  }

  private static long add(long total, long value) {
    if (value < 0) {
      return total;
    }
    return Math.max(0, total) + value;
  }

  private String fetch(String url) {
    try {
      // A hard bound on top of the request timeout: a reading never stalls the run.
      HttpResponse<String> r = http.sendAsync(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(20))
          .GET().build(), HttpResponse.BodyHandlers.ofString()).get(25, java.util.concurrent.TimeUnit.SECONDS);
      return r.statusCode() == 200 ? r.body() : null;
    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  /** Sums the values of the lines of metric {@code prefix} (optionally only those containing {@code label}). */
  static long sum(String text, String prefix, String label) {
    double v = sumDouble(text, prefix, label);
    return v < 0 ? -1 : Math.round(v);
  }

  static double sumDouble(String text, String prefix, String label) {
    double total = -1;
    for (String line : text.split("\n")) {
      if (!line.startsWith(prefix) || (label != null && !line.contains(label))) {
        continue;
      }
      char next = line.length() > prefix.length() ? line.charAt(prefix.length()) : ' ';
      if (!prefix.endsWith("{") && next != '{' && next != ' ') {
        continue; // a longer metric name that starts the same way
      }
      int space = line.lastIndexOf(' ');
      try {
        double v = Double.parseDouble(line.substring(space + 1).trim());
        if (v >= 0) {
          total = Math.max(0, total) + v;
        }
      } catch (NumberFormatException e) {
        // not a sample line
      }
    }
    return total;
  }

  static long rssBytes(long pid) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(pid), "status"))) {
        if (line.startsWith("VmRSS:")) {
          String[] parts = line.trim().split("\\s+");
          return Long.parseLong(parts[1]) * 1024;
        }
      }
    } catch (IOException | RuntimeException e) {
      return -1;
    }
    return -1;
  }

  /** User plus system CPU time of the process, from /proc/PID/stat (100 ticks a second). */
  static long cpuNanos(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc", String.valueOf(pid), "stat"));
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]);
      return ticks * 10_000_000L;
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  static boolean jcmdAvailable() {
    try {
      Process p = new ProcessBuilder("jcmd", "-h").redirectErrorStream(true).start();
      p.getInputStream().readAllBytes();
      return p.waitFor(20, TimeUnit.SECONDS);
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  private static void runJcmd(long pid) {
    try {
      Process p = new ProcessBuilder("jcmd", String.valueOf(pid), "GC.run").redirectErrorStream(true).start();
      p.getInputStream().readAllBytes();
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        p.destroy();
      }
    } catch (IOException e) {
      // the reading that follows is then simply not after a GC
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** The machine's CPU time as {busy, total} jiffies from /proc/stat, or null. */
  static long[] machineCpu() {
    try {
      String first = Files.readAllLines(Path.of("/proc/stat")).get(0);
      String[] f = first.trim().split("\\s+");
      long total = 0;
      for (int i = 1; i < f.length && i <= 8; i++) {
        total += Long.parseLong(f[i]);
      }
      long idle = Long.parseLong(f[4]) + Long.parseLong(f[5]);
      return new long[] {total - idle, total};
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  /** The share of the machine's CPU that was busy between two {@link #machineCpu()} readings, or -1. */
  static double busyShare(long[] from, long[] to) {
    if (from == null || to == null || to[1] <= from[1]) {
      return -1;
    }
    return (double) (to[0] - from[0]) / (to[1] - from[1]);
  }
}
