package dev.opamp.gateway.testing;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.NetSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A TCP load balancer on 127.0.0.1 for tests, standing where a real one stands in front of
 * gateway nodes: each accepted connection is proxied, bytes both ways with backpressure, to one
 * backend chosen round-robin among those in service. A backend is in service while its admin
 * {@code GET /readyz} last answered 200 (checked every {@link #CHECK_INTERVAL}); one that refuses
 * a connection is taken out until its next good check, and the connection tries the next backend.
 * When either side of a proxied connection closes, the other is closed too. With no backend in
 * service, a connection is closed at once.
 */
public final class LoopbackBalancer implements AutoCloseable {

  public static final Duration CHECK_INTERVAL = Duration.ofMillis(200);
  private static final int CHECK_TIMEOUT_MS = 1000;

  /** A gateway node behind the balancer: where agents go, and where readiness is asked. */
  public record Backend(int opampPort, int adminPort) {
    public static Backend of(TestGateway gateway) {
      return new Backend(gateway.opampPort(), gateway.adminPort());
    }

    public static Backend of(GatewayProcess process) {
      return new Backend(process.opampPort(), process.adminPort());
    }
  }

  private final class State {
    final Backend backend;
    volatile boolean inService;
    volatile boolean checked;
    boolean checking; // event loop only
    final AtomicLong routed = new AtomicLong();

    State(Backend backend) {
      this.backend = backend;
    }
  }

  private final Vertx vertx;
  private final List<State> states;
  private final NetClient netClient;
  private final HttpClient checks;
  private final AtomicInteger next = new AtomicInteger();
  private final Set<NetSocket> open = ConcurrentHashMap.newKeySet();
  private NetServer server;
  private long timer;

  private LoopbackBalancer(List<Backend> backends) {
    this.vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1).setWorkerPoolSize(1));
    this.states = new CopyOnWriteArrayList<>(backends.stream().map(State::new).toList());
    this.netClient = vertx.createNetClient(new NetClientOptions().setConnectTimeout(2000));
    this.checks = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(false)
        .setConnectTimeout(CHECK_TIMEOUT_MS).setIdleTimeout(CHECK_TIMEOUT_MS)
        .setIdleTimeoutUnit(TimeUnit.MILLISECONDS));
  }

  public static LoopbackBalancer start(Backend... backends) throws Exception {
    return start(List.of(backends));
  }

  /** Listens on a free loopback port and returns once every backend was checked once. */
  public static LoopbackBalancer start(List<Backend> backends) throws Exception {
    LoopbackBalancer balancer = new LoopbackBalancer(backends);
    try {
      balancer.server = balancer.vertx.createNetServer(new NetServerOptions().setHost("127.0.0.1").setPort(0))
          .connectHandler(balancer::accept);
      balancer.server.listen().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      balancer.vertx.runOnContext(v -> {
        balancer.checkAll();
        balancer.timer = balancer.vertx.setPeriodic(CHECK_INTERVAL.toMillis(), id -> balancer.checkAll());
      });
      Poll.until("the balancer checks every backend once", Duration.ofSeconds(10),
          () -> balancer.states.stream().allMatch(s -> s.checked));
      return balancer;
    } catch (Throwable e) {
      balancer.close();
      throw e;
    }
  }

  /** Puts a new backend (a node that joined) into rotation once its health check passes. */
  public void addBackend(Backend backend) {
    states.add(new State(backend));
  }

  /** The port agents connect to. */
  public int port() {
    return server.actualPort();
  }

  public String opampWsUrl() {
    return "ws://127.0.0.1:" + port() + "/v1/opamp";
  }

  public String opampHttpUrl() {
    return "http://127.0.0.1:" + port() + "/v1/opamp";
  }

  public List<Backend> backends() {
    return states.stream().map(s -> s.backend).toList();
  }

  /** The backends new connections may go to now, in configuration order. */
  public List<Backend> backendsInService() {
    return states.stream().filter(s -> s.inService).map(s -> s.backend).toList();
  }

  /** Waits until exactly {@code expected} are in service. */
  public void awaitInService(List<Backend> expected, Duration timeout) throws InterruptedException {
    Poll.until("backends in service are " + expected, timeout, this::backendsInService,
        inService -> inService.equals(expected));
  }

  /** Connections proxied to {@code backend} so far. */
  public long connectionsTo(Backend backend) {
    return states.stream().filter(s -> s.backend.equals(backend)).mapToLong(s -> s.routed.get()).sum();
  }

  /** Proxied connections open now (each counts its client side once). */
  public int openConnections() {
    return open.size();
  }

  private void checkAll() {
    for (State state : states) {
      if (state.checking) {
        continue;
      }
      state.checking = true;
      RequestOptions request = new RequestOptions().setMethod(HttpMethod.GET).setHost("127.0.0.1")
          .setPort(state.backend.adminPort()).setURI("/readyz").setIdleTimeout(CHECK_TIMEOUT_MS)
          .setConnectTimeout(CHECK_TIMEOUT_MS);
      checks.request(request)
          .compose(req -> req.send())
          .compose(resp -> resp.body().map(body -> resp.statusCode()))
          .onComplete(result -> {
            state.inService = result.succeeded() && result.result() == 200;
            state.checked = true;
            state.checking = false;
          });
    }
  }

  private void accept(NetSocket client) {
    client.pause(); // until the backend side is connected
    open.add(client);
    client.closeHandler(v -> open.remove(client));
    List<State> candidates = new ArrayList<>();
    for (State s : states) {
      if (s.inService) {
        candidates.add(s);
      }
    }
    if (candidates.isEmpty()) {
      client.close();
      return;
    }
    int first = Math.floorMod(next.getAndIncrement(), candidates.size());
    List<State> order = new ArrayList<>(candidates.size());
    for (int i = 0; i < candidates.size(); i++) {
      order.add(candidates.get((first + i) % candidates.size()));
    }
    connect(client, order, 0);
  }

  /** Connects {@code client} to {@code order[i]}, or to the next one if that refuses. */
  private void connect(NetSocket client, List<State> order, int i) {
    if (i == order.size()) {
      client.close();
      return;
    }
    State state = order.get(i);
    netClient.connect(state.backend.opampPort(), "127.0.0.1").onComplete(result -> {
      if (result.failed()) {
        state.inService = false; // until its next good check
        connect(client, order, i + 1);
        return;
      }
      NetSocket backend = result.result();
      state.routed.incrementAndGet();
      if (!open.contains(client)) { // the client left while we connected
        backend.close();
        return;
      }
      client.closeHandler(v -> {
        open.remove(client);
        backend.close();
      });
      backend.closeHandler(v -> client.close());
      // pipeTo resumes the paused client and applies backpressure both ways; end of one side ends the other.
      client.pipeTo(backend);
      backend.pipeTo(client);
    });
  }

  @Override
  public void close() throws Exception {
    Future<Void> closing = Future.succeededFuture();
    if (server != null) {
      vertx.cancelTimer(timer);
      closing = server.close();
    }
    closing.eventually(() -> {
      open.forEach(NetSocket::close);
      return vertx.close();
    }).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }
}
