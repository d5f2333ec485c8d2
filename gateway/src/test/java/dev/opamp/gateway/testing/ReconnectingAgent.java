package dev.opamp.gateway.testing;

import com.google.protobuf.ByteString;
import dev.opamp.gateway.proto.AgentToServer;
import dev.opamp.gateway.proto.ServerErrorResponseType;
import dev.opamp.gateway.proto.ServerToAgent;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A well-behaved WebSocket agent for cluster tests: it connects through a load balancer, reports
 * its full state on the first connection and its uid (status compression) on later ones, obeys
 * UNAVAILABLE retry hints, and reconnects whenever its connection ends, until closed.
 */
public final class ReconnectingAgent implements AutoCloseable {

  private final Vertx vertx;
  private final WebSocketClient client;
  private final int port;
  private final ByteString uid;
  private final String serviceName;
  private final AtomicLong sequence = new AtomicLong();
  private final AtomicInteger connections = new AtomicInteger();
  private final List<ServerToAgent> received = new CopyOnWriteArrayList<>();
  private volatile WebSocket socket;
  private volatile boolean closed;

  public ReconnectingAgent(Vertx vertx, int port, String serviceName) {
    this.vertx = vertx;
    this.client = vertx.createWebSocketClient();
    this.port = port;
    this.uid = Messages.newUid();
    this.serviceName = serviceName;
  }

  public ReconnectingAgent start() {
    connect();
    return this;
  }

  public ByteString uid() {
    return uid;
  }

  public String key() {
    return Messages.key(uid);
  }

  /** How many connections it has opened so far. */
  public int connections() {
    return connections.get();
  }

  public List<ServerToAgent> received() {
    return received;
  }

  public boolean isConnected() {
    return socket != null;
  }

  private void connect() {
    if (closed) {
      return;
    }
    client.connect(new WebSocketConnectOptions().setHost("127.0.0.1").setPort(port).setURI("/v1/opamp"))
        .onSuccess(ws -> {
          if (closed) {
            ws.close();
            return;
          }
          socket = ws;
          int n = connections.incrementAndGet();
          ws.binaryMessageHandler(this::onMessage);
          ws.closeHandler(v -> {
            socket = null;
            retryAfter(Duration.ofMillis(200));
          });
          AgentToServer hello = n == 1
              ? Messages.fullState(uid, sequence.getAndIncrement(), serviceName)
              : Messages.heartbeat(uid, sequence.getAndIncrement());
          send(ws, hello);
        })
        .onFailure(e -> retryAfter(Duration.ofMillis(300)));
  }

  private void onMessage(Buffer b) {
    try {
      ServerToAgent m = ServerToAgent.parseFrom(b.getBytes(1, b.length()));
      received.add(m);
      WebSocket ws = socket;
      if (m.hasErrorResponse()
          && m.getErrorResponse().getType() == ServerErrorResponseType.ServerErrorResponseType_Unavailable
          && ws != null) {
        // As the specification asks: disconnect, wait the hinted time, reconnect.
        long nanos = m.getErrorResponse().getRetryInfo().getRetryAfterNanoseconds();
        socket = null;
        ws.closeHandler(null);
        ws.close();
        retryAfter(Duration.ofNanos(Math.max(nanos, 1_000_000)));
      } else if ((m.getFlags() & 1) != 0 && ws != null) {
        send(ws, Messages.fullState(uid, sequence.getAndIncrement(), serviceName));
      }
    } catch (Exception e) {
      throw new AssertionError("undecodable reply", e);
    }
  }

  private void send(WebSocket ws, AgentToServer m) {
    ws.writeBinaryMessage(Buffer.buffer().appendByte((byte) 0).appendBytes(m.toByteArray()));
  }

  private void retryAfter(Duration delay) {
    if (!closed) {
      vertx.setTimer(Math.max(1, delay.toMillis()), id -> connect());
    }
  }

  @Override
  public void close() {
    closed = true;
    WebSocket ws = socket;
    if (ws != null) {
      ws.closeHandler(null);
      ws.close();
    }
  }
}
