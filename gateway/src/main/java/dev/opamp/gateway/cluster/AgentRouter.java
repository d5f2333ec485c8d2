package dev.opamp.gateway.cluster;

import com.hazelcast.cluster.Member;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.IExecutorService;
import com.hazelcast.query.Predicate;
import com.hazelcast.query.Predicates;
import com.hazelcast.topic.ITopic;
import dev.opamp.gateway.fleet.FleetStore;
import dev.opamp.gateway.fleet.HazelcastFutures;
import dev.opamp.gateway.fleet.HeldByNode;
import dev.opamp.gateway.fleet.ReportOutcome;
import dev.opamp.gateway.fleet.proto.AgentRecord;
import dev.opamp.gateway.proto.ServerToAgent;
import dev.opamp.gateway.protocol.StaleSessions;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.Serializable;
import java.util.concurrent.CompletionStage;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Reaches agents wherever they are connected: a message for one agent goes to the one node that
 * holds its session (found from its record); a message for many agents is published once to
 * every node, and each node delivers it to the sessions it holds.
 */
public final class AgentRouter implements StaleSessions {

  private static final Logger LOG = Logger.getLogger(AgentRouter.class.getName());
  static final String EXECUTOR = "opamp-gateway-routing";
  static final String BROADCAST_TOPIC = "opamp-gateway-broadcast";

  /** Where a message for one agent went. */
  public record Routed(LocalNode.Delivery delivery, String node) {}

  private final Vertx vertx;
  private final HazelcastInstance hazelcast;
  private final LocalNode local;
  private final FleetStore fleet;
  private final IExecutorService executor;
  private final ITopic<Broadcast> broadcasts;

  public AgentRouter(Vertx vertx, HazelcastInstance hazelcast, LocalNode local, FleetStore fleet) {
    this.vertx = vertx;
    this.hazelcast = hazelcast;
    this.local = local;
    this.fleet = fleet;
    this.executor = hazelcast.getExecutorService(EXECUTOR);
    this.broadcasts = hazelcast.getTopic(BROADCAST_TOPIC);
    broadcasts.addMessageListener(m -> deliverLocally(m.getMessageObject()));
  }

  /** Delivers {@code message} to one agent if it is connected and declared {@code requiredCapabilities}. */
  public Future<Routed> deliver(String uidKey, ServerToAgent message, long requiredCapabilities) {
    return fleet.get(uidKey).compose(record -> {
      if (record == null) {
        return Future.succeededFuture(new Routed(LocalNode.Delivery.NO_SUCH_AGENT, null));
      }
      if (!record.getConnection().getConnected()) {
        return Future.succeededFuture(new Routed(LocalNode.Delivery.NOT_CONNECTED, null));
      }
      String node = record.getConnection().getNode();
      return onNode(node, new RoutedTasks.Deliver(uidKey, message, requiredCapabilities))
          .map(d -> new Routed(d == null ? LocalNode.Delivery.NOT_CONNECTED : d, node));
    });
  }

  /**
   * Publishes one message for every connected agent matching {@code selector} (and the
   * capabilities); each node delivers it to its own sessions. Never one cluster message per agent.
   */
  public void broadcast(Predicate<String, AgentRecord> selector, ServerToAgent message, long requiredCapabilities) {
    broadcasts.publishAsync(new Broadcast(selector, message.toByteArray(), requiredCapabilities));
  }

  @Override
  public void close(ReportOutcome.Holder displaced, String uidKey) {
    onNode(displaced.node(), new RoutedTasks.CloseStale(uidKey, displaced.epoch())).onFailure(e ->
        LOG.log(Level.FINE, "stale session of " + uidKey + " on " + displaced.node() + " not closed", e));
  }

  public Future<Integer> drain(String node) {
    return onNode(node, new RoutedTasks.Drain());
  }

  public Future<Integer> resume(String node) {
    return onNode(node, new RoutedTasks.Resume());
  }

  /** Runs {@code task} on the member named {@code node}; null if no such member is in the cluster. */
  @SuppressWarnings("unchecked")
  <T> Future<T> onNode(String node, RoutedTasks.OnNode<T> task) {
    if (node.equals(local.name())) {
      return Future.succeededFuture(task.run(local)); // local tasks only hand work to event loops
    }
    Member member = Members.named(hazelcast, node);
    if (member == null) {
      return Future.succeededFuture(null);
    }
    // Hazelcast's executor futures are completion stages.
    CompletionStage<T> answer = (CompletionStage<T>) executor.submitToMember(task, member);
    return HazelcastFutures.onContext(vertx.getOrCreateContext(), answer);
  }

  private void deliverLocally(Broadcast b) {
    Predicate<String, AgentRecord> mine = Predicates.<String, AgentRecord>and(b.selector, new HeldByNode(local.name()));
    fleet.keys(mine).onSuccess(keys -> {
      ServerToAgent message = b.message();
      for (String key : keys) {
        local.deliver(key, message, b.requiredCapabilities);
      }
    }).onFailure(e -> LOG.log(Level.WARNING, "broadcast not delivered on " + local.name(), e));
  }

  /** One message for many agents, as published on the broadcast topic. */
  record Broadcast(Predicate<String, AgentRecord> selector, byte[] payload, long requiredCapabilities)
      implements Serializable {
    ServerToAgent message() {
      try {
        return ServerToAgent.parseFrom(payload);
      } catch (com.google.protobuf.InvalidProtocolBufferException e) {
        throw new IllegalStateException("corrupt broadcast", e);
      }
    }
  }
}
