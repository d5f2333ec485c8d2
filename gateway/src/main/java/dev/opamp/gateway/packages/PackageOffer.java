package dev.opamp.gateway.packages;

import dev.opamp.gateway.fleet.FleetStore;
import dev.opamp.gateway.fleet.Hex;
import dev.opamp.gateway.fleet.proto.AgentRecord;
import dev.opamp.gateway.metrics.GatewayMetrics;
import dev.opamp.gateway.packages.proto.DesiredPackages;
import dev.opamp.gateway.packages.proto.PackageVersion;
import dev.opamp.gateway.proto.AgentCapabilities;
import dev.opamp.gateway.proto.AgentToServer;
import dev.opamp.gateway.proto.DownloadableFile;
import dev.opamp.gateway.proto.PackageAvailable;
import dev.opamp.gateway.proto.PackageType;
import dev.opamp.gateway.proto.PackagesAvailable;
import dev.opamp.gateway.proto.ServerToAgent;
import dev.opamp.gateway.protocol.AgentOffer;
import dev.opamp.gateway.protocol.HashedOfferSession;
import dev.opamp.gateway.proto.PackageStatus;
import dev.opamp.gateway.proto.PackageStatusEnum;
import dev.opamp.gateway.protocol.InstanceUids;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Offers each agent that declares AcceptsPackages the package set its assignment (or a rollout)
 * chooses, with download URLs made for that agent alone, and records that set in its record. A
 * set is offered once per connection and again on every reconnect until the agent reports, as
 * its {@code server_provided_all_packages_hash}, that it has received it.
 */
public final class PackageOffer implements AgentOffer {

  private static final Logger LOG = Logger.getLogger(PackageOffer.class.getName());
  static final long ACCEPTS_PACKAGES = AgentCapabilities.AgentCapabilities_AcceptsPackages_VALUE;

  private final PackageChoice choice;
  private final FleetStore fleet;
  private final DownloadLinks links;
  private final GatewayMetrics metrics;
  private final PackageRepository repository;

  public PackageOffer(PackageChoice choice, FleetStore fleet, DownloadLinks links, GatewayMetrics metrics,
      PackageRepository repository) {
    this.choice = choice;
    this.fleet = fleet;
    this.links = links;
    this.metrics = metrics;
    this.repository = repository;
  }

  @Override
  public AgentOffer.Session open() {
    return new Session();
  }

  /** Its hashes are all-packages hashes: the agent reports the last one it received. */
  private final class Session extends HashedOfferSession {
    /** Versions this connection already recorded as failed, so a repeated report costs nothing (lazy: rare). */
    private Set<String> blocked;

    @Override
    public void reported(AgentToServer message) {
      if (!message.hasPackageStatuses()) {
        return;
      }
      agentReported(message.getPackageStatuses().getServerProvidedAllPackagesHash());
      List<String> failed = new ArrayList<>();
      String why = "";
      for (Map.Entry<String, PackageStatus> e : message.getPackageStatuses().getPackagesMap().entrySet()) {
        PackageStatus p = e.getValue();
        metrics.packageStatusReported(PackageStates.label(p.getStatus()));
        String version = PackageRepository.key(e.getKey(), p.getServerOfferedVersion());
        if (p.getStatus() == PackageStatusEnum.PackageStatusEnum_InstallFailed && !p.getServerOfferedVersion().isEmpty()
            && blockedHere().add(version)) {
          failed.add(version);
          why = p.getErrorMessage();
        }
      }
      if (!failed.isEmpty()) {
        // A version that failed on an agent is not offered to it again until an operator clears it.
        String key = InstanceUids.key(message.getInstanceUid());
        repository.block(key, failed, "install failed: " + why).onFailure(e ->
            LOG.log(Level.WARNING, "could not record the failed packages of agent " + key + ": " + e));
      }
    }

    private Set<String> blockedHere() {
      if (blocked == null) {
        blocked = new HashSet<>();
      }
      return blocked;
    }

    @Override
    public void offer(Target agent, ServerToAgent.Builder reply) {
      AgentRecord stored = agent.stored();
      if (stored.hasPackageStatuses()) {
        storedReport(stored.getPackageStatuses().getServerProvidedAllPackagesHash());
      }
      boolean accepts = agent.declares(ACCEPTS_PACKAGES);
      PackageCatalog.Resolution resolution = accepts ? choice.choose(agent.key(), stored) : PackageCatalog.Resolution.NONE;
      DesiredPackages desired = resolution.desired();
      if (!desired.equals(stored.getDesiredPackages())) {
        fleet.setDesired(agent.key(), AgentRecord.DESIRED_PACKAGES_FIELD_NUMBER,
            AgentRecord.newBuilder().setDesiredPackages(desired).build()).onFailure(e ->
            LOG.log(Level.WARNING, "could not record the desired packages of agent " + agent.key() + ": " + e));
      }
      if (resolution.offer().isEmpty()) {
        return;
      }
      if (!due(desired.getAllPackagesHash())) {
        return;
      }
      reply.setPackagesAvailable(available(agent.key(), desired, resolution.offer()));
      metrics.packagesOffered();
    }
  }

  private PackagesAvailable available(String agentKey, DesiredPackages desired, Map<String, PackageVersion> versions) {
    PackagesAvailable.Builder out = PackagesAvailable.newBuilder().setAllPackagesHash(desired.getAllPackagesHash());
    for (Map.Entry<String, PackageVersion> e : versions.entrySet()) {
      PackageVersion v = e.getValue();
      String hex = Hex.hex(v.getSha256());
      out.putPackages(e.getKey(), PackageAvailable.newBuilder()
          .setType("addon".equals(v.getType()) ? PackageType.PackageType_Addon : PackageType.PackageType_TopLevel)
          .setVersion(v.getVersion())
          .setFile(DownloadableFile.newBuilder()
              .setDownloadUrl(v.getUrl().isEmpty() ? links.url(agentKey, hex) : v.getUrl())
              .setContentHash(v.getSha256())
              .setSignature(v.getSignature()))
          .setHash(desired.getPackagesMap().get(e.getKey()).getHash())
          .build());
    }
    return out.build();
  }
}
