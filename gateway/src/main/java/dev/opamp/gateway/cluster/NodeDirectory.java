package dev.opamp.gateway.cluster;

import com.hazelcast.cluster.Member;
import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import com.hazelcast.partition.Partition;
import dev.opamp.gateway.fleet.FleetStore;
import dev.opamp.gateway.session.Transport;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The cluster's gateway nodes, as they see each other: each publishes what it holds; when a node
 * leaves, the oldest member marks its agents disconnected; when a node joins, the busiest nodes
 * hand over a bounded share of their agents; disconnected agents past retention are forgotten.
 */
public final class NodeDirectory {

  private static final Logger LOG = Logger.getLogger(NodeDirectory.class.getName());
  static final String NODES_MAP = "gateway-nodes";
  private static final long PUBLISH_MILLIS = 2000;
  /** After a join, wait for every node to publish its count before deciding who moves agents. */
  private static final long REBALANCE_DELAY_MILLIS = 2 * PUBLISH_MILLIS + 500;
  /** A node sheds at most this share of its agents per join, so a join never causes a storm. */
  private static final double MAX_SHED_SHARE = 0.25;

  private final Vertx vertx;
  private final HazelcastInstance hazelcast;
  private final LocalNode local;
  private final FleetStore fleet;
  private final Duration retention;
  private final IMap<String, String> nodes;
  private UUID listener;
  private long publishTimer;
  private long retentionTimer;

  public NodeDirectory(Vertx vertx, HazelcastInstance hazelcast, LocalNode local, FleetStore fleet, Duration retention) {
    this.vertx = vertx;
    this.hazelcast = hazelcast;
    this.local = local;
    this.fleet = fleet;
    this.retention = retention;
    this.nodes = hazelcast.getMap(NODES_MAP);
  }

  public void start() {
    publish();
    publishTimer = vertx.setPeriodic(PUBLISH_MILLIS, id -> publish());
    long sweepMillis = Math.max(1000, Math.min(retention.toMillis() / 10, TimeUnit.HOURS.toMillis(1)));
    retentionTimer = vertx.setPeriodic(sweepMillis, id -> expireDisconnected());
    listener = hazelcast.getCluster().addMembershipListener(new MembershipListener() {
      @Override
      public void memberAdded(MembershipEvent event) {
        vertx.setTimer(REBALANCE_DELAY_MILLIS, id -> rebalance());
      }

      @Override
      public void memberRemoved(MembershipEvent event) {
        onNodeLost(event.getMember());
      }
    });
  }

  public void stop() {
    vertx.cancelTimer(publishTimer);
    vertx.cancelTimer(retentionTimer);
    if (listener != null) {
      hazelcast.getCluster().removeMembershipListener(listener);
    }
  }

  /** Every member with what it holds: the body of {@code GET /api/v1/nodes}. */
  public JsonArray describe() {
    Map<String, Integer> partitions = new HashMap<>();
    for (Partition p : hazelcast.getPartitionService().getPartitions()) {
      if (p.getOwner() != null) {
        partitions.merge(Members.nodeOf(p.getOwner()), 1, Integer::sum);
      }
    }
    Map<String, String> published = nodes.getAll(new java.util.HashSet<>(names()));
    JsonArray out = new JsonArray();
    for (Member m : hazelcast.getCluster().getMembers()) {
      String name = Members.nodeOf(m);
      String status = published.get(name);
      JsonObject node = status == null
          ? new JsonObject().put("name", name).put("state", "joining")
              .put("sessions", new JsonObject().put("websocket", 0).put("http", 0))
          : new JsonObject(status);
      node.put("member", m.getAddress().getHost() + ":" + m.getAddress().getPort())
          .put("partitionsOwned", partitions.getOrDefault(name, 0))
          .put("local", m.localMember());
      out.add(node);
    }
    return out;
  }

  private java.util.List<String> names() {
    return hazelcast.getCluster().getMembers().stream().map(Members::nodeOf).toList();
  }

  private void publish() {
    var sessions = local.sessions();
    JsonObject status = new JsonObject()
        .put("name", local.name())
        .put("state", local.state().name().toLowerCase(java.util.Locale.ROOT))
        .put("sessions", new JsonObject()
            .put("websocket", sessions.connected(Transport.WEBSOCKET))
            .put("http", sessions.connected(Transport.HTTP)))
        .put("updatedAt", java.time.Instant.now().toString());
    nodes.setAsync(local.name(), status.encode(), 5 * PUBLISH_MILLIS, TimeUnit.MILLISECONDS);
  }

  private void onNodeLost(Member member) {
    String lost = Members.nodeOf(member);
    if (!Members.localIsOldest(hazelcast)) {
      return;
    }
    nodes.removeAsync(lost);
    reloadDesiredState(lost);
    fleet.disconnectNode(lost, Long.MAX_VALUE).onComplete(r -> {
      if (r.succeeded()) {
        LOG.info(() -> "node " + lost + " left the cluster; " + r.result() + " of its agents marked disconnected");
      } else {
        LOG.log(Level.WARNING, "could not mark the agents of departed node " + lost + " disconnected", r.cause());
      }
    });
  }

  /**
   * Has every durable desired-state map finish loading from the store again. A member that dies
   * may have been the one dispatching a map's keys from the store; the partitions it leaves can
   * then stay "still loading" on the survivors, and every read of the map would wait. Loading
   * again (existing entries kept) lets them finish. On a worker thread: it reads the store.
   */
  private void reloadDesiredState(String lost) {
    vertx.executeBlocking(() -> {
      for (com.hazelcast.core.DistributedObject object : hazelcast.getDistributedObjects()) {
        if (object instanceof com.hazelcast.map.IMap<?, ?> map
            && map.getName().startsWith(dev.opamp.gateway.store.DesiredStateMaps.PREFIX)) {
          map.loadAll(false);
        }
      }
      return null;
    }, false).onFailure(e -> LOG.log(Level.WARNING, "could not reload desired state after node " + lost + " left", e));
  }

  /** A node joined: if this node holds clearly more than its share, it hands some agents over. */
  private void rebalance() {
    if (local.state() != LocalNode.State.ACTIVE) {
      return;
    }
    vertx.executeBlocking(() -> nodes.getAll(new java.util.HashSet<>(names())), false).onSuccess(statuses -> {
      int members = hazelcast.getCluster().getMembers().size();
      long total = 0;
      for (String s : statuses.values()) {
        total += new JsonObject(s).getJsonObject("sessions").getInteger("websocket", 0);
      }
      int mine = local.sessions().connected(Transport.WEBSOCKET);
      long fair = (total + members - 1) / members;
      long slack = Math.max(1, fair / 10);
      if (mine <= fair + slack) {
        return;
      }
      int count = (int) Math.min(mine - fair, (long) Math.ceil(mine * MAX_SHED_SHARE));
      int shed = local.shed(count, "rebalancing: node " + local.name() + " holds more than its share");
      LOG.info(() -> "rebalancing after a join: " + local.name() + " holds " + mine + " of " + statuses.size()
          + " nodes' fair share " + fair + "; asked " + shed + " agents to move");
    });
  }

  private void expireDisconnected() {
    if (!Members.localIsOldest(hazelcast)) {
      return;
    }
    fleet.expireDisconnected(retention).onSuccess(n -> {
      if (n > 0) {
        LOG.info(() -> n + " agents disconnected for longer than " + retention + " were forgotten");
      }
    });
  }
}
