package dev.opamp.loadtest;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.Predicate;
import org.HdrHistogram.Histogram;

/**
 * Runs one scenario end to end: the floor (when asked), the gateway's footprint before, the ramp,
 * the footprint after, the scenario's own part, and the report. Blocking, on the caller's thread;
 * the agents live on the fleet's event loops or in worker processes.
 */
final class Runner {

  private final Options o;
  private final String[] args;
  private final Progress progress;
  private final GatewayProbe probe;
  private final JsonObject report = new JsonObject();
  private final JsonArray notes = new JsonArray();
  private long fanoutPutMicros;

  private Runner(Options o, String[] args, Progress progress) {
    this.o = o;
    this.args = args;
    this.progress = progress;
    this.probe = new GatewayProbe(o.metrics, o.gatewayPids);
  }

  /** Runs the scenario {@code o} names; {@code args} are passed on to worker processes. */
  static JsonObject run(Options o, String[] args) throws Exception {
    try (Progress progress = new Progress(!o.noProgress)) {
      return new Runner(o, args, progress).run();
    }
  }

  private JsonObject run() throws Exception {
    report.put("scenario", o.scenarioName).put("runId", o.runId).put("startedAt", Instant.now().toString())
        .put("agents", o.agents).put("transport", o.transport.name())
        .put("targets", new JsonArray(o.targets)).put("rate", o.rate)
        .put("heartbeatSeconds", o.heartbeat.toMillis() / 1000.0)
        .put("processes", o.processes)
        .put("sourceAddresses", new JsonArray(o.sourceAddressList()))
        .put("machine", machine());

    JsonObject floor = null;
    if (o.floor) {
      progress.note("measuring the floor: " + o.floorSize() + " plain WebSockets on a FloorServer JVM ("
          + o.floorJvmArgs + ")");
      floor = FloorProbe.measure(o, probe.heapMethod(), progress);
      progress.note("floor: " + floor.encode());
    }

    GatewayProbe.Sample before = probe.enabled() ? probe.measure() : null;
    try (Fleet fleet = o.processes > 1 ? new WorkerFleet(o, args) : new LocalFleet(o)) {
      progress.fleet(fleet);
      progress.stage("ramp");
      GatewayProbe.Sample rampStart = probe.enabled() ? probe.read() : null;
      long[] cpuStart = GatewayProbe.machineCpu();
      long simCpuStart = cpuNanos(fleet.pids());
      long rampStartMicros = Micros.now();
      fleet.ramp();
      FleetStatus ramped = await(fleet, s -> s.rampDoneMicros() > 0, o.connectTimeout);
      long[] cpuEnd = GatewayProbe.machineCpu();
      long simCpuEnd = cpuNanos(fleet.pids());
      GatewayProbe.Sample rampEnd = probe.enabled() ? probe.read() : null;
      double rampSeconds = (Micros.now() - rampStartMicros) / 1e6;
      report.put("connectedAfterRamp", ramped.everConnected()).put("rampSeconds", round(rampSeconds));
      if (ramped.rampDoneMicros() > 0) {
        double seconds = (ramped.rampDoneMicros() - rampStartMicros) / 1e6;
        report.put("connectSeconds", round(seconds)).put("connectRate", Math.round(o.agents / seconds));
      } else {
        notes.add("not every agent connected within --connect-timeout " + Durations.format(o.connectTimeout)
            + " (" + ramped.everConnected() + " of " + o.agents + ")");
      }
      if (simCpuStart >= 0 && simCpuEnd >= 0) {
        report.put("simulator", new JsonObject()
            .put("cpuMsPerConnect", round((simCpuEnd - simCpuStart) / 1e6 / Math.max(1, ramped.connects())))
            .put("cpuCoresDuringRamp", round((simCpuEnd - simCpuStart) / 1e9 / Math.max(0.001, rampSeconds))));
      }
      double busy = GatewayProbe.busyShare(cpuStart, cpuEnd);
      if (busy >= 0) {
        report.put("machineCpuBusyDuringRamp", round(busy));
      }

      progress.stage("settle");
      GatewayProbe.sleep(o.settle.toMillis());
      GatewayProbe.Sample after = probe.enabled() ? probe.measure() : null;
      int held = fleet.status().connected();
      report.put("gateway", gateway(before, after, rampStart, rampEnd, rampSeconds, held, ramped.connects()));
      if (floor != null) {
        report.put("floor", floor);
        Number gw = report.getJsonObject("gateway").getNumber("heapBytesPerAgent");
        Number fl = floor.getNumber("heapBytesPerAgent");
        if (gw != null && fl != null && fl.doubleValue() > 0) {
          report.put("ratioToFloor", round(gw.doubleValue() / fl.doubleValue()));
        }
      }

      switch (o.scenario) {
        case connect -> hold(fleet, "hold", o.duration);
        case fanout -> fanout(fleet);
        case packages -> packages(fleet);
        case credentials -> credentials(fleet);
        case storm -> storm(fleet);
        case churn -> churn(fleet);
        case soak -> soak(fleet);
        case failover -> failover(fleet);
        default -> throw new IllegalStateException("not a fleet scenario: " + o.scenario);
      }

      FleetStatus end = fleet.status();
      report.put("connected", end.connected()).put("errors", end.errorCount())
          .put("errorsByKind", new JsonObject(new java.util.TreeMap<>(end.errors())))
          .put("connects", end.connects());
      progress.stage("report");
      JsonObject histograms = fleet.histograms(fanoutPutMicros);
      report.put("connectLatency", summary(histograms, "connect"));
      report.put("heartbeatRoundTrip", summary(histograms, "heartbeat"));
      if (o.scenario == Options.Scenario.storm || o.scenario == Options.Scenario.churn) {
        report.getJsonObject(o.scenarioName).put("reconnectLatency", summary(histograms, "reconnect"));
      }
      if (o.scenario == Options.Scenario.failover) {
        report.getJsonObject("failover").put("reconnectSeconds",
            seconds(Histograms.decode(histograms.getString("failover"))));
      }
      JsonObject measured = report.getJsonObject(o.scenarioName);
      if (measured != null && fanoutPutMicros > 0 && (o.scenario == Options.Scenario.fanout
          || o.scenario == Options.Scenario.packages || o.scenario == Options.Scenario.credentials)) {
        // Each agent's time from the change (PUT or CSRs sent) to its report.
        summaryInto(measured, Histograms.decode(histograms.getString("fanout")));
      }
      progress.fleet(null);
      progress.stage("closing");
    }
    report.put("walls", walls());
    report.put("notes", notes);
    return report;
  }

