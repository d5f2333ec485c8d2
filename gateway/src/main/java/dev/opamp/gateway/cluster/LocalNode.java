package dev.opamp.gateway.cluster;

import com.google.protobuf.ByteString;
import com.hazelcast.core.HazelcastInstance;
import dev.opamp.gateway.fleet.Hex;
import dev.opamp.gateway.protocol.ServerCapabilitySet;
import dev.opamp.gateway.proto.ServerToAgent;
import dev.opamp.gateway.session.LiveSession;
import dev.opamp.gateway.session.SessionRegistry;
import dev.opamp.gateway.session.Transport;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.logging.Logger;

/**
 * This node as the rest of the cluster reaches it: its sessions, and whether it still takes
 * agents. Tasks routed here from other members find it in the Hazelcast user context.
 */
public final class LocalNode {

  static final String CONTEXT_KEY = "opamp-gateway.local-node";
  private static final Logger LOG = Logger.getLogger(LocalNode.class.getName());
  /** Sessions asked to move per tick while draining: agents leave at a pace the others can absorb. */
  private static final int DRAIN_BATCH = 200;
  private static final long DRAIN_TICK_MILLIS = 100;

  /** What became of a message for one agent. */
  public enum Delivery {
    DELIVERED, NOT_CONNECTED, NOT_CAPABLE, NO_SUCH_AGENT
  }

  /** Whether the node takes new agents. */
  public enum State {
    ACTIVE, DRAINING
  }

  private final String name;
  private final Vertx vertx;
  private final SessionRegistry sessions;
  private volatile State state = State.ACTIVE;

  LocalNode(String name, Vertx vertx, SessionRegistry sessions) {
    this.name = name;
    this.vertx = vertx;
    this.sessions = sessions;
  }

  static LocalNode of(HazelcastInstance hazelcast) {
    LocalNode node = (LocalNode) hazelcast.getUserContext().get(CONTEXT_KEY);
    if (node == null) {
      throw new IllegalStateException("this member is not a gateway node (no " + CONTEXT_KEY + ")");
    }
    return node;
  }

  public String name() {
    return name;
  }

  public State state() {
    return state;
  }

  /** False while draining: the OpAMP endpoint then refuses new agents with a retry hint. */
  public boolean acceptsAgents() {
    return state == State.ACTIVE;
  }

  public SessionRegistry sessions() {
    return sessions;
  }

  /** Sends {@code message} to the agent if this node holds it and it declared every capability in {@code required}. */
  Delivery deliver(String uidKey, ServerToAgent message, long required) {
    LiveSession session = sessions.holder(uidKey);
    if (session == null) {
      return Delivery.NOT_CONNECTED;
    }
    if ((session.agentCapabilities() & required) != required) {
      return Delivery.NOT_CAPABLE;
    }
    // One message may serve many agents (a broadcast): address it to this one.
    session.send(message.toBuilder()
        .setInstanceUid(ByteString.copyFrom(Hex.parse(uidKey)))
        .setCapabilities(ServerCapabilitySet.CURRENT)
        .build());
    return Delivery.DELIVERED;
  }

  /** Ends this node's session for the agent if it is the given (now displaced) epoch. */
  boolean closeStale(String uidKey, long epoch) {
    LiveSession session = sessions.holder(uidKey);
    if (session == null || session.epoch() != epoch) {
      return false;
    }
    session.closeAsStale();
    return true;
  }

  /**
   * Asks up to {@code count} WebSocket agents to move (UNAVAILABLE with a retry hint spread
   * over a few seconds, so they do not all return at once). HTTP agents move by themselves: a
   * load balancer places each poll anew.
   */
  int shed(int count, String reason) {
    int shed = 0;
    for (LiveSession s : sessions.sessions()) {
      if (shed >= count) {
        break;
      }
      if (s.channel().transport() == Transport.WEBSOCKET) {
        s.shed(retryHint(), reason);
        shed++;
      }
    }
    return shed;
  }

  /** Stops taking agents and moves every session away, {@value #DRAIN_BATCH} at a time. */
  int drain() {
    int held = sessions.size();
    if (state == State.DRAINING) {
      return held;
    }
    state = State.DRAINING;
    LOG.info(() -> "node " + name + " draining: moving " + held + " agents to other nodes");
    vertx.setPeriodic(DRAIN_TICK_MILLIS, id -> {
      List<LiveSession> left = sessions.sessions();
      if (left.isEmpty() || state != State.DRAINING) {
        vertx.cancelTimer(id);
        return;
      }
      for (int i = 0; i < left.size() && i < DRAIN_BATCH; i++) {
        left.get(i).shed(retryHint(), "node " + name + " is draining");
      }
    });
    return held;
  }

  /** Takes agents again after a drain. */
  void resume() {
    state = State.ACTIVE;
  }

  private static Duration retryHint() {
    return Duration.ofMillis(1000 + ThreadLocalRandom.current().nextLong(4000));
  }
}
