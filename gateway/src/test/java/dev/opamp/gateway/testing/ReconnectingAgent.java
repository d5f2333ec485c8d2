package dev.opamp.gateway.testing;

import com.google.protobuf.ByteString;
import dev.opamp.gateway.proto.AgentCapabilities;
import dev.opamp.gateway.proto.AgentConfigFile;
import dev.opamp.gateway.proto.AgentRemoteConfig;
import dev.opamp.gateway.proto.AgentToServer;
import dev.opamp.gateway.proto.EffectiveConfig;
import dev.opamp.gateway.proto.RemoteConfigStatus;
import dev.opamp.gateway.proto.RemoteConfigStatuses;
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
import java.util.function.Predicate;

/**
 * A well-behaved WebSocket agent for cluster and rollout tests: it connects (often through a load
 * balancer), reports its full state on the first connection and its uid (status compression) on
 * later ones, obeys UNAVAILABLE retry hints, reconnects whenever its connection ends, and applies
 * remote configs like a supervisor: it reports APPLIED with the new effective config, or FAILED
 * when {@link #failWhen} says so.
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
  private volatile Predicate<String> failWhen = body -> false;
  private volatile String appliedBody;

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

  /** Configs whose body matches are reported FAILED instead of applied. */
  public ReconnectingAgent failWhen(Predicate<String> rule) {
    this.failWhen = rule;
    return this;
  }

  /** The body of collector.yaml it runs now (null before any remote config). */
  public String appliedBody() {
    return appliedBody;
  }

  private static final long CAPABILITIES = Messages.CAPABILITIES
      | AgentCapabilities.AgentCapabilities_AcceptsRemoteConfig_VALUE
      | AgentCapabilities.AgentCapabilities_ReportsRemoteConfig_VALUE;

  private AgentToServer withCapabilities(AgentToServer m) {
    return m.toBuilder().setCapabilities(CAPABILITIES).build();
  }

  /** What a supervisor does with an offer: apply and report, or report the failure. */
  private void apply(WebSocket ws, AgentRemoteConfig offer) {
    String body = offer.getConfig().getConfigMapOrDefault("collector.yaml", AgentConfigFile.getDefaultInstance())
        .getBody().toStringUtf8();
    AgentToServer.Builder report = withCapabilities(Messages.heartbeat(uid, sequence.getAndIncrement())).toBuilder();
    if (failWhen.test(body)) {
      report.setRemoteConfigStatus(RemoteConfigStatus.newBuilder()
          .setLastRemoteConfigHash(offer.getConfigHash())
          .setStatus(RemoteConfigStatuses.RemoteConfigStatuses_FAILED)
          .setErrorMessage("rejected by the test"));
    } else {
      appliedBody = body;
      report.setRemoteConfigStatus(RemoteConfigStatus.newBuilder()
              .setLastRemoteConfigHash(offer.getConfigHash())
              .setStatus(RemoteConfigStatuses.RemoteConfigStatuses_APPLIED))
          .setEffectiveConfig(EffectiveConfig.newBuilder().setConfigMap(offer.getConfig()));
    }
    send(ws, report.build());
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
          send(ws, withCapabilities(hello));
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
        send(ws, withCapabilities(Messages.fullState(uid, sequence.getAndIncrement(), serviceName)));
      }
      if (m.hasRemoteConfig() && socket != null) {
        apply(socket, m.getRemoteConfig());
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