  private JsonObject gateway(GatewayProbe.Sample before, GatewayProbe.Sample after, GatewayProbe.Sample rampStart,
      GatewayProbe.Sample rampEnd, double rampSeconds, int held, long rampConnects) {
    JsonObject g = new JsonObject();
    if (before == null || after == null) {
      return g.put("measured", false);
    }
    g.put("heapMethod", probe.heapMethod()).put("heapBeforeBytes", before.heapBytes())
        .put("heapAfterBytes", after.heapBytes()).put("heapMaxBytes", after.heapMaxBytes())
        .put("agentsConnected", after.agentsConnected());
    if (held > 0 && before.heapBytes() >= 0 && after.heapBytes() >= 0) {
      g.put("heapBytesPerAgent", (after.heapBytes() - before.heapBytes()) / held);
    }
    if (held > 0 && before.rssBytes() > 0 && after.rssBytes() > 0) {
      g.put("rssBeforeBytes", before.rssBytes()).put("rssAfterBytes", after.rssBytes())
          .put("rssBytesPerAgent", (after.rssBytes() - before.rssBytes()) / held);
    }
    if (rampStart != null && rampEnd != null && rampStart.cpuNanos() >= 0 && rampEnd.cpuNanos() >= 0) {
      long cpu = rampEnd.cpuNanos() - rampStart.cpuNanos();
      if (rampConnects > 0) {
        g.put("cpuMsPerConnect", round(cpu / 1e6 / rampConnects));
      }
      g.put("cpuCoresDuringRamp", round(cpu / 1e9 / Math.max(0.001, rampSeconds)));
    }
    if (rampStart != null && rampEnd != null && rampStart.gcPauseSeconds() >= 0) {
      g.put("gcPauseSecondsDuringRamp", round(rampEnd.gcPauseSeconds() - rampStart.gcPauseSeconds()));
    }
    return g;
  }

