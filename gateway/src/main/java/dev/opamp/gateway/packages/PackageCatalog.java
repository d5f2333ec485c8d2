package dev.opamp.gateway.packages;

import com.google.protobuf.ByteString;
import dev.opamp.gateway.cluster.MapChanges;
import dev.opamp.gateway.fleet.Selector;
import dev.opamp.gateway.packages.proto.DesiredPackage;
import dev.opamp.gateway.packages.proto.DesiredPackages;
import dev.opamp.gateway.packages.proto.PackageAssignment;
import dev.opamp.gateway.packages.proto.PackageVersion;
import com.hazelcast.map.IMap;
import dev.opamp.gateway.fleet.proto.AgentRecord;
import dev.opamp.gateway.remoteconfig.RolloutRepository;
import dev.opamp.gateway.remoteconfig.proto.Rollout;
import java.util.HashSet;
import java.util.Set;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * This node's copy of the package catalog and assignments, kept in step with the cluster: every
 * change reloads it, and a periodic reload catches anything this node missed (level-triggered).
 * It answers, on the event loop and without cluster calls, which packages an agent should have.
 */
public final class PackageCatalog implements PackageChoice {

  private static final Logger LOG = Logger.getLogger(PackageCatalog.class.getName());
  private static final long RECONCILE_MILLIS = 15_000;

  /** An assignment ready to match. */
  private record Assigned(PackageAssignment assignment, Selector selector) {}

  /** The latest rollout of an assignment that still decides sets: who it touched, and how. */
  private record Pin(String rollout, String state, Map<String, String> set, Set<String> touched) {
    boolean pinning() {
      return "running".equals(state) || "paused".equals(state) || "aborted".equals(state);
    }
  }

  private record Loaded(Map<String, PackageVersion> versions, List<Assigned> assigned, Map<String, Pin> pins,
      Map<String, Set<String>> blocks) {}

  /**
   * What an agent should have: {@code desired} as recorded in its record, and the versions to
   * offer ({@code offer} empty when nothing applies or the set cannot be offered).
   */
  public record Resolution(DesiredPackages desired, Map<String, PackageVersion> offer) {
    public static final Resolution NONE = new Resolution(DesiredPackages.getDefaultInstance(), Map.of());
  }

  private final Vertx vertx;
  private final PackageRepository repository;
  private final PackageFiles files;
  private final RolloutRepository rollouts;
  private final List<Runnable> changeListeners = new CopyOnWriteArrayList<>();
  private volatile Loaded loaded = new Loaded(Map.of(), List.of(), Map.of(), Map.of());
  private final List<Runnable> unlisten = new ArrayList<>();
  private long timer;

  public PackageCatalog(Vertx vertx, PackageRepository repository, PackageFiles files, RolloutRepository rollouts) {
    this.vertx = vertx;
    this.repository = repository;
    this.files = files;
    this.rollouts = rollouts;
  }

  public Future<Void> start() {
    for (IMap<String, byte[]> map : List.of(repository.versionsMap(), repository.assignmentsMap(),
        repository.blocksMap(), rollouts.map())) {
      UUID id = map.addEntryListener(new MapChanges<String, byte[]>(this::reload), false);
      unlisten.add(() -> map.removeEntryListener(id));
    }
    // Catches missed events; the config catalog's periodic re-offer covers offers lost on their way.
    timer = vertx.setPeriodic(RECONCILE_MILLIS, id -> reload());
    return reload();
  }

  public void stop() {
    vertx.cancelTimer(timer);
    unlisten.forEach(Runnable::run);
  }

  /** Called (on no particular thread) whenever what agents should have may have changed. */
  public void onChange(Runnable listener) {
    changeListeners.add(listener);
  }

  /** Reloads now; the future completes once this node applies what the cluster holds. */
  public Future<Void> reload() {
    return vertx.executeBlocking(this::loadNow, false).map(next -> {
      boolean changed = !next.equals(loaded);
      loaded = next;
      // Every node keeps every file the gateway serves: pull what was published elsewhere.
      files.prefetch(next.versions().values().stream().filter(v -> v.getUrl().isEmpty())
          .map(v -> dev.opamp.gateway.fleet.Hex.hex(v.getSha256())).distinct().toList());
      if (changed) {
        changeListeners.forEach(Runnable::run);
      }
      return (Void) null;
    }).onFailure(e -> LOG.log(Level.WARNING, "could not load the package catalog", e));
  }

