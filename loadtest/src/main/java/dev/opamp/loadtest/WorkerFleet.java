package dev.opamp.loadtest;

import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * The fleet held by worker JVMs running this same code: each gets the run's own flags and its
 * slice ({@code --worker I/N}), is driven through stdin and reports JSON lines on stdout; the
 * driver sums their counters and merges their histograms from the encoded form.
 */
final class WorkerFleet implements Fleet {

  private final List<Worker> workers = new ArrayList<>();

  private static final class Worker {
    final Process process;
    final PrintWriter in;
    final BlockingQueue<JsonObject> replies = new LinkedBlockingQueue<>();
    volatile FleetStatus status;

    Worker(Process process) {
      this.process = process;
      this.in = new PrintWriter(new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8), true);
    }

    void send(String command) {
      in.println(command);
    }

    JsonObject await(String type, long seconds) throws InterruptedException {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
      while (true) {
        long left = deadline - System.nanoTime();
        JsonObject o = left <= 0 ? null : replies.poll(left, TimeUnit.NANOSECONDS);
        if (o == null) {
          throw new IllegalStateException("worker pid " + process.pid() + " sent no '" + type + "' within " + seconds
              + " s" + (process.isAlive() ? "" : " (it exited with " + process.exitValue() + ")"));
        }
        if (type.equals(o.getString("t"))) {
          return o;
        }
      }
    }
  }

  WorkerFleet(Options o, String[] args) throws Exception {
    int n = o.processes;
    for (int i = 0; i < n; i++) {
      List<String> workerArgs = new ArrayList<>(Arrays.asList(args));
      workerArgs.addAll(List.of("--worker", i + "/" + n, "--run-id", o.runId));
      List<String> command = javaCommand(o.workerJvmArgs, workerArgs.toArray(String[]::new));
      Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
      Worker w = new Worker(p);
      workers.add(w);
      Thread reader = new Thread(() -> read(w), "worker-" + i + "-reader");
      reader.setDaemon(true);
      reader.start();
    }
    for (Worker w : workers) {
      w.await("ready", 120);
    }
  }

  /** {@code java FLAGS -cp <this classpath> dev.opamp.loadtest.LoadTest ARGS}. */
  static List<String> javaCommand(String jvmArgs, String... args) {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    if (jvmArgs != null && !jvmArgs.isBlank()) {
      command.addAll(Arrays.asList(jvmArgs.trim().split("\\s+")));
    }
    command.add("-Djava.net.preferIPv4Stack=true");
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(LoadTest.class.getName());
    command.addAll(Arrays.asList(args));
    return command;
  }

  private static void read(Worker w) {
    try (BufferedReader r = new BufferedReader(new InputStreamReader(w.process.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = r.readLine()) != null) {
        if (!line.startsWith("{")) {
          continue;
        }
        JsonObject o = new JsonObject(line);
        if ("status".equals(o.getString("t"))) {
          w.status = FleetStatus.fromJson(o);
        } else {
          w.replies.add(o);
        }
      }
    } catch (IOException | RuntimeException e) {
      // the worker is gone; its last status stays
    }
  }

  private void sendAll(String command) {
    for (Worker w : workers) {
      w.send(command);
    }
  }

  @Override
  public void ramp() {
    sendAll("ramp");
  }

  @Override
  public FleetStatus status() {
    List<FleetStatus> parts = new ArrayList<>();
    for (Worker w : workers) {
      if (w.status != null) {
        parts.add(w.status);
      }
    }
    return FleetStatus.merge(parts);
  }

  @Override
  public void requestCertificates() {
    sendAll("csr");
  }

  @Override
  public void armOutcomes() {
    sendAll("arm");
    try {
      for (Worker w : workers) {
        w.await("armed", 60);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void armFailover(int targetIndex, long killMicros) {
    sendAll("failover " + targetIndex + " " + killMicros);
    try {
      for (Worker w : workers) {
        w.await("failoverArmed", 60);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void storm() {
    sendAll("storm");
  }

  @Override
  public void churn(double percentPerSecond) {
    sendAll("churn " + percentPerSecond);
  }

  @Override
  public JsonObject histograms(long putMicros) {
    sendAll("histograms " + putMicros);
    JsonObject merged = new JsonObject();
    java.util.Map<String, Histogram> sums = new java.util.LinkedHashMap<>();
    try {
      for (Worker w : workers) {
        JsonObject o = w.await("histograms", 120);
        for (String name : o.fieldNames()) {
          if (!"t".equals(name)) {
            Histogram h = Histograms.decode(o.getString(name));
            sums.computeIfAbsent(name, k -> Histograms.plain()).add(h);
          }
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    sums.forEach((k, h) -> merged.put(k, Histograms.encode(h)));
    return merged;
  }

  @Override
  public List<Long> pids() {
    return workers.stream().map(w -> w.process.pid()).toList();
  }

  @Override
  public void close() {
    sendAll("quit");
    for (Worker w : workers) {
      try {
        if (!w.process.waitFor(60, TimeUnit.SECONDS)) {
          w.process.destroy();
          if (!w.process.waitFor(10, TimeUnit.SECONDS)) {
            w.process.destroyForcibly();
          }
        }
      } catch (InterruptedException e) {
        w.process.destroyForcibly();
        Thread.currentThread().interrupt();
      }
    }
  }
}
