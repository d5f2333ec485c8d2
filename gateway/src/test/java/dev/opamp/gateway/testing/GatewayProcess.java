package dev.opamp.gateway.testing;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A gateway node in a JVM of its own, started as operators start it:
 * {@code java -cp <this JVM's class path> dev.opamp.gateway.Main --opamp-port P --admin-port Q
 * --node-name N --data-dir D [--hazelcast-config F] ...}. Its stdout and stderr go to
 * {@link #logFile()}, with Hazelcast's INFO lines (membership) kept, so tests can read what the
 * member saw. {@link #kill()} is {@code kill -9}; {@link #stop()} is SIGTERM.
 *
 * <p>Processes still alive when this JVM exits are killed by a shutdown hook.
 */
public final class GatewayProcess implements AutoCloseable {

  public static final Duration READY_TIMEOUT = Duration.ofSeconds(60);
  public static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);
  public static final String MAIN_CLASS = "dev.opamp.gateway.Main";

  /**
   * JVM options of every gateway process: a small heap, and a quick start on a small machine
   * (serial GC, C1 only); plus the JDK internals Hazelcast uses, which the runnable jar opens in
   * its manifest.
   */
  public static final List<String> JVM_OPTIONS = List.of("-Xmx256m", "-XX:+UseSerialGC",
      "-XX:TieredStopAtLevel=1",
      "-Djava.net.preferIPv4Stack=true",
      "-Dhazelcast.phone.home.enabled=false",
      "--add-opens", "java.base/java.lang=ALL-UNNAMED",
      "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED",
      "--add-opens", "java.management/sun.management=ALL-UNNAMED",
      "--add-opens", "jdk.management/com.sun.management.internal=ALL-UNNAMED",
      "--add-exports", "java.base/jdk.internal.ref=ALL-UNNAMED");

  private static final Pattern MEMBERS = Pattern.compile("Members \\{size:(\\d+)");
  private static final Set<Process> LIVE = ConcurrentHashMap.newKeySet();

  static {
    Runtime.getRuntime().addShutdownHook(new Thread(() -> LIVE.forEach(Process::destroyForcibly),
        "gateway-process-reaper"));
  }

  private final String nodeName;
  private final int opampPort;
  private final int adminPort;
  private final Path dataDir;
  private final Path logFile;
  private final Process process;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private volatile Vertx clientVertx;

  private GatewayProcess(String nodeName, int opampPort, int adminPort, Path dataDir, Path logFile,
      Process process) {
    this.nodeName = nodeName;
    this.opampPort = opampPort;
    this.adminPort = adminPort;
    this.dataDir = dataDir;
    this.logFile = logFile;
    this.process = process;
  }

  /** {@link #launch} then {@link #awaitReady}: a node that answers {@code /readyz} with 200. */
  public static GatewayProcess start(Path dir, String nodeName, Path hazelcastConfig, String... extraArgs)
      throws Exception {
    GatewayProcess process = launch(dir, nodeName, hazelcastConfig, 0, 0, extraArgs);
    try {
      return process.awaitReady(READY_TIMEOUT);
    } catch (Throwable e) {
      process.close();
      throw e;
    }
  }

  /**
   * Starts the process and returns at once. Files go under {@code dir}: {@code <node>.log},
   * {@code <node>-data/}, {@code logging.properties}.
   *
   * @param hazelcastConfig {@code --hazelcast-config}, or null for the built-in standalone member
   * @param opampPort the OpAMP port, or 0 for one probed free now
   * @param adminPort the admin port, or 0 for one probed free now
   * @param extraArgs more flags, e.g. {@code "--ws-ping-interval", "1s"}
   */
  public static GatewayProcess launch(Path dir, String nodeName, Path hazelcastConfig, int opampPort, int adminPort,
      String... extraArgs) throws IOException {
    Files.createDirectories(dir);
    int[] free = FreePorts.take(2);
    int opamp = opampPort != 0 ? opampPort : free[0];
    int admin = adminPort != 0 ? adminPort : free[1];
    Path dataDir = dir.resolve(nodeName + "-data");
    Path logFile = dir.resolve(nodeName + ".log");
    List<String> command = new ArrayList<>();
    command.add(javaBinary());
    command.addAll(JVM_OPTIONS);
    command.addAll(List.of(
        "-Djava.util.logging.config.file=" + loggingProperties(dir),
        // Surefire sets java.class.path to the test class path (target/classes, test-classes, jars).
        "-cp", System.getProperty("java.class.path"),
        MAIN_CLASS,
        "--opamp-port", String.valueOf(opamp),
        "--admin-port", String.valueOf(admin),
        "--node-name", nodeName,
        "--data-dir", dataDir.toString(),
        "--ca-key-secret-file", CaSecretFile.in(dir).toString()));
    if (hazelcastConfig != null) {
      command.add("--hazelcast-config");
      command.add(hazelcastConfig.toString());
    }
    command.addAll(List.of(extraArgs));
    ProcessBuilder builder = new ProcessBuilder(command)
        .directory(dir.toFile())
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
    // Settings from this JVM's environment must not leak into the node.
    builder.environment().keySet().removeIf(name -> name.startsWith("OPAMP_GATEWAY_"));
    Process process = builder.start();
    LIVE.add(process);
    process.onExit().thenRun(() -> LIVE.remove(process));
    return new GatewayProcess(nodeName, opamp, admin, dataDir, logFile, process);
  }

  private static String javaBinary() {
    return ProcessHandle.current().info().command()
        .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
  }

  /** One line per record on stderr, Hazelcast at INFO so that membership changes show. */
  private static Path loggingProperties(Path dir) throws IOException {
    Path file = dir.resolve("logging.properties");
    if (!Files.exists(file)) {
      Files.writeString(file, """
          handlers=java.util.logging.ConsoleHandler
          .level=INFO
          com.hazelcast.level=INFO
          java.util.logging.ConsoleHandler.level=ALL
          java.util.logging.ConsoleHandler.formatter=java.util.logging.SimpleFormatter
          java.util.logging.SimpleFormatter.format=%1$tFT%1$tT.%1$tL %4$s %3$s: %5$s%6$s%n
          """);
    }
    return file;
  }

  /** Waits until {@code GET /readyz} answers 200; fails with the log's tail if the process exits or time is up. */
  public GatewayProcess awaitReady(Duration timeout) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    String last = "no answer";
    while (System.nanoTime() - deadline < 0) {
      if (!process.isAlive()) {
        throw failure("exited with code " + process.exitValue() + " before it was ready");
      }
      try {
        HttpResponse<String> r = get("/readyz", Duration.ofSeconds(2));
        if (r.statusCode() == 200) {
          return this;
        }
        last = r.statusCode() + " " + r.body();
      } catch (IOException e) {
        last = e.toString();
      }
      Thread.sleep(100);
    }
    throw failure("not ready within " + timeout + " (last /readyz: " + last + ")");
  }

  private AssertionError failure(String what) {
    String message = "gateway process " + nodeName + " (pid " + process.pid() + ") " + what + "; log "
        + logFile + " ends with:\n" + logTail();
    System.err.println(message);
    return new AssertionError(message);
  }

  public String nodeName() {
    return nodeName;
  }

  public int opampPort() {
    return opampPort;
  }

  public int adminPort() {
    return adminPort;
  }

  public long pid() {
    return process.pid();
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  public Process process() {
    return process;
  }

  public Path dataDir() {
    return dataDir;
  }

  public Path logFile() {
    return logFile;
  }

  /** The whole log so far. */
  public String log() {
    try {
      return Files.readString(logFile, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "(cannot read " + logFile + ": " + e + ")";
    }
  }

  /** The last 80 lines of the log. */
  public String logTail() {
    return logTail(80);
  }

  public String logTail(int lines) {
    String[] all = log().split("\n", -1);
    int from = Math.max(0, all.length - lines);
    return String.join("\n", java.util.Arrays.asList(all).subList(from, all.length));
  }

  /**
   * The member count of the last membership list Hazelcast logged ("Members {size:3, ver:3} [..."),
   * or -1 before the first.
   */
  public int loggedMemberCount() {
    Matcher m = MEMBERS.matcher(log());
    int count = -1;
    while (m.find()) {
      count = Integer.parseInt(m.group(1));
    }
    return count;
  }

  /** Waits until the last membership list in the log has {@code expected} members. */
  public void awaitLoggedMembers(int expected, Duration timeout) throws InterruptedException {
    try {
      Poll.until(nodeName + " logs a membership list of " + expected, timeout, this::loggedMemberCount,
          count -> count == expected);
    } catch (AssertionError e) {
      throw failure(e.getMessage());
    }
  }

  /** A client Vert.x for agents talking to this node, made on first use and closed with this. */
  public Vertx clientVertx() {
    Vertx v = clientVertx;
    if (v == null) {
      synchronized (this) {
        if (clientVertx == null) {
          clientVertx = Vertx.vertx();
        }
        v = clientVertx;
      }
    }
    return v;
  }

  public RawWebSocketAgent webSocketAgent() throws Exception {
    return RawWebSocketAgent.connect(clientVertx(), opampPort);
  }

  public RawHttpAgent httpAgent() {
    return new RawHttpAgent(clientVertx(), opampPort);
  }

  /** GET on the admin port: the answer, whatever its status. */
  public HttpResponse<String> adminGet(String pathAndQuery) throws IOException, InterruptedException {
    return get(pathAndQuery, Duration.ofSeconds(15));
  }

  public JsonObject adminJson(String pathAndQuery) throws IOException, InterruptedException {
    HttpResponse<String> r = adminGet(pathAndQuery);
    if (r.statusCode() != 200) {
      throw new AssertionError(nodeName + ": GET " + pathAndQuery + " -> " + r.statusCode() + " " + r.body());
    }
    return new JsonObject(r.body());
  }

  /** Polls one agent's JSON until {@code condition} holds; fails after the timeout. */
  public JsonObject awaitAgent(String uid, Predicate<JsonObject> condition, Duration timeout)
      throws InterruptedException {
    return Poll.until(nodeName + ": agent " + uid + " in the expected state", timeout,
        () -> adminJson("/api/v1/agents/" + uid), condition);
  }

  /** A request with a JSON body (PUT or POST) on the admin port: the answer, whatever its status. */
  public HttpResponse<String> adminSend(String method, String path, JsonObject body)
      throws IOException, InterruptedException {
    HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort + path))
        .timeout(Duration.ofSeconds(15))
        .header("Content-Type", "application/json")
        .method(method, HttpRequest.BodyPublishers.ofString(body == null ? "" : body.encode()))
        .build();
    return http.send(request, HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> get(String pathAndQuery, Duration timeout) throws IOException, InterruptedException {
    HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort + pathAndQuery))
        .timeout(timeout).GET().build();
    return http.send(request, HttpResponse.BodyHandlers.ofString());
  }

  /** {@code kill -9}: the node gets no chance to leave the cluster or close its sessions. Returns the exit code. */
  public int kill() throws InterruptedException {
    process.destroyForcibly();
    if (!process.waitFor(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
      throw failure("did not die within " + STOP_TIMEOUT + " of SIGKILL");
    }
    return process.exitValue();
  }

  /** SIGTERM, and waits for the node's orderly stop; SIGKILL if it takes longer than {@link #STOP_TIMEOUT}. */
  public int stop() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
      String tail = logTail();
      process.destroyForcibly();
      process.waitFor(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
      throw new AssertionError("gateway process " + nodeName + " did not stop within " + STOP_TIMEOUT
          + " of SIGTERM and was killed; log ends with:\n" + tail);
    }
    return process.exitValue();
  }

  /** Stops the process (SIGTERM) if it still runs and closes the client Vert.x. */
  @Override
  public void close() throws Exception {
    try {
      if (process.isAlive()) {
        stop();
      }
    } finally {
      Vertx v = clientVertx;
      if (v != null) {
        v.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      }
    }
  }
}
