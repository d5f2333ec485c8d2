package dev.opamp.gateway.transport;

import dev.opamp.gateway.metrics.GatewayMetrics.ErrorReason;
import dev.opamp.gateway.session.Transport;
import dev.opamp.gateway.tls.ListenerTls;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.cert.X509Certificate;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * One event loop's share of the OpAMP endpoint: accepts WebSocket upgrades and HTTP POSTs on
 * {@code /v1/opamp}, checks authentication before anything else, and runs a once-a-second
 * housekeeping tick over its WebSockets (pings, first-message and slow-consumer deadlines).
 */
final class OpampServerVerticle extends VerticleBase {

  private static final long TICK_MILLIS = 1000;

  private final EndpointContext endpoint;
  private final String host;
  private final int port;
  private final boolean expiresHttpSessions;
  private final Set<WebSocketAgentChannel> webSockets = new HashSet<>();
  private final byte[] expectedAuthorization;
  private HttpServer server;

  OpampServerVerticle(EndpointContext endpoint, String host, int port, boolean expiresHttpSessions) {
    this.endpoint = endpoint;
    this.host = host;
    this.port = port;
    this.expiresHttpSessions = expiresHttpSessions;
    String token = endpoint.limits.authToken();
    this.expectedAuthorization = token == null ? null : ("Bearer " + token).getBytes(StandardCharsets.UTF_8);
  }

  @Override
  public Future<?> start() {
    TransportLimits limits = endpoint.limits;
    int frameLimit = (int) Math.min(Integer.MAX_VALUE - 16, limits.maxMessageBytes() + 16);
    HttpServerOptions options = new HttpServerOptions()
        .setHost(host)
        .setPort(port)
        // All writes happen on the connection's event loop: saves a queue per connection.
        .setStrictThreadMode(true)
        // HTTP replies are gzipped when the agent accepts it; request bodies are inflated by us, bounded.
        .setCompressionSupported(true)
        .setDecompressionSupported(false)
        .setPerMessageWebSocketCompressionSupported(false)
        .setPerFrameWebSocketCompressionSupported(false)
        .setMaxWebSocketFrameSize(frameLimit)
        .setMaxWebSocketMessageSize(frameLimit)
        .setReadIdleTimeout((int) Math.max(1, limits.idleTimeout().toSeconds()))
        .setIdleTimeoutUnit(TimeUnit.SECONDS)
        .setTcpNoDelay(true);
    if (endpoint.tls != null) {
      endpoint.tls.configure(options);
    }
    server = vertx.createHttpServer(options).requestHandler(this::onRequest);
    if (endpoint.tls != null) {
      endpoint.tls.serve(server);
    }
    vertx.setPeriodic(TICK_MILLIS, id -> tick());
    return server.listen();
  }

  int actualPort() {
    return server.actualPort();
  }

  private void onRequest(HttpServerRequest request) {
    if (endpoint.packageDownloads != null && request.path().startsWith(OpampEndpoint.PACKAGES_PATH)) {
      endpoint.packageDownloads.handle(request); // authorized by the signed URL, not the agents' bearer token
      return;
    }
    if (!OpampEndpoint.PATH.equals(request.path())) {
      request.response().setStatusCode(404).end("OpAMP is served at " + OpampEndpoint.PATH + "\n");
      return;
    }
    X509Certificate peer = endpoint.tls == null ? null : ListenerTls.peerCertificate(request.connection().sslSession());
    if (peer != null && endpoint.tls.isRevoked(peer)) {
      // Revoked since the handshake (a resumed TLS session or a kept-alive connection).
      endpoint.metrics.connectionRefused("certificate_revoked");
      request.response().setStatusCode(403).putHeader(HttpHeaders.CONNECTION, "close")
          .end("the client certificate is revoked\n");
      return;
    }
    if (!authorized(request)) {
      endpoint.metrics.connectionRefused(ErrorReason.UNAUTHORIZED.tag());
      request.response()
          .setStatusCode(401)
          .putHeader("WWW-Authenticate", "Bearer realm=\"opamp\"")
          .end("missing or wrong Authorization bearer token\n");
      return;
    }
    if (!endpoint.acceptingAgents.getAsBoolean()) {
      // Draining: this node takes no agent, not even one it held; a load balancer places it elsewhere.
      endpoint.metrics.connectionRefused("draining");
      request.response().setStatusCode(503)
          .putHeader(HttpHeaders.RETRY_AFTER, String.valueOf(1 + ThreadLocalRandom.current().nextInt(5)))
          .putHeader(HttpHeaders.CONNECTION, "close")
          .end("this gateway node is draining; retry shortly\n");
      return;
    }
    String contentType = request.getHeader(HttpHeaders.CONTENT_TYPE);
    boolean protobuf = contentType != null
        && contentType.toLowerCase(java.util.Locale.ROOT).startsWith(HttpMessageExchange.PROTOBUF);
    if (request.method() == HttpMethod.POST && protobuf) {
      HttpMessageExchange.handle(endpoint, request, context, peer);
    } else if (request.method() == HttpMethod.POST) {
      endpoint.metrics.protocolError(Transport.HTTP, ErrorReason.WRONG_CONTENT_TYPE);
      request.response().setStatusCode(415)
          .end("OpAMP over HTTP needs Content-Type: " + HttpMessageExchange.PROTOBUF + "\n");
    } else if (isUpgrade(request)) {
      request.toWebSocket().onSuccess(ws -> {
        int phase = ThreadLocalRandom.current().nextInt(3600);
        webSockets.add(new WebSocketAgentChannel(endpoint, ws, context, phase, peer));
      });
    } else {
      request.response().setStatusCode(400).end(
          "expected a WebSocket upgrade or a POST with Content-Type: " + HttpMessageExchange.PROTOBUF + "\n");
    }
  }

  private boolean authorized(HttpServerRequest request) {
    if (expectedAuthorization == null) {
      return true;
    }
    String given = request.getHeader(HttpHeaders.AUTHORIZATION);
    return given != null && MessageDigest.isEqual(expectedAuthorization, given.getBytes(StandardCharsets.UTF_8));
  }

  private static boolean isUpgrade(HttpServerRequest request) {
    String upgrade = request.getHeader(HttpHeaders.UPGRADE);
    return request.method() == HttpMethod.GET && upgrade != null && upgrade.equalsIgnoreCase("websocket");
  }

  private void tick() {
    long now = System.nanoTime();
    long second = TimeUnit.MILLISECONDS.toSeconds(System.currentTimeMillis());
    webSockets.removeIf(WebSocketAgentChannel::isClosed);
    for (WebSocketAgentChannel ws : webSockets) {
      ws.tick(now, second);
    }
    if (expiresHttpSessions) {
      endpoint.httpChannels.expire(now, endpoint.limits.httpSessionTimeout().toNanos());
    }
  }
}
