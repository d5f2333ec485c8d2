package dev.opamp.gateway.transport;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.opamp.gateway.metrics.GatewayMetrics.ErrorReason;
import dev.opamp.gateway.proto.AgentToServer;
import dev.opamp.gateway.proto.AgentToServerFlags;
import dev.opamp.gateway.proto.ServerToAgent;
import dev.opamp.gateway.protocol.ErrorResponses;
import dev.opamp.gateway.protocol.InstanceUids;
import dev.opamp.gateway.session.PolicyViolation;
import dev.opamp.gateway.session.Transport;
import io.vertx.core.Context;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import java.io.IOException;
import java.security.cert.X509Certificate;

/**
 * One plain-HTTP OpAMP exchange: reads the POSTed AgentToServer within the size limit and the
 * receive budget, inflates gzip bodies boundedly, routes the message to the agent's HTTP channel
 * and answers its ServerToAgent (gzip-compressed by the server when the agent accepts it).
 */
final class HttpMessageExchange {

  static final String PROTOBUF = "application/x-protobuf";
  static final String INSTANCE_UID_HEADER = "OpAMP-Instance-UID";

  private final EndpointContext endpoint;
  private final HttpServerRequest request;
  private final Context context;
  private final X509Certificate peer;
  private Buffer body;
  private long reserved;
  private boolean failed;

  private HttpMessageExchange(EndpointContext endpoint, HttpServerRequest request, Context context,
      X509Certificate peer) {
    this.endpoint = endpoint;
    this.request = request;
    this.context = context;
    this.peer = peer;
  }

  /** {@code peer}: the client certificate the connection's handshake verified, or null. */
  static void handle(EndpointContext endpoint, HttpServerRequest request, Context context, X509Certificate peer) {
    new HttpMessageExchange(endpoint, request, context, peer).start();
  }

  private void start() {
    long max = endpoint.limits.maxMessageBytes();
    String declared = request.getHeader(HttpHeaders.CONTENT_LENGTH);
    if (declared != null && parseLength(declared) > max) {
      refuseOversize();
      return;
    }
    request.handler(this::onChunk);
    request.endHandler(v -> onBody());
    request.exceptionHandler(e -> releaseBudget());
  }

  private void onChunk(Buffer chunk) {
    if (failed) {
      return;
    }
    long size = (body == null ? 0 : body.length()) + chunk.length();
    if (size > endpoint.limits.maxMessageBytes()) {
      refuseOversize();
      return;
    }
    if (!endpoint.budget.tryReserve(chunk.length())) {
      failed = true;
      releaseBudget();
      endpoint.metrics.protocolError(Transport.HTTP, ErrorReason.BUDGET_EXHAUSTED);
      request.response()
          .setStatusCode(503)
          .putHeader(HttpHeaders.RETRY_AFTER, String.valueOf(ErrorResponses.DEFAULT_RETRY_AFTER.toSeconds()))
          .putHeader(HttpHeaders.CONNECTION, "close")
          .end("the gateway is receiving too much at once; retry later\n");
      return;
    }
    reserved += chunk.length();
    if (body == null) {
      body = Buffer.buffer(Math.max(256, chunk.length()));
    }
    body.appendBuffer(chunk);
  }

  private void onBody() {
    if (failed) {
      return;
    }
    byte[] bytes;
    try {
      bytes = decompressed();
    } catch (BoundedGzip.TooLargeException e) {
      releaseBudget();
      endpoint.metrics.protocolError(Transport.HTTP, ErrorReason.OVERSIZE);
      respondText(413, e.getMessage());
      return;
    } catch (IOException e) {
      releaseBudget();
      endpoint.metrics.protocolError(Transport.HTTP, ErrorReason.BAD_GZIP);
      respondError(ErrorResponses.badRequest(ByteString.EMPTY, "body is not valid gzip: " + e.getMessage()));
      return;
    }
    AgentToServer message;
    try {
      message = AgentToServer.parseFrom(bytes);
    } catch (InvalidProtocolBufferException e) {
      releaseBudget();
      endpoint.metrics.protocolError(Transport.HTTP, ErrorReason.UNDECODABLE);
      respondError(ErrorResponses.badRequest(ByteString.EMPTY, "undecodable AgentToServer: " + e.getMessage()));
      return;
    }
    releaseBudget();
    endpoint.metrics.messageReceived(Transport.HTTP, bytes.length);
    route(message);
  }

