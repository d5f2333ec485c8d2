package dev.opamp.loadtest;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Measures the floor in the same run: starts {@link FloorServer} in a child JVM with the
 * gateway's heap flags, reads its footprint, opens as many plain WebSockets as the run has agents
 * (each sends one small message and waits for the echo), reads the footprint again the same way
 * the gateway's is read, and stops it.
 */
final class FloorProbe {

  private static final Pattern READY = Pattern.compile("floor-server listening on [^:]+:(\\d+) pid (\\d+)");

  private FloorProbe() {}

  static JsonObject measure(Options o, String heapMethod, Progress progress) throws Exception {
    int n = o.floorSize();
    List<String> command = WorkerFleet.javaCommand(o.floorJvmArgs, "--scenario", "floor-server", "--port", "0");
    Process child = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    Vertx vertx = null;
    try {
      BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
      String line = out.readLine();
      Matcher m = line == null ? null : READY.matcher(line);
      if (m == null || !m.find()) {
        throw new IllegalStateException("the floor server did not start: " + line);
      }
      int port = Integer.parseInt(m.group(1));
      long pid = Long.parseLong(m.group(2));
      GatewayProbe probe = new GatewayProbe(List.of("http://127.0.0.1:" + port),
          "gc".equals(heapMethod) ? List.of(pid) : List.of());
      GatewayProbe.Sample before = probe.measure();
      long rssBefore = GatewayProbe.rssBytes(pid);

      vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(o.eventLoops));
      WebSocketClient client = vertx.createWebSocketClient(new WebSocketClientOptions().setMaxConnections(n + 16)
          .setConnectTimeout(20_000).setTryUsePerMessageCompression(false).setTryUsePerFrameCompression(false));
      AtomicInteger echoed = new AtomicInteger();
      AtomicInteger failed = new AtomicInteger();
      ConcurrentLinkedQueue<WebSocket> sockets = new ConcurrentLinkedQueue<>();
      Buffer hello = Buffer.buffer(new byte[64]);
      long start = System.nanoTime();
      int started = 0;
      long deadline = start + o.connectTimeout.toNanos();
      progress.phase("floor: " + n + " plain WebSockets", () -> echoed.get() + "/" + n + " echoed, " + failed.get() + " failed");
      while (echoed.get() + failed.get() < n && System.nanoTime() < deadline) {
        int due = (int) Math.min(n, o.rate * ((System.nanoTime() - start) / 1e9) + 1);
        for (; started < due; started++) {
          vertx.runOnContext(v -> client.connect(new WebSocketConnectOptions().setHost("127.0.0.1").setPort(port)
              .setURI("/")).onComplete(ar -> {
                if (ar.failed()) {
                  failed.incrementAndGet();
                  return;
                }
                WebSocket ws = ar.result();
                sockets.add(ws);
                ws.binaryMessageHandler(b -> echoed.incrementAndGet());
                ws.writeBinaryMessage(hello);
              }));
        }
        Thread.sleep(10);
      }
      double connectSeconds = (System.nanoTime() - start) / 1e9;
      Thread.sleep(o.settle.toMillis());
      GatewayProbe.Sample after = probe.measure();
      long rssAfter = GatewayProbe.rssBytes(pid);
      int held = echoed.get();
      JsonObject floor = new JsonObject().put("connections", held).put("failed", failed.get())
          .put("connectSeconds", Math.round(connectSeconds * 100) / 100.0)
          .put("heapMethod", probe.heapMethod())
          .put("heapBeforeBytes", before.heapBytes()).put("heapAfterBytes", after.heapBytes());
      if (held > 0 && before.heapBytes() >= 0 && after.heapBytes() >= 0) {
        floor.put("heapBytesPerAgent", (after.heapBytes() - before.heapBytes()) / held);
      }
      if (held > 0 && rssBefore > 0 && rssAfter > 0) {
        floor.put("rssBytesPerAgent", (rssAfter - rssBefore) / held);
      }
      for (WebSocket ws : sockets) {
        vertx.runOnContext(v -> ws.close());
      }
      return floor;
    } finally {
      progress.phase(null, null);
      child.destroy();
      if (!child.waitFor(20, TimeUnit.SECONDS)) {
        child.destroyForcibly();
      }
      if (vertx != null) {
        vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
      }
    }
  }
}
