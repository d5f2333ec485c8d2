package dev.opamp.loadtest;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.opamp.gateway.proto.AgentToServer;
import dev.opamp.gateway.proto.ServerToAgent;
import io.vertx.core.Context;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;

/** An agent on one long-lived WebSocket: binary messages, each the varint header 0 and the protobuf. */
final class WsAgent extends SimAgent {

  private final WebSocketClient client;
  private WebSocket ws;

  WsAgent(AgentEnv env, Context context, int index, int globalIndex, WebSocketClient client, Targets targets) {
    super(env, context, index, globalIndex, targets);
    this.client = client;
  }

  @Override
  boolean isWebSocket() {
    return true;
  }

  @Override
  String transportState() {
    WebSocket socket = ws;
    return socket == null ? "ws=none" : "ws closed=" + socket.isClosed();
  }

  /**
   * How long the upgrade may take before the agent gives up and retries, as common WebSocket
   * clients allow (45 s): a shorter wait turns a busy server's queue into a storm of retries that
   * each cost it a fresh handshake.
   */
  private static final int HANDSHAKE_TIMEOUT_MILLIS = 45_000;

  @Override
  void open() {
    int mine = attempt;
    WebSocketConnectOptions options = new WebSocketConnectOptions()
        .setHost(target().host()).setPort(target().port()).setURI(target().path()).setSsl(target().tls())
        .setTimeout(HANDSHAKE_TIMEOUT_MILLIS);
    if (env.authorization != null) {
      options.addHeader("Authorization", env.authorization);
    }
    client.connect(options).onComplete(ar -> {
      if (ar.failed()) {
        if (mine == attempt && !stopped) {
          failed("connect: " + Errors.reason(ar.cause()));
        }
        return;
      }
      WebSocket socket = ar.result();
      if (mine != attempt || stopped) {
        socket.close();
        return;
      }
      ws = socket;
      socket.binaryMessageHandler(b -> onFrame(socket, b));
      socket.textMessageHandler(t -> env.stats.error("text_frame"));
      socket.exceptionHandler(e -> { });
      socket.closeHandler(v -> {
        if (ws == socket) {
          ws = null;
          Short code = socket.closeStatusCode();
          failed("closed by server: " + (code == null ? "no close frame" : code));
        }
      });
      send(fullState());
    });
  }

  private void onFrame(WebSocket socket, Buffer b) {
    if (socket != ws) {
      return;
    }
    if (b.length() == 0 || b.getByte(0) != 0) {
      env.stats.error("bad_header");
      return;
    }
    ServerToAgent m;
    try {
      m = ServerToAgent.parseFrom(b.getBytes(1, b.length()));
    } catch (InvalidProtocolBufferException e) {
      env.stats.error("undecodable");
      return;
    }
    onReply(m);
  }

  @Override
  boolean send(AgentToServer message) {
    WebSocket socket = ws;
    if (socket == null) {
      return false;
    }
    byte[] bytes = message.toByteArray();
    Buffer frame = Buffer.buffer(bytes.length + 1).appendByte((byte) 0).appendBytes(bytes);
    socket.writeBinaryMessage(frame);
    return true;
  }

  @Override
  void closeConnection() {
    WebSocket socket = ws;
    ws = null;
    if (socket != null) {
      socket.closeHandler(null);
      socket.binaryMessageHandler(null);
      socket.close();
    }
  }
}
