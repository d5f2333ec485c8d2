package dev.opamp.gateway.testing;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.opamp.gateway.proto.AgentToServer;
import dev.opamp.gateway.proto.ServerToAgent;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.http.WebSocketFrame;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A hand-driven WebSocket agent for protocol tests: sends any bytes (well-formed OpAMP messages or
 * deliberate garbage) and records what the server answers and how it closes.
 */
public final class RawWebSocketAgent implements AutoCloseable {

  private final WebSocket ws;
  private final BlockingQueue<ServerToAgent> received = new LinkedBlockingQueue<>();
  private final CompletableFuture<Short> closeCode = new CompletableFuture<>();
  private volatile String closeReason;

  private RawWebSocketAgent(WebSocket ws) {
    this.ws = ws;
    ws.binaryMessageHandler(this::onMessage);
    ws.closeHandler(v -> {
      closeReason = ws.closeReason();
      closeCode.complete(ws.closeStatusCode() == null ? -1 : ws.closeStatusCode());
    });
  }

  public static RawWebSocketAgent connect(Vertx vertx, int port) throws Exception {
    return connect(vertx, port, null, 70 << 20);
  }

  public static RawWebSocketAgent connect(Vertx vertx, int port, String bearerToken, int maxFrame) throws Exception {
    return connect(vertx, port, bearerToken, maxFrame, null);
  }

  /** Over WSS when {@code tls} is given: the server verified by its anchors, a client certificate if it has one. */
  public static RawWebSocketAgent connect(Vertx vertx, int port, ClientTls tls) throws Exception {
    return connect(vertx, port, null, 70 << 20, tls);
  }

  public static RawWebSocketAgent connect(Vertx vertx, int port, String bearerToken, int maxFrame, ClientTls tls)
      throws Exception {
    WebSocketClientOptions clientOptions = new WebSocketClientOptions()
        .setMaxFrameSize(maxFrame).setMaxMessageSize(maxFrame);
    WebSocketClient client = vertx.createWebSocketClient(tls == null ? clientOptions : tls.applyTo(clientOptions));
    WebSocketConnectOptions options = new WebSocketConnectOptions()
        .setHost("127.0.0.1").setPort(port).setURI("/v1/opamp").setSsl(tls != null);
    if (bearerToken != null) {
      options.addHeader("Authorization", "Bearer " + bearerToken);
    }
    WebSocket ws = client.connect(options).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    return new RawWebSocketAgent(ws);
  }

  /** Sends an OpAMP message with the standard header (varint 0). */
  public void send(AgentToServer message) {
    Buffer b = Buffer.buffer().appendByte((byte) 0).appendBytes(message.toByteArray());
    sendRaw(b);
  }

  public void sendRaw(Buffer bytes) {
    ws.writeBinaryMessage(bytes);
  }

  public void sendFrame(WebSocketFrame frame) {
    ws.writeFrame(frame);
  }

  public void sendText(String text) {
    ws.writeTextMessage(text);
  }

  /** Sends and waits for the next reply. */
  public ServerToAgent exchange(AgentToServer message) throws InterruptedException {
    send(message);
    return next();
  }

  public ServerToAgent next() throws InterruptedException {
    return next(Duration.ofSeconds(10));
  }

  public ServerToAgent next(Duration timeout) throws InterruptedException {
    ServerToAgent m = received.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
    if (m == null) {
      throw new AssertionError("no ServerToAgent within " + timeout);
    }
    return m;
  }

  public ServerToAgent poll(Duration timeout) throws InterruptedException {
    return received.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Waits for the server to close the connection; returns the close code. */
  public short awaitClose(Duration timeout) throws Exception {
    return closeCode.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  public String closeReason() {
    return closeReason;
  }

  public boolean isClosed() {
    return closeCode.isDone();
  }

  public WebSocket socket() {
    return ws;
  }

  /** The certificate the server presented (WSS only). */
  public java.security.cert.X509Certificate serverCertificate() throws Exception {
    return (java.security.cert.X509Certificate) ws.sslSession().getPeerCertificates()[0];
  }

  private void onMessage(Buffer b) {
    try {
      if (b.length() == 0 || b.getByte(0) != 0) {
        throw new AssertionError("server message without the OpAMP header 0");
      }
      received.add(ServerToAgent.parseFrom(b.getBytes(1, b.length())));
    } catch (InvalidProtocolBufferException e) {
      throw new AssertionError("server sent an undecodable ServerToAgent", e);
    }
  }

  @Override
  public void close() {
    if (!closeCode.isDone()) {
      ws.close();
    }
  }
}
