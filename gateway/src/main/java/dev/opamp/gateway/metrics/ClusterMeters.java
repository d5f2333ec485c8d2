package dev.opamp.gateway.metrics;

import static dev.opamp.gateway.metrics.GatewayMetrics.CLUSTER_MEMBERS;
import static dev.opamp.gateway.metrics.GatewayMetrics.CLUSTER_MIGRATIONS;
import static dev.opamp.gateway.metrics.GatewayMetrics.CLUSTER_OWNED_ENTRIES;
import static dev.opamp.gateway.metrics.GatewayMetrics.CLUSTER_PARTITIONS_OWNED;

import com.hazelcast.cluster.Member;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.partition.MigrationListener;
import com.hazelcast.partition.MigrationState;
import com.hazelcast.partition.Partition;
import com.hazelcast.partition.ReplicaMigrationEvent;
import dev.opamp.gateway.fleet.FleetStore;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.List;
import java.util.UUID;

/**
 * The cluster as this member sees it: members, partitions it owns, entries it owns per map (all
 * read from the member's local view when scraped), and replica migrations that landed here.
 */
final class ClusterMeters {

  /** Maps whose owned entries are exported; a fixed list, so the {@code map} tag stays bounded. */
  static final List<String> MAPS = List.of(FleetStore.AGENTS_MAP, FleetStore.CONFIG_BLOBS_MAP);

  private final HazelcastInstance hazelcast;

  ClusterMeters(HazelcastInstance hazelcast) {
    this.hazelcast = hazelcast;
  }

  /** Registers the meters and the migration listener; closing the result removes the listener. */
  AutoCloseable bindTo(MeterRegistry registry) {
    GatewayMetrics.gauge(registry, CLUSTER_MEMBERS, "Members of the cluster this node sees, itself included",
        this, ClusterMeters::members);
    GatewayMetrics.gauge(registry, CLUSTER_PARTITIONS_OWNED, "Partitions whose primary replica this node owns",
        this, ClusterMeters::partitionsOwned);
    for (String map : MAPS) {
      GatewayMetrics.gauge(registry, CLUSTER_OWNED_ENTRIES, "Map entries whose primary replica this node owns",
          this, m -> m.ownedEntries(map), "map", map);
    }
    Counter completed = migrations(registry, "completed");
    Counter failed = migrations(registry, "failed");
    UUID local = hazelcast.getCluster().getLocalMember().getUuid();
    UUID registration = hazelcast.getPartitionService().addMigrationListener(new MigrationListener() {
      @Override
      public void migrationStarted(MigrationState state) {
      }

      @Override
      public void migrationFinished(MigrationState state) {
      }

      @Override
      public void replicaMigrationCompleted(ReplicaMigrationEvent event) {
        if (landsOn(local, event)) {
          completed.increment();
        }
      }

      @Override
      public void replicaMigrationFailed(ReplicaMigrationEvent event) {
        if (landsOn(local, event)) {
          failed.increment();
        }
      }
    });
    return () -> {
      if (running()) {
        hazelcast.getPartitionService().removeMigrationListener(registration);
      }
    };
  }

  /**
   * Every member's listener hears every migration of the cluster; each counts only those whose
   * destination it is, so a sum over nodes counts each migration once.
   */
  private static boolean landsOn(UUID local, ReplicaMigrationEvent event) {
    Member destination = event.getDestination();
    return destination != null && local.equals(destination.getUuid());
  }

  private static Counter migrations(MeterRegistry registry, String outcome) {
    return Counter.builder(CLUSTER_MIGRATIONS)
        .description("Partition replica migrations to this node")
        .tag("outcome", outcome)
        .register(registry);
  }

  private boolean running() {
    return hazelcast.getLifecycleService().isRunning();
  }

  private double members() {
    return running() ? hazelcast.getCluster().getMembers().size() : Double.NaN;
  }

  private double partitionsOwned() {
    if (!running()) {
      return Double.NaN;
    }
    UUID local = hazelcast.getCluster().getLocalMember().getUuid();
    int owned = 0;
    for (Partition p : hazelcast.getPartitionService().getPartitions()) {
      Member owner = p.getOwner();
      if (owner != null && local.equals(owner.getUuid())) {
        owned++;
      }
    }
    return owned;
  }

  private double ownedEntries(String map) {
    return running() ? hazelcast.getMap(map).getLocalMapStats().getOwnedEntryCount() : Double.NaN;
  }
}
