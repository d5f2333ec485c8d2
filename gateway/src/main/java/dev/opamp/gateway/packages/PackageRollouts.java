package dev.opamp.gateway.packages;

import dev.opamp.gateway.fleet.FleetStore;
import dev.opamp.gateway.fleet.Selector;
import dev.opamp.gateway.fleet.proto.AgentRecord;
import dev.opamp.gateway.packages.proto.PackageAssignment;
import dev.opamp.gateway.packages.proto.PackageVersion;
import dev.opamp.gateway.proto.PackageStatus;
import dev.opamp.gateway.proto.PackageStatusEnum;
import dev.opamp.gateway.remoteconfig.RolloutDriver;
import dev.opamp.gateway.remoteconfig.RolloutRepository;
import dev.opamp.gateway.remoteconfig.RolloutSubject;
import dev.opamp.gateway.remoteconfig.proto.Rollout;
import dev.opamp.gateway.remoteconfig.proto.RolloutStrategy;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.logging.Logger;

/**
 * Staged upgrades: a rollout moves the agents of a package assignment from its deployed set to
 * its staged one, wave by wave, through the same engine as configs. An agent of a wave passes
 * once it reports every package of the new set Installed (for the offer it was given), came back
 * with the top-level package's version as its {@code service.version}, and stays healthy. It fails
 * when it reports InstallFailed, comes back with another version, turns unhealthy, or has not
 * passed {@code deadlineSeconds} after its wave started (for example because it never came back
 * after the restart). On failure the versions are blocked for the failed agents and every touched
 * agent is offered its previous set.
 */
public final class PackageRollouts implements RolloutSubject {

  private static final Logger LOG = Logger.getLogger(PackageRollouts.class.getName());
  private static final String SERVICE_VERSION = "service.version";

  private final Vertx vertx;
  private final PackageRepository packages;
  private final RolloutRepository rollouts;
  private final FleetStore fleet;

  public PackageRollouts(Vertx vertx, PackageRepository packages, RolloutRepository rollouts, FleetStore fleet) {
    this.vertx = vertx;
    this.packages = packages;
    this.rollouts = rollouts;
    this.fleet = fleet;
  }

  /** Starts rolling out the staged set of an assignment ({@code PUT … "deploy": false}). */
  public Future<Rollout> start(String assignment, RolloutStrategy strategy) {
    return vertx.executeBlocking(() -> packages.lockedAssignment(assignment, () -> {
      PackageAssignment a = packages.assignmentNow(assignment);
      if (a == null) {
        throw new RolloutRepository.RefusedException(404, "no such package assignment: " + assignment);
      }
      if (a.getStagedPackagesMap().isEmpty()) {
        throw new RolloutRepository.RefusedException(409, "package assignment " + assignment + " has no staged "
            + "package set; save one with PUT /api/v1/package-assignments/" + assignment + " and \"deploy\": false");
      }
      if (a.getStagedPackagesMap().equals(a.getPackagesMap())) {
        throw new RolloutRepository.RefusedException(409, "the staged set of " + assignment + " is already deployed");
      }
      Rollout rollout = RolloutRepository.startingNow(a.getSelector(), strategy)
          .setPackages(assignment)
          .putAllPackageSet(a.getStagedPackagesMap())
          .putAllPreviousPackageSet(a.getPackagesMap())
          .build();
      return rollouts.createNow(rollout, r -> r.getPackages().equals(assignment));
    }), false);
  }

  @Override
  public boolean owns(Rollout r) {
    return !r.getPackages().isEmpty();
  }

  /**
   * The connected agents matching the assignment's selector that accept packages and that no
   * other assignment of higher priority claims.
   */
  @Override
  public Map<String, AgentRecord> targets(Rollout r) {
    Map<String, AgentRecord> out = RolloutSubject.connectedMatching(fleet, r);
    out.values().removeIf(a -> (a.getCapabilities() & PackageOffer.ACCEPTS_PACKAGES) == 0
        || !(a.getDesiredPackages().getAssignment().isEmpty()
            || a.getDesiredPackages().getAssignment().equals(r.getPackages())));
    return out;
  }

  /** Every touched agent, connected or not: one that never comes back after its restart fails at the deadline. */
  @Override
  public Map<String, AgentRecord> judged(Rollout r, Map<String, AgentRecord> targets, Set<String> touched) {
    return RolloutSubject.touchedOrTargets(fleet, targets, touched);
  }

