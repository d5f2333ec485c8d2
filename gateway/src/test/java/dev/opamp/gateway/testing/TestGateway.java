package dev.opamp.gateway.testing;

import dev.opamp.gateway.GatewayNode;
import dev.opamp.gateway.config.GatewaySettings;
import dev.opamp.gateway.tls.ClientCertificatePolicy;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.nio.file.Files;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;

/**
 * A real gateway node on free loopback ports for tests, with a client Vert.x of its own and a
 * JSON client for the admin API.
 */
public final class TestGateway implements AutoCloseable {

  private final GatewayNode node;
  private final Vertx clientVertx = Vertx.vertx();
  private final WebClient admin;
  private final AtomicBoolean closed = new AtomicBoolean();

  private TestGateway(GatewayNode node) {
    this(node, null);
  }

  private TestGateway(GatewayNode node, ClientTls adminTls) {
    this.node = node;
    WebClientOptions options = new WebClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(node.adminPort());
    this.admin = WebClient.create(clientVertx, adminTls == null ? options : adminTls.applyTo(options));
  }

  /** Defaults with free ports, a fresh data dir, and short timeouts fit for tests. */
  public static GatewaySettings.Builder testSettings() throws Exception {
    return GatewaySettings.defaults().toBuilder()
        .opampPort(0)
        .adminPort(0)
        .nodeName("test-" + Long.toHexString(System.nanoTime()))
        .dataDir(Files.createTempDirectory("opamp-gateway-test"));
  }

  public static TestGateway start() throws Exception {
    return start(testSettings().build());
  }

  public static TestGateway start(GatewaySettings settings) throws Exception {
    GatewayNode node = GatewayNode.start(settings).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    return new TestGateway(node);
  }

  /**
   * A node for TLS tests: its admin client trusts the admin port by {@code adminTls} (null when
   * it is plain), and its OpAMP port judges client certificates by {@code clientCertificates}.
   */
  public static TestGateway start(GatewaySettings settings, ClientTls adminTls,
      ClientCertificatePolicy clientCertificates) throws Exception {
    GatewayNode node = GatewayNode.start(settings, clientCertificates).toCompletionStage().toCompletableFuture()
        .get(60, TimeUnit.SECONDS);
    return new TestGateway(node, adminTls);
  }

  /** Wraps a node that is already started (for example one of a {@link TestCluster}); closing stops it. */
  public static TestGateway of(GatewayNode node) {
    return new TestGateway(node);
  }

  public GatewayNode node() {
    return node;
  }

  public int opampPort() {
    return node.opampPort();
  }

  public int adminPort() {
    return node.adminPort();
  }

  public Vertx clientVertx() {
    return clientVertx;
  }

  public String opampHttpUrl() {
    return "http://127.0.0.1:" + opampPort() + "/v1/opamp";
  }

  public String opampWsUrl() {
    return "ws://127.0.0.1:" + opampPort() + "/v1/opamp";
  }

  public RawWebSocketAgent webSocketAgent() throws Exception {
    return RawWebSocketAgent.connect(clientVertx, opampPort());
  }

  public RawHttpAgent httpAgent() {
    return new RawHttpAgent(clientVertx, opampPort());
  }

  /** A WebSocket agent over WSS (and mutual TLS when {@code tls} has a client certificate). */
  public RawWebSocketAgent webSocketAgent(ClientTls tls) throws Exception {
    return RawWebSocketAgent.connect(clientVertx, opampPort(), tls);
  }

  /** An HTTP agent over HTTPS (and mutual TLS when {@code tls} has a client certificate). */
  public RawHttpAgent httpAgent(ClientTls tls) {
    return new RawHttpAgent(clientVertx, opampPort(), tls);
  }

  /** GET on the admin port; the response, whatever its status. */
  public HttpResponse<io.vertx.core.buffer.Buffer> adminGet(String pathAndQuery) throws Exception {
    return admin.get(pathAndQuery).send().toCompletionStage().toCompletableFuture().get(15, TimeUnit.SECONDS);
  }

  /** POST on the admin port with an optional JSON body; the response, whatever its status. */
  public HttpResponse<io.vertx.core.buffer.Buffer> adminPost(String path, JsonObject body) throws Exception {
    var request = admin.post(path);
    var sent = body == null ? request.send() : request.sendJsonObject(body);
    return sent.toCompletionStage().toCompletableFuture().get(15, TimeUnit.SECONDS);
  }

  /** PUT on the admin port with a JSON body; the response, whatever its status. */
  public HttpResponse<io.vertx.core.buffer.Buffer> adminPut(String path, JsonObject body) throws Exception {
    return admin.put(path).sendJsonObject(body).toCompletionStage().toCompletableFuture().get(15, TimeUnit.SECONDS);
  }

  /** DELETE on the admin port; the response, whatever its status. */
  public HttpResponse<io.vertx.core.buffer.Buffer> adminDelete(String path) throws Exception {
    return admin.delete(path).send().toCompletionStage().toCompletableFuture().get(15, TimeUnit.SECONDS);
  }

  public JsonObject adminJson(String pathAndQuery) throws Exception {
    HttpResponse<io.vertx.core.buffer.Buffer> r = adminGet(pathAndQuery);
    if (r.statusCode() != 200) {
      throw new AssertionError("GET " + pathAndQuery + " -> " + r.statusCode() + " " + r.bodyAsString());
    }
    return r.bodyAsJsonObject();
  }

  /** Polls one agent's JSON until {@code condition} holds; fails after the timeout. */
  public JsonObject awaitAgent(String uid, Predicate<JsonObject> condition, Duration timeout) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    JsonObject last = null;
    while (System.nanoTime() < deadline) {
      HttpResponse<io.vertx.core.buffer.Buffer> r = adminGet("/api/v1/agents/" + uid);
      if (r.statusCode() == 200) {
        last = r.bodyAsJsonObject();
        if (condition.test(last)) {
          return last;
        }
      }
      Thread.sleep(50);
    }
    throw new AssertionError("agent " + uid + " did not reach the expected state in " + timeout + "; last: " + last);
  }

  /** Whether {@link #close()} was called. */
  public boolean isClosed() {
    return closed.get();
  }

  /** Stops the node and the client Vert.x; a second call does nothing. */
  @Override
  public void close() throws Exception {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    admin.close();
    clientVertx.close();
    node.stop().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }
}
