package dev.opamp.gateway.transport;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.opamp.gateway.metrics.GatewayMetrics.ErrorReason;
import dev.opamp.gateway.proto.AgentToServer;
import dev.opamp.gateway.proto.ServerToAgent;
import dev.opamp.gateway.protocol.ErrorResponses;
import dev.opamp.gateway.session.AgentConnectionHandler;
import dev.opamp.gateway.session.PolicyViolation;
import dev.opamp.gateway.session.Transport;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.http.WebSocketFrame;
import java.security.cert.X509Certificate;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One agent on a WebSocket: assembles binary messages from frames within the size limit and the
 * node's receive budget, strips the OpAMP header, decodes, and hands messages to the protocol one
 * at a time. Confined to the connection's event loop.
 */
final class WebSocketAgentChannel extends AgentChannelBase {

  static final short NORMAL = 1000;
  static final short POLICY_VIOLATION = 1008;
  static final short UNSUPPORTED_DATA = 1003;
  static final short MESSAGE_TOO_BIG = 1009;
  static final short TRY_AGAIN_LATER = 1013;
  /** Messages received but not yet answered before the server stops reading from the socket. */
  private static final int MAX_PENDING = 8;
  private static final Buffer EMPTY_PING = Buffer.buffer();

  private static final Logger LOG = Logger.getLogger(WebSocketAgentChannel.class.getName());

  private final EndpointContext endpoint;
  private final ServerWebSocket ws;
  private final AgentConnectionHandler handler;
  private final long openedAtNanos;
  private final int pingPhaseSeconds;

  private Buffer assembling;
  private long reserved;
  private boolean discarding;
  private ArrayDeque<AgentToServer> pending;
  private boolean processing;
  private boolean receivedFirst;
  /** A message arrived since the last ping was due: the peer is evidently there, no ping needed. */
  private boolean heardSincePing;
  private boolean pausedForPending;
  private boolean pausedForWrites;
  private long writeQueueFullSinceNanos;
  private boolean closing;
  private boolean closed;

  WebSocketAgentChannel(EndpointContext endpoint, ServerWebSocket ws, Context context, int pingPhaseSeconds,
      X509Certificate peer) {
    super(Transport.WEBSOCKET, context, String.valueOf(ws.remoteAddress()));
    peerCertificate(peer);
    this.endpoint = endpoint;
    this.ws = ws;
    this.openedAtNanos = System.nanoTime();
    this.pingPhaseSeconds = pingPhaseSeconds;
    ws.setWriteQueueMaxSize(endpoint.limits.writeQueueMaxBytes());
    this.handler = endpoint.acceptor.open(this);
    ws.frameHandler(this::onFrame);
    ws.closeHandler(v -> onClosed());
    ws.exceptionHandler(this::onException);
  }

  @Override
  public boolean push(ServerToAgent message) {
    if (closed || ws.isClosed()) {
      return false; // the peer may have gone before this channel heard of it
    }
    byte[] bytes = endpoint.encodeOutbound(message, Transport.WEBSOCKET);
    if (bytes == null) {
      return false;
    }
    ws.writeBinaryMessage(EndpointContext.framed(bytes));
    endpoint.metrics.messageSent(Transport.WEBSOCKET, bytes.length);
    if (ws.writeQueueFull() && !pausedForWrites) {
      // The agent reads slower than we write: stop reading until it catches up.
      pausedForWrites = true;
      writeQueueFullSinceNanos = System.nanoTime();
      endpoint.metrics.writeBackpressure(Transport.WEBSOCKET);
      ws.pause();
      ws.drainHandler(v -> {
        pausedForWrites = false;
        resumeIfAllowed();
      });
    }
    return true;
  }

  @Override
  public void close(short code, String reason) {
    if (closed || closing) {
      return;
    }
    closing = true;
    if (pausedForWrites) {
      // The close frame would wait behind the replies the agent does not read: do not wait.
      ws.shutdown(0, TimeUnit.SECONDS, code, reason);
    } else {
      ws.close(code, reason);
    }
  }

  /** Periodic checks from the endpoint's housekeeping tick (same event loop). */
  void tick(long nowNanos, long secondOfEpoch) {
    if (closed || closing) {
      return;
    }
    var limits = endpoint.limits;
    if (!receivedFirst && nowNanos - openedAtNanos > limits.firstMessageTimeout().toNanos()) {
      endpoint.metrics.protocolError(Transport.WEBSOCKET, ErrorReason.NO_FIRST_MESSAGE);
      close(POLICY_VIOLATION, "no OpAMP message within " + limits.firstMessageTimeout().toSeconds() + " s");
      return;
    }
    if (pausedForWrites && nowNanos - writeQueueFullSinceNanos > limits.slowConsumerTimeout().toNanos()) {
      endpoint.metrics.protocolError(Transport.WEBSOCKET, ErrorReason.SLOW_CONSUMER);
      close(POLICY_VIOLATION, "slow consumer: replies not read for " + limits.slowConsumerTimeout().toSeconds() + " s");
      return;
    }
    long interval = Math.max(1, limits.pingInterval().toSeconds());
    if ((secondOfEpoch + pingPhaseSeconds) % interval == 0) {
      // An agent heartbeating at least as often as the ping interval is never pinged: its own
      // messages keep the connection's read deadline and any middlebox's idle timer fresh.
      if (!heardSincePing && !ws.writeQueueFull()) {
        ws.writePing(EMPTY_PING);
      }
      heardSincePing = false;
    }
  }

