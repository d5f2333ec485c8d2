package dev.opamp.gateway.packages;

import com.google.protobuf.InvalidProtocolBufferException;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import dev.opamp.gateway.packages.proto.PackageAssignment;
import dev.opamp.gateway.packages.proto.PackageBlocks;
import dev.opamp.gateway.packages.proto.PackageVersion;
import dev.opamp.gateway.remoteconfig.RolloutRepository;
import dev.opamp.gateway.remoteconfig.proto.Rollout;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * The package catalog and the package assignments, in the cluster's desired-state maps (durable):
 * a {@link PackageVersion} per {@code name@version}, a {@link PackageAssignment} per name.
 * Blocking cluster calls run on worker threads.
 */
public final class PackageRepository {

  public static final String VERSIONS_MAP = "desired-packages";
  public static final String ASSIGNMENTS_MAP = "desired-package-assignments";
  /** Versions that failed on an agent, by fleet key: not offered to it again until cleared. */
  public static final String BLOCKS_MAP = "desired-package-blocks";

  private final Vertx vertx;
  private final IMap<String, byte[]> versions;
  private final IMap<String, byte[]> assignments;
  private final IMap<String, byte[]> blocks;
  private final RolloutRepository rollouts;

  public PackageRepository(Vertx vertx, HazelcastInstance hazelcast, RolloutRepository rollouts) {
    this.vertx = vertx;
    this.rollouts = rollouts;
    this.versions = hazelcast.getMap(VERSIONS_MAP);
    this.assignments = hazelcast.getMap(ASSIGNMENTS_MAP);
    this.blocks = hazelcast.getMap(BLOCKS_MAP);
  }

  IMap<String, byte[]> blocksMap() {
    return blocks;
  }

  IMap<String, byte[]> versionsMap() {
    return versions;
  }

  IMap<String, byte[]> assignmentsMap() {
    return assignments;
  }

  /** Why a change was refused; the API answers it with {@code status}. */
  public static final class RefusedException extends RuntimeException {
    public final int status;

    RefusedException(int status, String message) {
      super(message, null, false, false);
      this.status = status;
    }
  }

  static String key(String name, String version) {
    return name + "@" + version;
  }

  /** Publishes a version; refused with 409 if that version exists (versions are immutable). */
  public Future<PackageVersion> publish(PackageVersion version) {
    return vertx.executeBlocking(() -> publishNow(version), false);
  }

  /** Blocking: {@link #publish} for callers on a worker thread. */
  public PackageVersion publishNow(PackageVersion version) {
    byte[] before = versions.putIfAbsent(key(version.getName(), version.getVersion()), version.toByteArray());
    if (before != null) {
      throw new RefusedException(409, "package " + version.getName() + " already has version " + version.getVersion()
          + " (versions are immutable: publish a new version)");
    }
    return version;
  }

  /** Blocking: whether a version exists. */
  public boolean existsNow(String name, String version) {
    return versions.containsKey(key(name, version));
  }

  /** Every version of every package, by name then version. */
  public Future<List<PackageVersion>> versions() {
    return vertx.executeBlocking(this::allVersionsNow, false);
  }

  List<PackageVersion> allVersionsNow() {
    List<PackageVersion> out = new ArrayList<>();
    for (byte[] bytes : versions.values()) {
      out.add(parseVersion(bytes));
    }
    out.sort(Comparator.comparing(PackageVersion::getName).thenComparingLong(PackageVersion::getCreatedUnixMs)
        .thenComparing(PackageVersion::getVersion));
    return out;
  }

  PackageVersion versionNow(String name, String version) {
    byte[] bytes = versions.get(key(name, version));
    return bytes == null ? null : parseVersion(bytes);
  }

  /**
   * Deletes a version unless an assignment or a rollout that still decides offers it (409);
   * answers the deleted version, or null if there was none. Its file stays in the nodes' stores
   * (files are not removed yet; see the README's known limits).
   */
  public Future<PackageVersion> delete(String name, String version) {
    return vertx.executeBlocking(() -> {
      String key = key(name, version);
      versions.lock(key);
      try {
        PackageVersion v = versionNow(name, version);
        if (v == null) {
          return null;
        }
        for (PackageAssignment a : allAssignmentsNow()) {
          if (version.equals(a.getPackagesMap().get(name)) || version.equals(a.getStagedPackagesMap().get(name))) {
            throw new RefusedException(409, "package assignment " + a.getName() + " offers " + name + " "
                + version + "; change or delete the assignment first");
          }
        }
        for (Rollout r : rollouts.all()) {
          boolean decides = r.getState().equals("running") || r.getState().equals("paused")
              || r.getState().equals("aborted");
          if (decides && (version.equals(r.getPackageSetMap().get(name))
              || version.equals(r.getPreviousPackageSetMap().get(name)))) {
            throw new RefusedException(409, "rollout " + r.getId() + " (" + r.getState() + ") offers " + name + " "
                + version);
          }
        }
        versions.delete(key);
        return v;
      } finally {
        versions.unlock(key);
      }
    }, false);
  }

