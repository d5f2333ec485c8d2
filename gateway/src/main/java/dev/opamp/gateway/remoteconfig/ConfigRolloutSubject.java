package dev.opamp.gateway.remoteconfig;

import dev.opamp.gateway.fleet.FleetStore;
import dev.opamp.gateway.fleet.proto.AgentRecord;
import dev.opamp.gateway.proto.RemoteConfigStatuses;
import dev.opamp.gateway.remoteconfig.proto.Rollout;
import io.vertx.core.json.JsonObject;
import java.util.Map;

/** Rollouts of a config version: agents apply it (APPLIED with its hash) or report it FAILED. */
public final class ConfigRolloutSubject implements RolloutSubject {

  private final ConfigRepository configs;
  private final FleetStore fleet;

  public ConfigRolloutSubject(ConfigRepository configs, FleetStore fleet) {
    this.configs = configs;
    this.fleet = fleet;
  }

  @Override
  public boolean owns(Rollout r) {
    return !r.getConfig().isEmpty();
  }

  /**
   * The connected agents matching the new version's selector and not won by another config of
   * higher priority.
   */
  @Override
  public Map<String, AgentRecord> targets(Rollout r) {
    Map<String, AgentRecord> out = RolloutSubject.connectedMatching(fleet, r);
    out.values().removeIf(a -> !(a.getDesiredConfig().getName().isEmpty()
        || a.getDesiredConfig().getName().equals(r.getConfig())));
    return out;
  }

  @Override
  public boolean offered(AgentRecord a, Rollout r) {
    return a.getDesiredConfig().getVersion() == r.getVersion();
  }

  @Override
  public boolean applied(AgentRecord a, Rollout r) {
    return a.getDesiredConfig().getVersion() == r.getVersion()
        && a.getRemoteConfigStatus().getStatus() == RemoteConfigStatuses.RemoteConfigStatuses_APPLIED
        && a.getRemoteConfigStatus().getLastRemoteConfigHash().equals(a.getDesiredConfig().getHash())
        && !RolloutDriver.unhealthy(a);
  }

  @Override
  public boolean failed(AgentRecord a, Rollout r, long waveStartedMillis, long nowMillis) {
    return a.getDesiredConfig().getVersion() == r.getVersion()
        && a.getRemoteConfigStatus().getStatus() == RemoteConfigStatuses.RemoteConfigStatuses_FAILED
        && a.getRemoteConfigStatus().getLastRemoteConfigHash().equals(a.getDesiredConfig().getHash());
  }

  @Override
  public void complete(Rollout r) {
    configs.headsMap().executeOnKey(r.getConfig(), new HeadChange.Activate(r.getVersion()));
  }

  @Override
  public void describe(Rollout r, JsonObject json) {
    json.put("config", r.getConfig())
        .put("version", r.getVersion())
        .put("previousVersion", r.getPreviousVersion() == 0 ? null : r.getPreviousVersion());
  }
}