  private byte[] decompressed() throws IOException, BoundedGzip.TooLargeException {
    Buffer raw = body == null ? Buffer.buffer() : body;
    String encoding = request.getHeader(HttpHeaders.CONTENT_ENCODING);
    if (encoding == null || encoding.isBlank() || encoding.equalsIgnoreCase("identity")) {
      return raw.getBytes();
    }
    if (!encoding.trim().equalsIgnoreCase("gzip")) {
      throw new IOException("unsupported Content-Encoding " + encoding + " (gzip or none)");
    }
    return BoundedGzip.inflate(raw, endpoint.limits.maxMessageBytes());
  }

  /** Finds (or opens) the agent's HTTP channel and lets it answer on its own context. */
  private void route(AgentToServer received) {
    // The header lets load balancers route by uid; a body without one takes the header's.
    AgentToServer message = received.getInstanceUid().isEmpty()
        ? received.toBuilder().setInstanceUid(headerUid()).build()
        : received;
    ByteString uid = message.getInstanceUid();
    boolean wantsNewUid = !InstanceUids.isValid(uid)
        || (message.getFlags() & AgentToServerFlags.AgentToServerFlags_RequestInstanceUid_VALUE) != 0;
    HttpAgentChannels table = endpoint.httpChannels;
    String key = wantsNewUid ? null : InstanceUids.key(uid);
    HttpAgentChannel channel = key == null ? null : table.get(key);
    boolean opened = channel == null || channel.isClosed();
    if (opened) {
      channel = new HttpAgentChannel(endpoint, context, String.valueOf(request.remoteAddress()));
      if (key != null) {
        table.put(key, channel);
      }
    }
    channel.polled();
    HttpAgentChannel target = channel;
    target.context().runOnContext(v -> target.submit(message, peer).onComplete(result -> {
      if (result.cause() instanceof PolicyViolation refusal) {
        if (opened) {
          target.close(WebSocketAgentChannel.POLICY_VIOLATION, refusal.getMessage()); // opened for this poll only
        }
        context.runOnContext(w -> respond(403, refusal.reply()));
        return;
      }
      ServerToAgent reply = result.succeeded()
          ? target.withWaiting(result.result())
          : ErrorResponses.unavailable(uid, "internal error; retry later", ErrorResponses.DEFAULT_RETRY_AFTER);
      if (reply.hasAgentIdentification()) {
        table.put(InstanceUids.key(reply.getAgentIdentification().getNewInstanceUid()), target);
      }
      context.runOnContext(w -> respond(200, reply));
    }));
  }

  /** The {@code OpAMP-Instance-UID} header as uid bytes, or empty when absent or not a UUID. */
  private ByteString headerUid() {
    String text = request.getHeader(INSTANCE_UID_HEADER);
    String key = text == null ? null : InstanceUids.keyFromText(text.trim());
    return key == null ? ByteString.EMPTY : ByteString.fromHex(key);
  }

  private void respond(int status, ServerToAgent reply) {
    byte[] bytes = endpoint.encodeOutbound(reply, Transport.HTTP);
    if (bytes == null) {
      respondText(500, "the reply exceeds the message size limit and was dropped");
      return;
    }
    request.response()
        .setStatusCode(status)
        .putHeader(HttpHeaders.CONTENT_TYPE, PROTOBUF)
        .end(Buffer.buffer(bytes));
    endpoint.metrics.messageSent(Transport.HTTP, bytes.length);
  }

  /** A message the server could not read: 400, with the reason also as an OpAMP error response. */
  private void respondError(ServerToAgent error) {
    respond(400, error);
  }

  private void refuseOversize() {
    failed = true;
    releaseBudget();
    endpoint.metrics.protocolError(Transport.HTTP, ErrorReason.OVERSIZE);
    // The rest of the body is not read: close the connection once the answer is out.
    request.response().putHeader(HttpHeaders.CONNECTION, "close");
    respondText(413, "message larger than " + endpoint.limits.maxMessageBytes() + " bytes");
  }

  private void respondText(int status, String text) {
    if (request.response().ended()) {
      return;
    }
    request.response()
        .setStatusCode(status)
        .putHeader(HttpHeaders.CONTENT_TYPE, "text/plain; charset=utf-8")
        .end(text + "\n");
  }

  private void releaseBudget() {
    body = null;
    if (reserved > 0) {
      endpoint.budget.release(reserved);
      reserved = 0;
    }
  }

  private static long parseLength(String text) {
    try {
      return Long.parseLong(text.trim());
    } catch (NumberFormatException e) {
      return -1;
    }
  }
}