  private Loaded loadNow() {
    Map<String, PackageVersion> versions = new HashMap<>();
    for (PackageVersion v : repository.allVersionsNow()) {
      versions.put(PackageRepository.key(v.getName(), v.getVersion()), v);
    }
    List<Assigned> assigned = new ArrayList<>();
    for (PackageAssignment a : repository.allAssignmentsNow()) {
      assigned.add(new Assigned(a, Selector.parse(a.getSelector())));
    }
    // Highest priority first; among equals, the name decides, so every node picks the same.
    assigned.sort(Comparator.comparingInt((Assigned a) -> -a.assignment().getPriority())
        .thenComparing(a -> a.assignment().getName()));
    Map<String, Pin> pins = new HashMap<>();
    for (Rollout r : rollouts.all()) { // oldest first: the latest rollout of each assignment wins
      if (r.getPackages().isEmpty()) {
        continue;
      }
      Set<String> touched = new HashSet<>();
      r.getWavesList().forEach(w -> touched.addAll(w.getAgentsList()));
      pins.put(r.getPackages(), new Pin(r.getId(), r.getState(), Map.copyOf(r.getPackageSetMap()), Set.copyOf(touched)));
    }
    Map<String, Set<String>> blocks = new HashMap<>();
    repository.allBlocksNow().forEach((agent, b) -> blocks.put(agent, Set.copyOf(b.getVersionsList())));
    return new Loaded(Map.copyOf(versions), List.copyOf(assigned), Map.copyOf(pins), Map.copyOf(blocks));
  }

  /** The version as this node knows it, or null. */
  public PackageVersion version(String name, String version) {
    return loaded.versions().get(PackageRepository.key(name, version));
  }

  /**
   * The package set for an agent: that of the first assignment (by priority) whose selector
   * matches it, or, for an agent a rollout of that assignment touched, the rollout's set while
   * the rollout decides and the assignment's set once it was rolled back. A set naming a version
   * that failed on this agent is not offered (a rollout's set falls back to the assignment's).
   */
  @Override
  public Resolution choose(String agentKey, AgentRecord stored) {
    if (!stored.hasDescription()) {
      return Resolution.NONE;
    }
    Loaded now = loaded;
    Map<String, String> attributes = Selector.attributesOf(stored.getDescription());
    Set<String> blocked = now.blocks().getOrDefault(agentKey, Set.of());
    for (Assigned a : now.assigned()) {
      String name = a.assignment().getName();
      Pin pin = now.pins().get(name);
      boolean touched = pin != null && pin.touched().contains(agentKey);
      if (touched && pin.pinning() && !blocks(blocked, pin.set())) {
        Resolution r = resolve(name, pin.set());
        return new Resolution(r.desired().toBuilder().setRollout(pin.rollout()).build(), r.offer());
      }
      Map<String, String> set = a.assignment().getPackagesMap();
      if (set.isEmpty() || !(touched || a.selector().matches(attributes))) {
        continue;
      }
      DesiredPackages.Builder marks = DesiredPackages.newBuilder();
      if (touched && (pin.pinning() || "rolled_back".equals(pin.state()))) {
        marks.setRollout(pin.rollout()).setRolledBack(true);
      }
      if (blocks(blocked, set)) {
        return new Resolution(marks.setAssignment(name).setError("a version of this set failed on this agent and is "
            + "not offered to it again until an operator clears it (DELETE /api/v1/agents/{uid}/package-blocks)")
            .build(), Map.of());
      }
      Resolution r = resolve(name, set);
      return new Resolution(r.desired().toBuilder().mergeFrom(marks.build()).build(), r.offer());
    }
    return Resolution.NONE;
  }

  private static boolean blocks(Set<String> blocked, Map<String, String> set) {
    if (blocked.isEmpty()) {
      return false;
    }
    for (Map.Entry<String, String> p : set.entrySet()) {
      if (blocked.contains(PackageRepository.key(p.getKey(), p.getValue()))) {
        return true;
      }
    }
    return false;
  }

  /** The package set {@code packages} (name to version) as assignment {@code assignment} offers it. */
  public Resolution resolve(String assignment, Map<String, String> packages) {
    DesiredPackages.Builder desired = DesiredPackages.newBuilder().setAssignment(assignment);
    Map<String, PackageVersion> offer = new TreeMap<>();
    for (Map.Entry<String, String> p : new TreeMap<>(packages).entrySet()) {
      PackageVersion v = version(p.getKey(), p.getValue());
      if (v == null) {
        return new Resolution(desired.clearPackages().setError("package " + p.getKey() + " version " + p.getValue()
            + " is not in the catalog").build(), Map.of());
      }
      offer.put(p.getKey(), v);
      desired.putPackages(p.getKey(), DesiredPackage.newBuilder().setVersion(v.getVersion())
          .setFileHash(v.getSha256()).setHash(packageHash(v)).build());
    }
    return new Resolution(desired.setAllPackagesHash(allPackagesHash(desired.getPackagesMap())).build(), offer);
  }

  /** The package hash the gateway offers: over its name, version, type and file. */
  static ByteString packageHash(PackageVersion v) {
    MessageDigest d = sha256();
    d.update((v.getName() + '\0' + v.getVersion() + '\0' + v.getType() + '\0').getBytes(StandardCharsets.UTF_8));
    d.update(v.getSha256().toByteArray());
    return ByteString.copyFrom(d.digest());
  }

  /** The aggregate hash of a package set: over each name and package hash, in name order. */
  static ByteString allPackagesHash(Map<String, DesiredPackage> packages) {
    MessageDigest d = sha256();
    for (Map.Entry<String, DesiredPackage> p : new TreeMap<>(packages).entrySet()) {
      d.update((p.getKey() + '\0').getBytes(StandardCharsets.UTF_8));
      d.update(p.getValue().getHash().toByteArray());
    }
    return ByteString.copyFrom(d.digest());
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }
}
