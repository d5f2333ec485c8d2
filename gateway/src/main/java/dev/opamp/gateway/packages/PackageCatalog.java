package dev.opamp.gateway.packages;

import com.google.protobuf.ByteString;
import com.hazelcast.core.EntryEvent;
import com.hazelcast.map.listener.EntryAddedListener;
import com.hazelcast.map.listener.EntryRemovedListener;
import com.hazelcast.map.listener.EntryUpdatedListener;
import dev.opamp.gateway.fleet.Selector;
import dev.opamp.gateway.packages.proto.DesiredPackage;
import dev.opamp.gateway.packages.proto.DesiredPackages;
import dev.opamp.gateway.packages.proto.PackageAssignment;
import dev.opamp.gateway.packages.proto.PackageVersion;
import dev.opamp.gateway.proto.AgentDescription;
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
  private final List<Runnable> changeListeners = new CopyOnWriteArrayList<>();
  private volatile List<Assigned> assigned = List.of();
  private volatile Map<String, PackageVersion> versions = Map.of();
  private UUID versionListener;
  private UUID assignmentListener;
  private long timer;

  public PackageCatalog(Vertx vertx, PackageRepository repository, PackageFiles files) {
    this.vertx = vertx;
    this.repository = repository;
    this.files = files;
  }

  public Future<Void> start() {
    versionListener = repository.versionsMap().addEntryListener(new Reload(), false);
    assignmentListener = repository.assignmentsMap().addEntryListener(new Reload(), false);
    timer = vertx.setPeriodic(RECONCILE_MILLIS, id -> load(true));
    return reload();
  }

  public void stop() {
    vertx.cancelTimer(timer);
    if (versionListener != null) {
      repository.versionsMap().removeEntryListener(versionListener);
      repository.assignmentsMap().removeEntryListener(assignmentListener);
    }
  }

  /** Called (on no particular thread) whenever what agents should have may have changed. */
  public void onChange(Runnable listener) {
    changeListeners.add(listener);
  }

  /** Reloads now; the future completes once this node applies what the cluster holds. */
  public Future<Void> reload() {
    return load(false);
  }

  private Future<Void> load(boolean notifyAnyway) {
    return vertx.executeBlocking(() -> {
      Map<String, PackageVersion> nextVersions = new HashMap<>();
      for (PackageVersion v : repository.allVersionsNow()) {
        nextVersions.put(PackageRepository.key(v.getName(), v.getVersion()), v);
      }
      List<Assigned> nextAssigned = new ArrayList<>();
      for (PackageAssignment a : repository.allAssignmentsNow()) {
        nextAssigned.add(new Assigned(a, Selector.parse(a.getSelector())));
      }
      // Highest priority first; among equals, the name decides, so every node picks the same.
      nextAssigned.sort(Comparator.comparingInt((Assigned a) -> -a.assignment().getPriority())
          .thenComparing(a -> a.assignment().getName()));
      return new Object[] {nextVersions, nextAssigned};
    }, false).map(loaded -> {
      @SuppressWarnings("unchecked") Map<String, PackageVersion> nextVersions = (Map<String, PackageVersion>) loaded[0];
      @SuppressWarnings("unchecked") List<Assigned> nextAssigned = (List<Assigned>) loaded[1];
      boolean changed = !nextVersions.equals(versions) || !nextAssigned.equals(assigned);
      versions = Map.copyOf(nextVersions);
      assigned = List.copyOf(nextAssigned);
      // Every node keeps every file the gateway serves: pull what was published elsewhere.
      files.prefetch(versions.values().stream().filter(v -> v.getUrl().isEmpty())
          .map(v -> dev.opamp.gateway.fleet.Hex.hex(v.getSha256())).distinct().toList());
      if (changed || notifyAnyway) {
        changeListeners.forEach(Runnable::run);
      }
      return (Void) null;
    }).onFailure(e -> LOG.log(Level.WARNING, "could not load the package catalog", e));
  }

  /** The version as this node knows it, or null. */
  public PackageVersion version(String name, String version) {
    return versions.get(PackageRepository.key(name, version));
  }

  @Override
  public Resolution choose(String agentKey, dev.opamp.gateway.fleet.proto.AgentRecord stored) {
    return resolve(stored.hasDescription() ? stored.getDescription() : null);
  }

  /** The package set for an agent with this description: the first matching assignment's. */
  public Resolution resolve(AgentDescription description) {
    if (description == null) {
      return Resolution.NONE;
    }
    Map<String, String> attributes = Selector.attributesOf(description);
    for (Assigned a : assigned) {
      if (a.selector().matches(attributes)) {
        return resolve(a.assignment().getName(), a.assignment().getPackagesMap());
      }
    }
    return Resolution.NONE;
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

  private final class Reload implements EntryAddedListener<String, byte[]>, EntryUpdatedListener<String, byte[]>,
      EntryRemovedListener<String, byte[]> {
    @Override
    public void entryAdded(EntryEvent<String, byte[]> event) {
      reload();
    }

    @Override
    public void entryUpdated(EntryEvent<String, byte[]> event) {
      reload();
    }

    @Override
    public void entryRemoved(EntryEvent<String, byte[]> event) {
      reload();
    }
  }
}