  private void hold(Fleet fleet, String stage, Duration d) {
    progress.stage(stage);
    GatewayProbe.sleep(d.toMillis());
  }

  private void fanout(Fleet fleet) throws Exception {
    progress.stage("fanout");
    AdminClient admin = new AdminClient(o.admin.split(",")[0].trim(), o.adminTokenFile);
    fleet.armOutcomes();
    String name = "loadtest-" + o.runId;
    String yaml = AgentProfile.collectorYaml("fanout", o.configKib) + "# loadtest " + o.runId + " " + Instant.now() + "\n";
    JsonObject body = new JsonObject()
        .put("selector", AgentProfile.RUN_ATTRIBUTE + "=" + o.runId)
        .put("priority", 1000)
        .put("files", new JsonObject().put("collector.yaml", yaml))
        .put("message", "loadtest fanout to run " + o.runId);
    JsonObject f = new JsonObject().put("config", name);
    report.put("fanout", f);
    fanoutPutMicros = Micros.now();
    AdminClient.Answer answer = admin.put("/api/v1/configs/" + name, body);
    f.put("putMs", round((Micros.now() - fanoutPutMicros) / 1000.0)).put("putStatus", answer.status());
    if (answer.status() / 100 != 2) {
      notes.add("fanout: PUT /api/v1/configs/" + name + " answered " + answer.status() + ": " + answer.body());
      return;
    }
    int expected = fleet.status().agents();
    FleetStatus s = await(fleet, st -> st.succeeded() + st.failed() >= expected, o.fanoutTimeout);
    f.put("applied", s.succeeded()).put("failed", s.failed()).put("agentsTargeted", expected);
    if (s.succeeded() + s.failed() >= expected && s.lastReportMicros() > 0) {
      double allMs = round((s.lastReportMicros() - fanoutPutMicros) / 1000.0);
      f.put("allReportedMs", allMs);
      if (s.failed() == 0) {
        f.put("allAppliedMs", allMs);
      }
    } else {
      notes.add("fanout: " + (expected - s.succeeded() - s.failed()) + " agents did not report within --fanout-timeout "
          + Durations.format(o.fanoutTimeout));
    }
  }

  /**
   * Packages: uploads a package file of --package-mib, assigns it to the run's agents and times
   * each agent's download (through SHA-256), install and INSTALLED report; reads the gateway's
   * memory every second meanwhile.
   */
  private void packages(Fleet fleet) throws Exception {
    progress.stage("packages");
    AdminClient admin = new AdminClient(o.admin.split(",")[0].trim(), o.adminTokenFile);
    String name = "loadtest-agent";
    String version = "1.0.0-" + o.runId;
    JsonObject p = new JsonObject().put("package", name).put("version", version)
        .put("fileBytes", (long) o.packageMib << 20);
    report.put("packages", p);
    java.nio.file.Path file = packageFile(o.packageMib);
    try {
      long uploadStart = Micros.now();
      AdminClient.Answer upload = admin.putMultipart("/api/v1/packages/" + name + "/versions/" + version,
          java.util.Map.of("type", "top-level"), "file", file);
      p.put("uploadMs", round((Micros.now() - uploadStart) / 1000.0)).put("uploadStatus", upload.status());
      if (upload.status() / 100 != 2) {
        notes.add("packages: the upload answered " + upload.status() + ": " + upload.body());
        return;
      }
    } finally {
      java.nio.file.Files.deleteIfExists(file);
    }
    fleet.armOutcomes();
    long downloadedBefore = fleet.status().downloadedBytes();
    JsonObject assignment = new JsonObject()
        .put("selector", AgentProfile.RUN_ATTRIBUTE + "=" + o.runId)
        .put("priority", 1000)
        .put("packages", new JsonObject().put(name, version));
    fanoutPutMicros = Micros.now();
    AdminClient.Answer answer = admin.put("/api/v1/package-assignments/loadtest-" + o.runId, assignment);
    p.put("assignStatus", answer.status());
    if (answer.status() / 100 != 2) {
      notes.add("packages: PUT /api/v1/package-assignments answered " + answer.status() + ": " + answer.body());
      return;
    }
    int expected = fleet.status().agents();
    long[] peak = {-1, -1}; // heap, RSS
    FleetStatus s = await(fleet, st -> st.succeeded() + st.failed() >= expected, o.fanoutTimeout, () -> {
      if (probe.enabled()) {
        GatewayProbe.Sample sample = probe.read();
        peak[0] = Math.max(peak[0], sample.heapBytes());
        peak[1] = Math.max(peak[1], sample.rssBytes());
      }
    });
    long peakHeap = peak[0];
    long peakRss = peak[1];
    long downloaded = s.downloadedBytes() - downloadedBefore;
    p.put("installed", s.succeeded()).put("failed", s.failed()).put("agentsTargeted", expected)
        .put("downloadedBytes", downloaded);
    if (peakHeap > 0) {
      p.put("gatewayPeakHeapBytes", peakHeap);
    }
    if (peakRss > 0) {
      p.put("gatewayPeakRssBytes", peakRss);
    }
    if (s.succeeded() + s.failed() >= expected && s.lastReportMicros() > 0) {
      double allMs = round((s.lastReportMicros() - fanoutPutMicros) / 1000.0);
      p.put("allReportedMs", allMs);
      if (s.failed() == 0) {
        p.put("allInstalledMs", allMs);
      }
      p.put("downloadMiBPerSecond", round(downloaded / 1048576.0 / Math.max(0.001, allMs / 1000.0)));
    } else {
      notes.add("packages: " + (expected - s.succeeded() - s.failed()) + " agents did not report within "
          + "--fanout-timeout " + Durations.format(o.fanoutTimeout));
    }
  }

