package dev.opamp.loadtest;

import io.vertx.core.Context;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VerticleBase;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * This process's slice of the fleet: the agents spread over a few event loops, clients per local
 * source address (a WebSocket client whose pool is bounded by the agents it serves, an HTTP client
 * with a small keep-alive pool), the ramp at this process's share of the rate, storms and churn.
 */
final class LocalFleet implements Fleet {

  private static final long TICK_MILLIS = 10;

  private final Options options;
  private final Vertx vertx;
  private final Stats stats;
  private final AgentEnv env;
  private final List<SimAgent> agents;
  private final List<SimAgent> webSocketAgents = new ArrayList<>();
  private final List<WebSocketClient> wsClients = new ArrayList<>();
  private final List<HttpClient> httpClients = new ArrayList<>();
  private long rampTimer = -1;
  private long churnTimer = -1;

  LocalFleet(Options o) {
    this.options = o;
    this.vertx = Vertx.vertx(new VertxOptions()
        .setEventLoopPoolSize(o.eventLoops)
        .setPreferNativeTransport(true)
        .setBlockedThreadCheckInterval(10)
        .setBlockedThreadCheckIntervalUnit(TimeUnit.SECONDS));
    List<Context> contexts = eventLoopContexts(vertx, o.eventLoops);
    int n = o.sliceSize();
    int first = o.sliceStart();
    Targets targets = Targets.parse(o.targets);
    List<String> sources = o.sourceAddressList();
    int sourceSlots = Math.max(1, sources.size());
    for (int s = 0; s < sourceSlots; s++) {
      String local = sources.isEmpty() ? null : sources.get(s);
      WebSocketClientOptions ws = new WebSocketClientOptions()
          .setMaxConnections(2 * n + 64)
          .setConnectTimeout(20_000)
          .setTryUsePerMessageCompression(false)
          .setTryUsePerFrameCompression(false)
          .setMaxFrameSize(70 << 20)
          .setMaxMessageSize(70 << 20)
          .setTcpNoDelay(true);
      HttpClientOptions http = new HttpClientOptions()
          .setKeepAlive(true)
          .setConnectTimeout(20_000)
          .setDecompressionSupported(false)
          .setTcpNoDelay(true);
      if (local != null) {
        ws.setLocalAddress(local);
        http.setLocalAddress(local);
      }
      wsClients.add(vertx.createWebSocketClient(ws));
      httpClients.add(vertx.createHttpClient(http, new PoolOptions()
          .setHttp1MaxSize(Math.max(1, o.httpPool) * o.eventLoops).setMaxWaitQueueSize(-1)));
    }
    String authorization = null;
    if (o.opampTokenFile != null) {
      try {
        authorization = "Bearer " + Files.readString(o.opampTokenFile).trim();
      } catch (IOException e) {
        throw new IllegalArgumentException("--opamp-token-file: cannot read " + o.opampTokenFile + ": " + e);
      }
    }
    int wsCount = 0;
    boolean[] http = new boolean[n];
    for (int i = 0; i < n; i++) {
      http[i] = isHttp(o, first + i);
      wsCount += http[i] ? 0 : 1;
    }
    this.stats = new Stats(n, wsCount);
    HttpClient downloads = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true)
        .setConnectTimeout(20_000).setTcpNoDelay(true)
        .setLocalAddress(sources.isEmpty() ? null : sources.get(0)),
        new PoolOptions().setHttp1MaxSize(Math.max(1, o.downloadConnections)).setMaxWaitQueueSize(-1));
    httpClients.add(downloads);
    this.env = new AgentEnv(vertx, stats, new AgentProfile(o.runId, o.configKib), o, authorization, downloads);
    this.agents = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      int g = first + i;
      Context ctx = contexts.get(i % contexts.size());
      int slot = g % sourceSlots;
      SimAgent agent = http[i]
          ? new HttpAgent(env, ctx, i, g, httpClients.get(slot), targets)
          : new WsAgent(env, ctx, i, g, wsClients.get(slot), targets);
      agents.add(agent);
      if (!http[i]) {
        webSocketAgents.add(agent);
      }
    }
  }

  /** Exactly {@code httpPercent} of every hundred consecutive agents poll over HTTP, evenly spread. */
  static boolean isHttp(Options o, int globalIndex) {
    return switch (o.transport) {
      case ws -> false;
      case http -> true;
      case mix -> (long) (globalIndex + 1) * o.httpPercent / 100 != (long) globalIndex * o.httpPercent / 100;
    };
  }

  private static List<Context> eventLoopContexts(Vertx vertx, int n) {
    List<Context> contexts = java.util.Collections.synchronizedList(new ArrayList<>());
    try {
      vertx.deployVerticle(() -> new VerticleBase() {
        @Override
        public Future<?> start() {
          contexts.add(context);
          return Future.succeededFuture();
        }
      }, new DeploymentOptions().setInstances(n)).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException("cannot start the simulator's event loops", e);
    }
    return new ArrayList<>(contexts);
  }

  @Override
  public void ramp() {
    double rate = options.sliceRate();
    long startNanos = System.nanoTime();
    int[] started = {0};
    rampTimer = vertx.setPeriodic(1, TICK_MILLIS, id -> {
      double elapsed = (System.nanoTime() - startNanos) / 1e9;
      int due = (int) Math.min(agents.size(), Math.ceil(rate * elapsed));
      while (started[0] < due) {
        agents.get(started[0]++).start();
      }
      if (started[0] >= agents.size()) {
        vertx.cancelTimer(id);
      }
    });
  }

  @Override
  public FleetStatus status() {
    return stats.status();
  }

  @Override
  public void armOutcomes() {
    stats.armOutcomes();
  }

  @Override
  public void requestCertificates() {
    for (SimAgent a : agents) {
      a.requestCertificate();
    }
  }

  @Override
  public void armFailover(int targetIndex, long killMicros) {
    stats.armFailover(targetIndex, killMicros);
  }

  @Override
  public void storm() {
    int phase = stats.startStorm();
    env.stormPhase = phase;
    for (SimAgent a : webSocketAgents) {
      a.drop(0);
    }
  }

  @Override
  public void churn(double percentPerSecond) {
    if (churnTimer >= 0) {
      vertx.cancelTimer(churnTimer);
      churnTimer = -1;
    }
    if (percentPerSecond <= 0 || webSocketAgents.isEmpty()) {
      return;
    }
    // Ten times a second, a tenth of the per-second share; a fraction carries over.
    double perTick = webSocketAgents.size() * percentPerSecond / 100.0 / 10.0;
    double[] carry = {0};
    churnTimer = vertx.setPeriodic(100, id -> {
      carry[0] += perTick;
      int n = (int) carry[0];
      carry[0] -= n;
      ThreadLocalRandom random = ThreadLocalRandom.current();
      for (int i = 0; i < n; i++) {
        SimAgent a = webSocketAgents.get(random.nextInt(webSocketAgents.size()));
        // Back after 1 s ± 50%, as a restarted collector would be.
        a.drop(500 + random.nextLong(1000));
      }
    });
  }

  /** Debugging aid: how many agents are not connected now, by what they are doing. */
  String notConnected() {
    java.util.Map<String, Integer> states = new java.util.TreeMap<>();
    for (SimAgent a : agents) {
      if (!a.isConnected()) {
        states.merge(a.debugState(), 1, Integer::sum);
      }
    }
    return states.toString();
  }

  @Override
  public JsonObject histograms(long putMicros) {
    return stats.result(putMicros);
  }

  @Override
  public List<Long> pids() {
    return List.of(ProcessHandle.current().pid());
  }

  @Override
  public void close() {
    if (rampTimer >= 0) {
      vertx.cancelTimer(rampTimer);
    }
    churn(0);
    for (SimAgent a : agents) {
      a.stop();
    }
    try {
      // Lets the close frames go out before the event loops stop.
      Thread.sleep(Math.min(3000, 200 + agents.size() / 20));
      vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      // closing anyway
    }
  }
}