  boolean isClosed() {
    return closed;
  }

  private void onFrame(WebSocketFrame frame) {
    if (discarding && !frame.isContinuation()) {
      discarding = false;
    }
    if (frame.isText()) {
      endpoint.metrics.protocolError(Transport.WEBSOCKET, ErrorReason.TEXT_FRAME);
      close(UNSUPPORTED_DATA, "OpAMP uses binary WebSocket messages");
      return;
    }
    if (!frame.isBinary() && !frame.isContinuation()) {
      return; // ping, pong and close frames are Vert.x's business
    }
    if (discarding) {
      discarding = !frame.isFinal();
      return;
    }
    Buffer data = frame.binaryData();
    long size = (assembling == null ? 0 : assembling.length()) + data.length();
    if (size > endpoint.limits.maxMessageBytes()) {
      endpoint.metrics.protocolError(Transport.WEBSOCKET, ErrorReason.OVERSIZE);
      releaseAssembly();
      close(MESSAGE_TOO_BIG, "message larger than " + endpoint.limits.maxMessageBytes() + " bytes");
      return;
    }
    if (!endpoint.budget.tryReserve(data.length())) {
      endpoint.metrics.protocolError(Transport.WEBSOCKET, ErrorReason.BUDGET_EXHAUSTED);
      releaseAssembly();
      discarding = !frame.isFinal();
      push(ErrorResponses.unavailable(com.google.protobuf.ByteString.EMPTY,
          "the gateway is receiving too much at once; retry later", ErrorResponses.DEFAULT_RETRY_AFTER));
      return;
    }
    reserved += data.length();
    if (frame.isFinal() && assembling == null) {
      onMessageBytes(data);
      return;
    }
    if (assembling == null) {
      assembling = Buffer.buffer((int) Math.min(size * 2, endpoint.limits.maxMessageBytes()));
    }
    assembling.appendBuffer(data);
    if (frame.isFinal()) {
      Buffer whole = assembling;
      assembling = null;
      onMessageBytes(whole);
    }
  }

  private void onMessageBytes(Buffer message) {
    receivedFirst = true;
    heardSincePing = true;
    AgentToServer decoded;
    try {
      int offset = WebSocketHeader.payloadOffset(message);
      decoded = AgentToServer.parseFrom(message.getBytes(offset, message.length()));
    } catch (WebSocketHeader.MalformedHeaderException e) {
      releaseAssembly();
      rejectUnreadable(ErrorReason.BAD_HEADER, e.getMessage());
      return;
    } catch (InvalidProtocolBufferException e) {
      releaseAssembly();
      rejectUnreadable(ErrorReason.UNDECODABLE, "undecodable AgentToServer: " + e.getMessage());
      return;
    }
    endpoint.metrics.messageReceived(Transport.WEBSOCKET, message.length());
    releaseAssembly();
    if (pending == null) {
      pending = new ArrayDeque<>(2);
    }
    pending.add(decoded);
    if (pending.size() >= MAX_PENDING && !pausedForPending) {
      pausedForPending = true;
      ws.pause();
    }
    processNext();
  }

  private void rejectUnreadable(ErrorReason reason, String message) {
    endpoint.metrics.protocolError(Transport.WEBSOCKET, reason);
    push(handler.onReadError(message));
  }

  private void processNext() {
    if (processing || closed || pending == null || pending.isEmpty()) {
      return;
    }
    AgentToServer next = pending.poll();
    processing = true;
    Future<ServerToAgent> answer;
    try {
      answer = handler.onMessage(next);
    } catch (RuntimeException bug) {
      // A protocol bug must cost this message, not the connection's ordering.
      answer = Future.failedFuture(bug);
    }
    answer.onComplete(result -> {
      processing = false;
      if (result.succeeded()) {
        push(result.result());
      } else if (result.cause() instanceof PolicyViolation refusal) {
        push(refusal.reply());
        close(POLICY_VIOLATION, refusal.getMessage());
      } else {
        LOG.log(Level.WARNING, "message from " + remoteAddress() + " failed", result.cause());
        push(ErrorResponses.unavailable(next.getInstanceUid(), "internal error; retry later",
            ErrorResponses.DEFAULT_RETRY_AFTER));
      }
      if (pausedForPending && pending.size() < MAX_PENDING / 2) {
        pausedForPending = false;
        resumeIfAllowed();
      }
      processNext();
    });
  }

  private void resumeIfAllowed() {
    if (!closed && !pausedForPending && !pausedForWrites) {
      ws.resume();
    }
  }

  private void releaseAssembly() {
    assembling = null;
    if (reserved > 0) {
      endpoint.budget.release(reserved);
      reserved = 0;
    }
  }

  private void onException(Throwable failure) {
    String text = String.valueOf(failure.getMessage());
    if (text.contains("Max frame length") || text.contains("too big") || text.contains("exceeded")) {
      endpoint.metrics.protocolError(Transport.WEBSOCKET, ErrorReason.OVERSIZE);
      close(MESSAGE_TOO_BIG, "message larger than " + endpoint.limits.maxMessageBytes() + " bytes");
    }
  }

  private void onClosed() {
    if (closed) {
      return;
    }
    closed = true;
    releaseAssembly();
    pending = null;
    handler.onClose();
  }
}
