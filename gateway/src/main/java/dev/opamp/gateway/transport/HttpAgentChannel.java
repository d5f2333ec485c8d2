package dev.opamp.gateway.transport;

import dev.opamp.gateway.proto.ServerToAgent;
import dev.opamp.gateway.session.AgentConnectionHandler;
import dev.opamp.gateway.session.Transport;
import dev.opamp.gateway.proto.AgentToServer;
import io.vertx.core.Context;
import io.vertx.core.Future;
import java.security.cert.X509Certificate;
import java.util.ArrayDeque;
import java.util.Iterator;

/**
 * One agent that speaks plain HTTP: a logical connection spanning its polls. Messages the server
 * initiates wait here for the next poll. Confined to the context of the agent's first request.
 */
final class HttpAgentChannel extends AgentChannelBase {

  /** Server-initiated messages kept for one agent between polls; older ones are dropped first. */
  private static final int MAX_WAITING = 16;

  private final HttpAgentChannels table;
  private final AgentConnectionHandler handler;
  private ArrayDeque<ServerToAgent> waiting;
  private Future<?> tail = Future.succeededFuture();
  private volatile long lastPollNanos = System.nanoTime();
  private volatile String key;
  private boolean closed;

  HttpAgentChannel(EndpointContext endpoint, Context context, String remoteAddress) {
    super(Transport.HTTP, context, remoteAddress);
    this.table = endpoint.httpChannels;
    this.handler = endpoint.acceptor.open(this);
  }

  @Override
  public boolean push(ServerToAgent message) {
    if (closed) {
      return false;
    }
    if (waiting == null) {
      waiting = new ArrayDeque<>(2);
    }
    boolean dropped = waiting.size() >= MAX_WAITING;
    if (dropped) {
      waiting.poll();
    }
    waiting.add(message);
    return !dropped;
  }

  @Override
  public void close(short code, String reason) {
    if (closed) {
      return;
    }
    closed = true;
    table.remove(this);
    handler.onClose();
  }

  /**
   * Hands a message to the protocol after the previous one is answered: the transport's ordering
   * promise holds even for an agent that sends several requests at once.
   */
  Future<ServerToAgent> submit(AgentToServer message, X509Certificate peer) {
    Future<ServerToAgent> answer = tail.transform(previous -> {
      if (closed) {
        // Closed while this poll was on its way (expired, or refused): the agent retries.
        return Future.failedFuture(new IllegalStateException("the HTTP session ended"));
      }
      peerCertificate(peer); // this poll's, whatever an earlier one presented
      return handler.onMessage(message);
    });
    tail = answer;
    return answer;
  }

  ServerToAgent onReadError(String reason) {
    return handler.onReadError(reason);
  }

  boolean isClosed() {
    return closed;
  }

  /**
   * Folds the messages waiting for this poll into its reply (later wins; flags accumulate). A
   * command must travel alone, so it is sent on a poll whose own reply has nothing to say, and
   * waits for the next poll otherwise.
   */
  ServerToAgent withWaiting(ServerToAgent reply) {
    if (waiting == null || waiting.isEmpty()) {
      return reply;
    }
    boolean replyIsPlain = reply.getFlags() == 0 && !reply.hasAgentIdentification() && !reply.hasErrorResponse();
    ServerToAgent command = null;
    ServerToAgent.Builder merged = ServerToAgent.newBuilder();
    long flags = 0;
    for (Iterator<ServerToAgent> it = waiting.iterator(); it.hasNext(); ) {
      ServerToAgent m = it.next();
      if (m.hasCommand()) {
        if (command == null && replyIsPlain) {
          command = m;
          it.remove();
        }
        continue;
      }
      merged.mergeFrom(m);
      flags |= m.getFlags();
      it.remove();
    }
    if (command != null) {
      // Everything else that waited is kept for the next poll.
      ServerToAgent rest = merged.setFlags(flags).build();
      if (!rest.equals(ServerToAgent.getDefaultInstance())) {
        waiting.addFirst(rest);
      }
      return command.toBuilder().setInstanceUid(reply.getInstanceUid()).build();
    }
    merged.mergeFrom(reply);
    return merged.setFlags(flags | reply.getFlags()).build();
  }

  void polled() {
    lastPollNanos = System.nanoTime();
  }

  long lastPollNanos() {
    return lastPollNanos;
  }

  String key() {
    return key;
  }

  void key(String key) {
    this.key = key;
  }
}
