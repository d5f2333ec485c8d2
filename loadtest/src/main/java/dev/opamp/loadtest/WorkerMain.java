package dev.opamp.loadtest;

import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A worker process: holds its slice of the fleet and obeys the driver, one command per stdin line
 * ({@code ramp}, {@code arm}, {@code storm}, {@code csr}, {@code churn P}, {@code histograms PUT_MICROS},
 * {@code quit}); answers with JSON lines on stdout ({@code ready}, {@code status} four times a
 * second, {@code armed}, {@code histograms}). It quits when stdin closes (the driver is gone) and
 * at a hard deadline, so it never outlives its run.
 */
final class WorkerMain {

  private WorkerMain() {}

  static int run(Options o) throws Exception {
    PrintStream out = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), true, StandardCharsets.UTF_8);
    System.setOut(System.err); // nothing else may write on the protocol stream
    long deadlineMillis = 2 * o.connectTimeout.toMillis() + o.duration.toMillis() + o.fanoutTimeout.toMillis() + 600_000;
    Thread killer = new Thread(() -> {
      GatewayProbe.sleep(deadlineMillis);
      System.err.println("loadtest worker " + o.workerIndex + ": deadline reached, exiting");
      Runtime.getRuntime().halt(3);
    }, "worker-deadline");
    killer.setDaemon(true);
    killer.start();

    LocalFleet fleet = new LocalFleet(o);
    ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "worker-status");
      t.setDaemon(true);
      return t;
    });
    emit(out, new JsonObject().put("t", "ready"));
    ticker.scheduleAtFixedRate(() -> emit(out, fleet.status().toJson().put("t", "status")), 0, 250,
        TimeUnit.MILLISECONDS);
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    String line;
    while ((line = in.readLine()) != null) {
      String[] cmd = line.trim().split(" ");
      switch (cmd[0]) {
        case "ramp" -> fleet.ramp();
        case "arm" -> {
          fleet.armOutcomes();
          emit(out, new JsonObject().put("t", "armed"));
        }
        case "failover" -> {
          fleet.armFailover(Integer.parseInt(cmd[1]), Long.parseLong(cmd[2]));
          emit(out, new JsonObject().put("t", "failoverArmed"));
        }
        case "storm" -> fleet.storm();
        case "csr" -> fleet.requestCertificates();
        case "churn" -> fleet.churn(Double.parseDouble(cmd[1]));
        case "histograms" -> emit(out, fleet.histograms(Long.parseLong(cmd[1])).put("t", "histograms"));
        case "quit" -> {
          ticker.shutdownNow();
          fleet.close();
          emit(out, new JsonObject().put("t", "bye"));
          return 0;
        }
        default -> System.err.println("loadtest worker: unknown command " + line);
      }
    }
    ticker.shutdownNow();
    fleet.close();
    return 0;
  }

  private static void emit(PrintStream out, JsonObject o) {
    synchronized (out) {
      out.println(o.encode());
    }
  }
}