  /** A file of random bytes (incompressible, like a release archive), written in 1 MiB blocks. */
  private static java.nio.file.Path packageFile(int mib) throws java.io.IOException {
    java.nio.file.Path file = java.nio.file.Files.createTempFile("loadtest-package", ".bin");
    byte[] block = new byte[1 << 20];
    try (java.io.OutputStream out = java.nio.file.Files.newOutputStream(file)) {
      for (int i = 0; i < mib; i++) {
        java.util.concurrent.ThreadLocalRandom.current().nextBytes(block);
        out.write(block);
      }
    }
    return file;
  }

  /** Credentials: every agent sends a CSR at once; times each until its signed certificate arrives. */
  private void credentials(Fleet fleet) {
    progress.stage("credentials");
    fleet.armOutcomes();
    fanoutPutMicros = Micros.now();
    fleet.requestCertificates();
    int expected = fleet.status().connected();
    FleetStatus s = await(fleet, st -> st.succeeded() + st.failed() >= expected, o.fanoutTimeout);
    JsonObject c = new JsonObject().put("requested", expected).put("certified", s.succeeded())
        .put("refused", s.failed());
    report.put("credentials", c);
    if (s.succeeded() + s.failed() >= expected && s.lastReportMicros() > 0) {
      double allMs = round((s.lastReportMicros() - fanoutPutMicros) / 1000.0);
      c.put("allAnsweredMs", allMs).put("signingsPerSecond", Math.round(s.succeeded() / Math.max(0.001, allMs / 1000)));
      if (s.failed() == 0) {
        c.put("allCertifiedMs", allMs);
      }
    } else {
      notes.add("credentials: " + (expected - s.succeeded() - s.failed()) + " agents had no answer within "
          + "--fanout-timeout " + Durations.format(o.fanoutTimeout));
    }
  }

  private void storm(Fleet fleet) {
    progress.stage("storm");
    int phase = fleet.status().stormPhase() + 1;
    long start = Micros.now();
    fleet.storm();
    FleetStatus s = await(fleet, st -> st.stormPhase() >= phase && st.stormDoneMicros() > 0, o.connectTimeout);
    JsonObject storm = new JsonObject().put("webSocketAgents", s.webSocketAgents()).put("reconnected", s.stormReconnected());
    if (s.stormDoneMicros() > 0) {
      storm.put("reconnectSeconds", round((s.stormDoneMicros() - start) / 1e6));
    } else {
      notes.add("storm: " + (s.webSocketAgents() - s.stormReconnected()) + " agents had not reconnected within "
          + Durations.format(o.connectTimeout));
    }
    report.put("storm", storm);
    hold(fleet, "hold", Duration.ofSeconds(Math.min(5, o.duration.toSeconds())));
  }