  /**
   * Sets an assignment; every version it names must be in the catalog (404 otherwise). With
   * {@code deploy} false the package set is only staged (for a rollout) and the agents keep
   * the set the assignment had.
   */
  public Future<PackageAssignment> assign(PackageAssignment given, boolean deploy) {
    return vertx.executeBlocking(() -> {
      for (Map.Entry<String, String> p : given.getPackagesMap().entrySet()) {
        if (!existsNow(p.getKey(), p.getValue())) {
          throw new RefusedException(404, "no package " + p.getKey() + " version " + p.getValue() + " in the catalog");
        }
      }
      assignments.lock(given.getName());
      try {
        PackageAssignment before = assignmentNow(given.getName());
        PackageAssignment stored = deploy ? given : given.toBuilder()
            .clearPackages().putAllPackages(before == null ? Map.of() : before.getPackagesMap())
            .clearStagedPackages().putAllStagedPackages(given.getPackagesMap()).build();
        assignments.set(given.getName(), stored.toByteArray());
        return stored;
      } finally {
        assignments.unlock(given.getName());
      }
    }, false);
  }

  /** Blocking: makes {@code packages} the assignment's deployed set (a rollout completed). */
  void deployNow(String name, Map<String, String> packages) {
    assignments.lock(name);
    try {
      PackageAssignment a = assignmentNow(name);
      if (a != null) {
        PackageAssignment.Builder b = a.toBuilder().clearPackages().putAllPackages(packages)
            .setUpdatedUnixMs(System.currentTimeMillis());
        if (a.getStagedPackagesMap().equals(packages)) {
          b.clearStagedPackages();
        }
        assignments.set(name, b.build().toByteArray());
      }
    } finally {
      assignments.unlock(name);
    }
  }

  /** Blocking: runs {@code work} holding the cluster-wide lock of an assignment. */
  <T> T lockedAssignment(String name, java.util.concurrent.Callable<T> work) throws Exception {
    assignments.lock(name);
    try {
      return work.call();
    } finally {
      assignments.unlock(name);
    }
  }

  /** Blocking: keeps these versions ({@code name@version}) from being offered to the agent again. */
  void blockNow(String agentKey, java.util.Collection<String> versions, String reason) {
    blocks.lock(agentKey);
    try {
      byte[] bytes = blocks.get(agentKey);
      PackageBlocks before = bytes == null ? PackageBlocks.getDefaultInstance() : parseBlocks(bytes);
      java.util.Set<String> all = new java.util.TreeSet<>(before.getVersionsList());
      if (all.addAll(versions)) {
        blocks.set(agentKey, PackageBlocks.newBuilder().addAllVersions(all).setReason(reason)
            .setUpdatedUnixMs(System.currentTimeMillis()).build().toByteArray());
      }
    } finally {
      blocks.unlock(agentKey);
    }
  }

  public Future<Void> block(String agentKey, java.util.Collection<String> versions, String reason) {
    return vertx.executeBlocking(() -> {
      blockNow(agentKey, versions, reason);
      return null;
    }, false);
  }

  /** The versions blocked for an agent; null when none. */
  public Future<PackageBlocks> blocks(String agentKey) {
    return vertx.executeBlocking(() -> {
      byte[] bytes = blocks.get(agentKey);
      return bytes == null ? null : parseBlocks(bytes);
    }, false);
  }

  /** Lets the agent be offered every version again (an operator's decision); whether it had blocks. */
  public Future<Boolean> clearBlocks(String agentKey) {
    return vertx.executeBlocking(() -> blocks.remove(agentKey) != null, false);
  }

  Map<String, PackageBlocks> allBlocksNow() {
    Map<String, PackageBlocks> out = new java.util.HashMap<>();
    for (Map.Entry<String, byte[]> e : blocks.entrySet()) {
      out.put(e.getKey(), parseBlocks(e.getValue()));
    }
    return out;
  }

  static PackageBlocks parseBlocks(byte[] bytes) {
    try {
      return PackageBlocks.parseFrom(bytes);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("corrupt package blocks", e);
    }
  }

  public Future<PackageAssignment> assignment(String name) {
    return vertx.executeBlocking(() -> assignmentNow(name), false);
  }

  public PackageAssignment assignmentNow(String name) {
    byte[] bytes = assignments.get(name);
    return bytes == null ? null : parseAssignment(bytes);
  }

  public Future<List<PackageAssignment>> assignments() {
    return vertx.executeBlocking(this::allAssignmentsNow, false);
  }

  List<PackageAssignment> allAssignmentsNow() {
    List<PackageAssignment> out = new ArrayList<>();
    for (byte[] bytes : assignments.values()) {
      out.add(parseAssignment(bytes));
    }
    out.sort(Comparator.comparing(PackageAssignment::getName));
    return out;
  }

  /** Removes an assignment; answers whether it existed. */
  public Future<Boolean> unassign(String name) {
    return vertx.executeBlocking(() -> assignments.remove(name) != null, false);
  }

  static PackageVersion parseVersion(byte[] bytes) {
    try {
      return PackageVersion.parseFrom(bytes);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("corrupt package version", e);
    }
  }

  static PackageAssignment parseAssignment(byte[] bytes) {
    try {
      return PackageAssignment.parseFrom(bytes);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("corrupt package assignment", e);
    }
  }
}
