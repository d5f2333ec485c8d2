package dev.opamp.loadtest;

import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VerticleBase;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The bare-transport floor: a Vert.x WebSocket server that echoes binary messages and speaks no
 * OpAMP, with the HTTP server options the gateway's OpAMP endpoint uses (strict thread mode, no
 * WebSocket compression, the same idle timeout; one server verticle per event loop, upgrades taken
 * from the request handler). Whatever a gateway connection costs above this is the gateway's own.
 *
 * <p>{@code GET /metrics} on the same port answers its heap used and connection count in the
 * Prometheus text format, so it is read exactly like the gateway.
 * Run it with {@code java -jar opamp-loadtest.jar --scenario floor-server --port P}.
 */
public final class FloorServer {

  private static final AtomicInteger OPEN = new AtomicInteger();

  private FloorServer() {}

  /** Starts on {@code port} (0: a free one), prints one line with the port and pid, runs until killed. */
  static int run(int port) throws Exception {
    Vertx vertx = Vertx.vertx(new VertxOptions().setPreferNativeTransport(true));
    int loops = VertxOptions.DEFAULT_EVENT_LOOP_POOL_SIZE;
    int[] bound = {port};
    if (port == 0) {
      // Verticles share one port only when it is fixed: find a free one first.
      try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
        bound[0] = s.getLocalPort();
      }
    }
    vertx.deployVerticle(() -> new EchoVerticle(bound[0]), new DeploymentOptions().setInstances(loops))
        .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    System.out.println("floor-server listening on 127.0.0.1:" + bound[0] + " pid " + ProcessHandle.current().pid());
    System.out.flush();
    CountDownLatch forever = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      vertx.close();
      forever.countDown();
    }));
    forever.await();
    return 0;
  }

  private static final class EchoVerticle extends VerticleBase {

    private final int port;
    private HttpServer server;

    EchoVerticle(int port) {
      this.port = port;
    }

    @Override
    public Future<?> start() {
      int frameLimit = 64 << 20;
      HttpServerOptions options = new HttpServerOptions()
          .setHost("127.0.0.1")
          .setPort(port)
          .setStrictThreadMode(true)
          .setCompressionSupported(true)
          .setDecompressionSupported(false)
          .setPerMessageWebSocketCompressionSupported(false)
          .setPerFrameWebSocketCompressionSupported(false)
          .setMaxWebSocketFrameSize(frameLimit)
          .setMaxWebSocketMessageSize(frameLimit)
          .setReadIdleTimeout(90)
          .setIdleTimeoutUnit(TimeUnit.SECONDS)
          .setTcpNoDelay(true);
      server = vertx.createHttpServer(options).requestHandler(this::onRequest);
      return server.listen();
    }

    private void onRequest(HttpServerRequest request) {
      if ("/metrics".equals(request.path()) && request.method() == HttpMethod.GET) {
        request.response().putHeader(HttpHeaders.CONTENT_TYPE, "text/plain; version=0.0.4").end(metrics());
        return;
      }
      request.toWebSocket().onSuccess(ws -> {
        OPEN.incrementAndGet();
        ws.binaryMessageHandler(ws::writeBinaryMessage);
        ws.closeHandler(v -> OPEN.decrementAndGet());
      });
    }
  }

  private static String metrics() {
    StringBuilder b = new StringBuilder();
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      if (pool.getType() == MemoryType.HEAP) {
        b.append("jvm_memory_used_bytes{area=\"heap\",id=\"").append(pool.getName()).append("\"} ")
            .append(pool.getUsage().getUsed()).append('\n');
      }
    }
    b.append("jvm_memory_max_bytes{area=\"heap\",id=\"all\"} ")
        .append(ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getMax()).append('\n');
    b.append("floor_connections ").append(OPEN.get()).append('\n');
    return b.toString();
  }
}