  private void churn(Fleet fleet) {
    progress.stage("churn");
    FleetStatus start = fleet.status();
    fleet.churn(o.churnPercent);
    GatewayProbe.sleep(o.duration.toMillis());
    fleet.churn(0);
    progress.stage("recover");
    FleetStatus s = await(fleet, st -> st.connected() >= st.agents(), Duration.ofSeconds(30));
    if (fleet instanceof LocalFleet local && System.getenv("LOADTEST_DEBUG") != null) {
      progress.note("not connected: " + local.notConnected());
    }
    report.put("churn", new JsonObject().put("percentPerSecond", o.churnPercent)
        .put("seconds", o.duration.toSeconds())
        .put("reconnects", s.connects() - start.connects())
        .put("errorsDuring", s.errorCount() - start.errorCount())
        .put("allBack", s.connected() >= s.agents()));
  }

  private void soak(Fleet fleet) {
    progress.stage("soak");
    FleetStatus start = fleet.status();
    GatewayProbe.Sample first = probe.enabled() ? probe.read() : null;
    long endNanos = System.nanoTime() + o.duration.toNanos();
    int minConnected = start.connected();
    while (System.nanoTime() < endNanos) {
      GatewayProbe.sleep(Math.min(1000, Math.max(1, (endNanos - System.nanoTime()) / 1_000_000)));
      minConnected = Math.min(minConnected, fleet.status().connected());
    }
    FleetStatus s = fleet.status();
    GatewayProbe.Sample last = probe.enabled() ? probe.read() : null;
    JsonObject soak = new JsonObject().put("seconds", o.duration.toSeconds()).put("minConnected", minConnected)
        .put("errorsDuring", s.errorCount() - start.errorCount())
        .put("reconnects", s.connects() - start.connects());
    if (first != null && last != null && first.cpuNanos() >= 0) {
      soak.put("gatewayCpuCores", round((last.cpuNanos() - first.cpuNanos()) / 1e9 / Math.max(1, o.duration.toSeconds())));
    }
    if (first != null && last != null) {
      soak.put("gatewayHeapStartBytes", first.heapBytes()).put("gatewayHeapEndBytes", last.heapBytes());
    }
    report.put("soak", soak);
  }

  /**
   * Failover: SIGKILL one node, then time its agents back on the others (the fleet's view) and the
   * cluster's session count back to the fleet size (the admin API of a surviving node).
   */
  private void failover(Fleet fleet) {
    progress.stage("failover");
    int kill = o.killNode;
    long pid = o.gatewayPids.get(kill);
    JsonObject f = new JsonObject().put("killedNode", kill).put("killedTarget", o.targets.get(kill)).put("killedPid", pid);
    report.put("failover", f);
    List<AdminClient> admins = new java.util.ArrayList<>();
    for (String url : o.admin.split(",")) {
      admins.add(new AdminClient(url.trim(), o.adminTokenFile));
    }
    // The kill starts from a whole fleet (agents shed during the ramp may still be waiting to retry).
    FleetStatus whole = await(fleet, st -> st.connected() >= st.agents(), o.connectTimeout);
    if (whole.connected() < whole.agents()) {
      notes.add("failover: only " + whole.connected() + " of " + whole.agents() + " agents connected at the kill");
    }
    int membersBefore = clusterSessions(admins)[1];
    java.util.Optional<ProcessHandle> handle = ProcessHandle.of(pid);
    if (handle.isEmpty()) {
      notes.add("failover: no process " + pid + " to kill");
      return;
    }
    long killMicros = Micros.now();
    fleet.armFailover(kill, killMicros);
    handle.get().destroyForcibly();
    FleetStatus armed = fleet.status();
    long deadline = System.nanoTime() + o.connectTimeout.toNanos();
    long restoredMicros = 0;
    FleetStatus s = armed;
    // Both ends are bounded by --connect-timeout; the admin API is polled about every 200 ms.
    while (System.nanoTime() < deadline && (s.failoverDoneMicros() == 0 || restoredMicros == 0)) {
      if (restoredMicros == 0) {
        int[] sm = clusterSessions(admins);
        // Until the cluster has dropped the dead member, its last published count still adds up.
        if (sm[0] >= o.agents && sm[1] > 0 && sm[1] < membersBefore) {
          restoredMicros = Micros.now();
        }
      }
      GatewayProbe.sleep(200);
      s = fleet.status();
    }
    f.put("agentsOnKilledNode", s.failoverAgents()).put("reconnected", s.failoverReconnected());
    if (s.failoverDoneMicros() > 0) {
      f.put("allReconnectedSeconds", round((s.failoverDoneMicros() - killMicros) / 1e6));
    } else {
      notes.add("failover: " + (s.failoverAgents() - s.failoverReconnected()) + " agents of the killed node had not "
          + "reconnected within --connect-timeout " + Durations.format(o.connectTimeout));
    }
    if (restoredMicros > 0) {
      f.put("fleetCountRestoredSeconds", round((restoredMicros - killMicros) / 1e6));
    } else {
      notes.add("failover: the cluster's session count (GET /api/v1/nodes) was not back to " + o.agents
          + " within --connect-timeout " + Durations.format(o.connectTimeout));
    }
    f.put("connectedAtEnd", s.connected()).put("lost", o.agents - s.connected());
  }

