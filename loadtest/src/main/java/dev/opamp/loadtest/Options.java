package dev.opamp.loadtest;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Every flag of the simulator, parsed by picocli; {@link #parse} also checks the combinations. */
@Command(name = "opamp-loadtest", mixinStandardHelpOptions = true, sortOptions = false,
    usageHelpWidth = 110,
    description = {
        "A fleet of simulated OpAMP agents (plain OpAMP over WebSocket and HTTP) and the scenarios that",
        "measure a server with it. Scenarios:",
        "  connect       ramp to --agents at --rate, hold --duration, report (--floor: the bare-transport floor too)",
        "  fanout        ramp, then PUT one config selecting the fleet through --admin and time every agent's APPLIED",
        "  packages      ramp, upload a --package-mib package and assign it to the fleet through --admin; time every",
        "                agent's download (hash checked), install and report INSTALLED; download throughput",
        "  credentials   ramp, then every agent sends a CSR; time until each has its signed certificate",
        "  storm         ramp, then every WebSocket agent drops at once and reconnects; time to all reconnected",
        "  churn         ramp, then --churn-percent of the WebSocket agents drop and reconnect each second",
        "  soak          ramp, then hold for --duration watching errors and heartbeat round trips",
        "  floor-server  a bare Vert.x WebSocket echo server on --port (no OpAMP): the memory floor",
        "  failover      ramp over several --target nodes, SIGKILL one (--kill-node, --gateway-pids); time until its",
        "                agents are back on the others and the cluster's session count (GET /api/v1/nodes) is --agents",
        "Runs above ~" + Options.AGENTS_PER_PROCESS + " agents use several worker processes (one process may hold",
        "at most 20 000 open files) and, against a loopback server, several local source addresses.",
        ""},
    footer = {"", "Durations: 500ms, 30s, 5m, 1h (a bare number is seconds). The report is a table on stdout",
        "and, with --report, JSON (see the README's 'Load test' section).", ""})
final class Options {

  /** Agents one simulator process holds at most (each is one open file; the limit is 20 000). */
  static final int AGENTS_PER_PROCESS = 19_000;
  /** Connections one automatic local source address carries (see {@link SourceAddresses}). */
  static final int AGENTS_PER_SOURCE_ADDRESS = 2_000;

  enum Scenario { connect, fanout, packages, credentials, storm, churn, soak, failover, floor_server }

  enum TransportMode { ws, http, mix }

  @Option(names = "--scenario", paramLabel = "NAME", defaultValue = "connect",
      description = "connect, fanout, packages, credentials, storm, churn, soak, failover, floor-server. "
          + "Default: ${DEFAULT-VALUE}")
  String scenarioName;

  @Option(names = "--target", split = ",", paramLabel = "URL", defaultValue = "ws://127.0.0.1:4320/v1/opamp",
      description = "OpAMP endpoint(s), comma-separated; agents are spread over them round-robin like a load "
          + "balancer would. ws:// or http:// (HTTP agents use the http form of the same URL). Default: ${DEFAULT-VALUE}")
  List<String> targets;

  @Option(names = "--admin", paramLabel = "URL", defaultValue = "http://127.0.0.1:4321",
      description = "the gateway's admin base URL (configs API for fanout); failover: several, comma-separated, "
          + "the first reachable is read. Default: ${DEFAULT-VALUE}")
  String admin;

  @Option(names = "--metrics", split = ",", paramLabel = "URL",
      description = "admin base URLs whose /metrics are read before and after the ramp (all nodes of a cluster); "
          + "default: --admin. 'none' reads nothing")
  List<String> metrics;

  @Option(names = {"--gateway-pid", "--gateway-pids"}, split = ",", paramLabel = "PID",
      description = "the gateway process id(s) on this machine: RSS and CPU from /proc, and heap after a full GC "
          + "(jcmd PID GC.run); for failover, one per --target, in the same order")
  List<Long> gatewayPids = new ArrayList<>();

  @Option(names = "--kill-node", paramLabel = "INDEX", defaultValue = "-1",
      description = "failover: the index (0-based, in --target order) of the node to SIGKILL; default the last")
  int killNode;

  @Option(names = "--agents", paramLabel = "N", defaultValue = "1000", description = "Default: ${DEFAULT-VALUE}")
  int agents;

  @Option(names = "--rate", paramLabel = "PER_SECOND", defaultValue = "2000",
      description = "new connections per second during the ramp. Default: ${DEFAULT-VALUE}")
  int rate;

  @Option(names = "--transport", paramLabel = "ws|http|mix", defaultValue = "ws",
      description = "WebSocket, HTTP polling, or a mix (--http-percent of the agents poll). Default: ${DEFAULT-VALUE}")
  TransportMode transport;

  @Option(names = "--http-percent", paramLabel = "P", defaultValue = "20",
      description = "share of HTTP agents with --transport mix. Default: ${DEFAULT-VALUE}")
  int httpPercent;

  @Option(names = "--heartbeat", paramLabel = "DURATION", defaultValue = "30s", converter = Durations.class,
      description = "heartbeat (WebSocket) or poll (HTTP) interval, each jittered ±20%%. Default: ${DEFAULT-VALUE}")
  Duration heartbeat;

  @Option(names = "--duration", paramLabel = "DURATION", converter = Durations.class,
      description = "how long connect holds (default 10s), and how long soak and churn run (default 60s)")
  Duration duration;

  @Option(names = "--settle", paramLabel = "DURATION", defaultValue = "5s", converter = Durations.class,
      description = "wait after the ramp before the gateway's memory is read. Default: ${DEFAULT-VALUE}")
  Duration settle;

  @Option(names = "--source-addresses", paramLabel = "RANGE",
      description = "local addresses to connect from: 127.0.0.2-127.0.0.9 or a comma list. Default, for "
          + "loopback targets: 127.0.0.2, 127.0.0.3, ... one per " + AGENTS_PER_SOURCE_ADDRESS + " agents (the OS "
          + "picks up to " + AGENTS_PER_SOURCE_ADDRESS + " agents, and for servers on other hosts)")
  String sourceAddresses;

  @Option(names = "--processes", paramLabel = "N", defaultValue = "0",
      description = "worker processes holding the agents (0: one per " + AGENTS_PER_PROCESS
          + " agents, in-process below that)")
  int processes;

  @Option(names = "--worker-jvm-args", paramLabel = "ARGS", defaultValue = "-Xmx1g -XX:+UseParallelGC -XX:TieredStopAtLevel=1",
      description = "JVM flags of worker processes. Default: ${DEFAULT-VALUE}")
  String workerJvmArgs;

  @Option(names = "--event-loops", paramLabel = "N", defaultValue = "0",
      description = "simulator event loops (0: one per core)")
  int eventLoops;

  @Option(names = "--http-pool", paramLabel = "N", defaultValue = "32",
      description = "HTTP connections per event loop and source address for HTTP agents. Default: ${DEFAULT-VALUE}")
  int httpPool;

  @Option(names = "--apply-delay", paramLabel = "MS", defaultValue = "0",
      description = "how long an agent takes to apply a remote config. Default: ${DEFAULT-VALUE}")
  long applyDelayMillis;

  @Option(names = "--failure-rate", paramLabel = "P", defaultValue = "0",
      description = "probability (0..1) that applying a remote config fails (reported FAILED). Default: ${DEFAULT-VALUE}")
  double failureRate;

  @Option(names = "--download-connections", paramLabel = "N", defaultValue = "1000",
      description = "packages: HTTP connections this process downloads package files over at once (more wait "
          + "their turn). Default: ${DEFAULT-VALUE}")
  int downloadConnections;

  @Option(names = "--package-mib", paramLabel = "MIB", defaultValue = "8",
      description = "packages: size of the package file uploaded and downloaded by every agent. Default: ${DEFAULT-VALUE}")
  int packageMib;

  @Option(names = "--fanout-timeout", paramLabel = "DURATION", defaultValue = "60s", converter = Durations.class,
      description = "how long fanout, packages and credentials wait for every agent's report. Default: ${DEFAULT-VALUE}")
  Duration fanoutTimeout;

  @Option(names = "--connect-timeout", paramLabel = "DURATION", converter = Durations.class,
      description = "how long the ramp (or a storm's reconnection) may take before the run reports what it has "
          + "(default: 3 × agents/rate + 30s)")
  Duration connectTimeout;

  @Option(names = "--churn-percent", paramLabel = "P", defaultValue = "1",
      description = "churn: share of the WebSocket agents dropped each second (each reconnects after its backoff). "
          + "Default: ${DEFAULT-VALUE}")
  double churnPercent;

  @Option(names = "--config-kib", paramLabel = "KIB", defaultValue = "3",
      description = "size of each agent's effective config. Default: ${DEFAULT-VALUE}")
  int configKib;

  @Option(names = "--floor", description = "also measure the bare-transport floor in the same run: a FloorServer "
      + "child JVM (--floor-jvm-args) takes as many plain WebSockets, and its heap per connection gives ratioToFloor")
  boolean floor;

  @Option(names = "--floor-jvm-args", paramLabel = "ARGS", defaultValue = "-Xmx1g",
      description = "JVM flags of the floor server: use the gateway's. Default: ${DEFAULT-VALUE}")
  String floorJvmArgs;

  @Option(names = "--floor-connections", paramLabel = "N", defaultValue = "0",
      description = "plain WebSockets the floor takes (0: --agents, at most " + AGENTS_PER_PROCESS + ")")
  int floorConnections;

  @Option(names = "--port", paramLabel = "PORT", defaultValue = "0",
      description = "floor-server: the port to listen on (0: a free one, printed). Default: ${DEFAULT-VALUE}")
  int port;

  @Option(names = "--opamp-token-file", paramLabel = "FILE",
      description = "agents send Authorization: Bearer <file contents>")
  Path opampTokenFile;

  @Option(names = "--admin-token-file", paramLabel = "FILE",
      description = "admin calls send Authorization: Bearer <file contents>")
  Path adminTokenFile;

  @Option(names = "--run-id", paramLabel = "ID",
      description = "the fleet's loadtest.run attribute, which fanout's selector matches (default: random)")
  String runId;

  @Option(names = "--report", paramLabel = "FILE", description = "write the report as JSON to FILE")
  Path report;

  @Option(names = "--no-progress", description = "no live progress lines on stderr")
  boolean noProgress;

  @Option(names = "--worker", paramLabel = "I/N", hidden = true,
      description = "internal: run as worker I of N, driven through stdin and stdout")
  String worker;

  Scenario scenario;
  int workerIndex = -1;
  int workerCount = 1;

  private Options() {}

  /** Parses and checks; throws {@link CommandLine.ParameterException} with a clear message. */
  static Options parse(String... args) {
    Options o = new Options();
    CommandLine cl = new CommandLine(o);
    cl.setCaseInsensitiveEnumValuesAllowed(true);
    cl.setOverwrittenOptionsAllowed(true); // workers get the run's flags plus their own; the last wins
    cl.parseArgs(args);
    o.check(cl);
    return o;
  }

  static CommandLine commandLine() {
    return new CommandLine(new Options());
  }

  private void check(CommandLine cl) {
    try {
      scenario = Scenario.valueOf(scenarioName.replace('-', '_'));
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(cl, "--scenario: unknown scenario '" + scenarioName + "'");
    }
    if (agents < 1) {
      throw new CommandLine.ParameterException(cl, "--agents: must be at least 1");
    }
    if (rate < 1) {
      throw new CommandLine.ParameterException(cl, "--rate: must be at least 1");
    }
    if (failureRate < 0 || failureRate > 1) {
      throw new CommandLine.ParameterException(cl, "--failure-rate: a probability between 0 and 1");
    }
    if (httpPercent < 0 || httpPercent > 100) {
      throw new CommandLine.ParameterException(cl, "--http-percent: between 0 and 100");
    }
    if (runId == null) {
      runId = UUID.randomUUID().toString().substring(0, 8);
    }
    if (duration == null) {
      duration = scenario == Scenario.soak || scenario == Scenario.churn ? Duration.ofSeconds(60) : Duration.ofSeconds(10);
    }
    if (connectTimeout == null) {
      connectTimeout = Duration.ofMillis(3L * agents * 1000 / rate).plusSeconds(30);
    }
    if (metrics == null) {
      metrics = List.of(admin.split(","));
    } else if (metrics.size() == 1 && metrics.get(0).equals("none")) {
      metrics = List.of();
    }
    if (eventLoops <= 0) {
      eventLoops = Runtime.getRuntime().availableProcessors();
    }
    if (worker != null) {
      String[] parts = worker.split("/");
      workerIndex = Integer.parseInt(parts[0]);
      workerCount = Integer.parseInt(parts[1]);
    }
    if (processes <= 0) {
      processes = (agents + AGENTS_PER_PROCESS - 1) / AGENTS_PER_PROCESS;
    }
    if (scenario == Scenario.failover) {
      if (targets.size() < 2) {
        throw new CommandLine.ParameterException(cl, "failover: give two or more --target URLs, one per node");
      }
      if (gatewayPids.size() != targets.size()) {
        throw new CommandLine.ParameterException(cl, "failover: --gateway-pids must list one pid per --target, "
            + "in the same order");
      }
      if (killNode < 0) {
        killNode = targets.size() - 1;
      }
      if (killNode >= targets.size()) {
        throw new CommandLine.ParameterException(cl, "--kill-node: between 0 and " + (targets.size() - 1));
      }
    }
    try {
      sourceAddressList();
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(cl, e.getMessage());
    }
  }

  /** The local addresses agents connect from ({@link SourceAddresses}); empty: the OS chooses. */
  List<String> sourceAddressList() {
    return SourceAddresses.parse(sourceAddresses, agents, Targets.parse(targets).allLoopback());
  }

  boolean isWorker() {
    return workerIndex >= 0;
  }

  /** The first global agent index this process simulates, and how many. */
  int sliceStart() {
    return isWorker() ? (int) ((long) agents * workerIndex / workerCount) : 0;
  }

  int sliceSize() {
    return isWorker() ? (int) ((long) agents * (workerIndex + 1) / workerCount) - sliceStart() : agents;
  }

  /** This process's share of the ramp rate. */
  double sliceRate() {
    return isWorker() ? (double) rate / workerCount : rate;
  }

  int floorSize() {
    int n = floorConnections > 0 ? floorConnections : agents;
    return Math.min(n, AGENTS_PER_PROCESS);
  }
}