  @Override
  public boolean offered(AgentRecord a, Rollout r) {
    return a.getDesiredPackages().getRollout().equals(r.getId()) && !a.getDesiredPackages().getRolledBack();
  }

  @Override
  public boolean applied(AgentRecord a, Rollout r) {
    if (!offered(a, r) || !a.getConnection().getConnected() || RolloutDriver.unhealthy(a)
        || !a.getPackageStatuses().getServerProvidedAllPackagesHash()
            .equals(a.getDesiredPackages().getAllPackagesHash())) {
      return false;
    }
    for (Map.Entry<String, String> p : r.getPackageSetMap().entrySet()) {
      PackageStatus s = a.getPackageStatuses().getPackagesMap().get(p.getKey());
      if (s == null || s.getStatus() != PackageStatusEnum.PackageStatusEnum_Installed
          || !p.getValue().equals(s.getAgentHasVersion())) {
        return false;
      }
    }
    String topLevel = topLevelVersion(r);
    return topLevel == null || topLevel.equals(serviceVersion(a));
  }

  @Override
  public boolean failed(AgentRecord a, Rollout r, long waveStartedMillis, long nowMillis) {
    if (a.getDesiredPackages().getRollout().equals(r.getId()) && a.getDesiredPackages().getRolledBack()
        && !"rolled_back".equals(r.getState())) {
      return true; // a version of the set failed on it (it is blocked there) while the rollout decides
    }
    for (Map.Entry<String, String> p : r.getPackageSetMap().entrySet()) {
      PackageStatus s = a.getPackageStatuses().getPackagesMap().get(p.getKey());
      if (s != null && s.getStatus() == PackageStatusEnum.PackageStatusEnum_InstallFailed
          && p.getValue().equals(s.getServerOfferedVersion())) {
        return true;
      }
    }
    String topLevel = topLevelVersion(r);
    boolean cameBack = a.getConnection().getConnected() && a.getConnection().getSinceUnixMs() > waveStartedMillis;
    if (topLevel != null && cameBack && offered(a, r) && installed(a, r) && serviceVersion(a) != null
        && !topLevel.equals(serviceVersion(a))) {
      return true; // it restarted after installing, but runs another version
    }
    return overdue(a, r, waveStartedMillis, nowMillis);
  }

  private static boolean installed(AgentRecord a, Rollout r) {
    return r.getPackageSetMap().entrySet().stream().allMatch(p -> {
      PackageStatus s = a.getPackageStatuses().getPackagesMap().get(p.getKey());
      return s != null && s.getStatus() == PackageStatusEnum.PackageStatusEnum_Installed;
    });
  }

  /** The version of the set's top-level package (the agent itself), or null when the set has none. */
  private String topLevelVersion(Rollout r) {
    for (Map.Entry<String, String> p : r.getPackageSetMap().entrySet()) {
      PackageVersion v = packages.versionNow(p.getKey(), p.getValue());
      if (v != null && !"addon".equals(v.getType())) {
        return p.getValue();
      }
    }
    return null;
  }

  private static String serviceVersion(AgentRecord a) {
    return a.hasDescription() ? Selector.attributesOf(a.getDescription()).get(SERVICE_VERSION) : null;
  }

  @Override
  public void complete(Rollout r) {
    packages.deployNow(r.getPackages(), r.getPackageSetMap());
  }

  @Override
  public void failedOn(Rollout r, Set<String> agents) {
    var versions = r.getPackageSetMap().entrySet().stream()
        .map(p -> PackageRepository.key(p.getKey(), p.getValue())).toList();
    for (String agent : agents) {
      packages.blockNow(agent, versions, "rollout " + r.getId() + " failed on this agent");
    }
    LOG.info(() -> "rollout " + r.getId() + " of " + r.getPackages() + " failed on " + agents.size()
        + " agents; their versions are blocked for them");
  }

  @Override
  public void describe(Rollout r, JsonObject json) {
    json.put("packages", r.getPackages())
        .put("packageSet", new JsonObject(new TreeMap<String, Object>(r.getPackageSetMap())))
        .put("previousPackageSet", new JsonObject(new TreeMap<String, Object>(r.getPreviousPackageSetMap())));
  }
}