  /** {sessions summed over the nodes, members} from the first admin URL that answers; {-1, -1} when none does. */
  private static int[] clusterSessions(List<AdminClient> admins) {
    for (AdminClient a : admins) {
      try {
        AdminClient.Answer r = a.get("/api/v1/nodes", Duration.ofSeconds(2));
        if (r.status() != 200) {
          continue;
        }
        JsonArray nodes = new JsonObject(r.body()).getJsonArray("nodes", new JsonArray());
        int sum = 0;
        for (int i = 0; i < nodes.size(); i++) {
          JsonObject sessions = nodes.getJsonObject(i).getJsonObject("sessions", new JsonObject());
          sum += sessions.getInteger("websocket", 0) + sessions.getInteger("http", 0);
        }
        return new int[] {sum, nodes.size()};
      } catch (java.io.IOException | RuntimeException e) {
        // this node is down or slow: the next one
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    return new int[] {-1, -1};
  }

  private static boolean expectedInFailover(String kind) {
    return kind.contains("connection refused") || kind.startsWith("closed by server");
  }

  /** p50/p99/max of a histogram in microseconds, in seconds. */
  private static JsonObject seconds(Histogram h) {
    JsonObject o = new JsonObject().put("count", h.getTotalCount());
    if (h.getTotalCount() > 0) {
      o.put("p50", round(h.getValueAtPercentile(50) / 1e6)).put("p99", round(h.getValueAtPercentile(99) / 1e6))
          .put("max", round(h.getMaxValue() / 1e6));
    }
    return o;
  }

  /** Polls the fleet until {@code done} holds or {@code timeout} passes; answers the last status. */
  private FleetStatus await(Fleet fleet, Predicate<FleetStatus> done, Duration timeout) {
    return await(fleet, done, timeout, () -> { });
  }

  /** {@link #await}, running {@code eachSecond} first and then about once a second meanwhile. */
  private FleetStatus await(Fleet fleet, Predicate<FleetStatus> done, Duration timeout, Runnable eachSecond) {
    long deadline = System.nanoTime() + timeout.toNanos();
    long nextSecond = 0;
    FleetStatus s = fleet.status();
    while (!done.test(s) && System.nanoTime() < deadline) {
      if (System.nanoTime() >= nextSecond) {
        eachSecond.run();
        nextSecond = System.nanoTime() + 1_000_000_000L;
      }
      GatewayProbe.sleep(20);
      s = fleet.status();
    }
    return s;
  }

  /** What held the run back, judged from the errors and the readings; empty when nothing fell short. */
  private JsonArray walls() {
    JsonArray walls = new JsonArray();
    boolean short1 = !report.containsKey("connectSeconds");
    JsonObject f = report.getJsonObject("fanout");
    JsonObject pk = report.getJsonObject("packages");
    JsonObject cr = report.getJsonObject("credentials");
    boolean short2 = (f != null && !f.containsKey("allAppliedMs")) || (pk != null && !pk.containsKey("allInstalledMs"))
        || (cr != null && !cr.containsKey("allCertifiedMs"));
    boolean errors = report.getLong("errors", 0L) > 0;
    if (o.scenario == Options.Scenario.failover) {
      // Refused connections and dropped sockets are what killing a node causes; only other errors count.
      errors = report.getJsonObject("errorsByKind", new JsonObject()).fieldNames().stream()
          .anyMatch(k -> !expectedInFailover(k.toLowerCase(java.util.Locale.ROOT)));
    }
    Long achieved = report.getLong("connectRate");
    boolean slow = achieved != null && achieved < 0.8 * Math.min(o.rate, o.agents);
    if (slow) {
      notes.add("the ramp reached " + achieved + " connects/s of the " + o.rate + " asked");
    }
    if (!short1 && !short2 && !errors && !slow) {
      return walls;
    }
    JsonObject kinds = report.getJsonObject("errorsByKind", new JsonObject());
    for (String kind : kinds.fieldNames()) {
      String k = kind.toLowerCase(java.util.Locale.ROOT);
      if (k.contains("too many open files")) {
        walls.add("file descriptors: a process may hold 20 000; use more --processes (simulator) or gateway nodes");
      } else if (k.contains("cannot assign requested address") || k.contains("address already in use")) {
        walls.add("local ports: ~28 000 per source address; add --source-addresses");
      } else if (o.scenario == Options.Scenario.failover && expectedInFailover(k)) {
        continue; // the killed node: expected
      } else if (k.contains("connection refused") || k.contains("timed out") || k.contains("timeout")) {
        walls.add("the server's accept queue or its CPU (" + kind + ")");
      } else if (k.contains("unavailable") || k.contains("503")) {
        walls.add("the server shed load (UNAVAILABLE/503): its receive budget or store");
      }
    }
    JsonObject g = report.getJsonObject("gateway", new JsonObject());
    Long heap = g.getLong("heapAfterBytes");
    Long max = g.getLong("heapMaxBytes");
    if (heap != null && max != null && max > 0 && heap > 0.85 * max) {
      walls.add("gateway heap: " + (100 * heap / max) + "% of its maximum in use after the ramp");
    }
    Double busy = report.getDouble("machineCpuBusyDuringRamp");
    if (busy != null && busy > 0.9) {
      JsonObject sim = report.getJsonObject("simulator", new JsonObject());
      Double load = report.getJsonObject("machine").getDouble("loadAverage1m");
      walls.add("CPU: the machine was " + Math.round(busy * 100) + "% busy during the ramp; the gateway used "
          + g.getDouble("cpuCoresDuringRamp", -1.0) + " cores, the simulator " + sim.getDouble("cpuCoresDuringRamp", -1.0)
          + (load == null ? "" : ", load average " + load + " at the start (other processes share the machine)"));
    }
    Double gc = g.getDouble("gcPauseSecondsDuringRamp");
    Double secs = report.getDouble("rampSeconds");
    if (gc != null && secs != null && gc > 0.1 * secs) {
      walls.add("GC: the gateway paused " + gc + " s (summed over its nodes) during a " + secs + " s ramp");
    }
    if (walls.isEmpty()) {
      walls.add("not identified: see errorsByKind and notes");
    }
    return new JsonArray(walls.stream().distinct().toList());
  }

  private static JsonObject summary(JsonObject histograms, String name) {
    String encoded = histograms.getString(name);
    return encoded == null ? new JsonObject() : Histograms.summary(Histograms.decode(encoded));
  }

  private static void summaryInto(JsonObject target, Histogram h) {
    Histograms.summary(h).forEach(e -> target.put(e.getKey(), e.getValue()));
  }

  static double round(double v) {
    return Math.round(v * 100) / 100.0;
  }

  /** Cores and load average at the start: these machines are shared, so a busy one explains slow figures. */
  private static JsonObject machine() {
    JsonObject m = new JsonObject().put("cores", Runtime.getRuntime().availableProcessors());
    try {
      String[] load = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/loadavg")).trim().split("\\s+");
      m.put("loadAverage1m", Double.parseDouble(load[0]));
    } catch (java.io.IOException | RuntimeException e) {
      // not on Linux
    }
    return m;
  }

  private static long cpuNanos(List<Long> pids) {
    long total = 0;
    for (long pid : pids) {
      long n = GatewayProbe.cpuNanos(pid);
      if (n < 0) {
        return -1;
      }
      total += n;
    }
    return total;
  }
}
