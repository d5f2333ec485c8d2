package dev.opamp.gateway.credentials;

import dev.opamp.gateway.credentials.proto.ConnectionSettingsDefinition;
import dev.opamp.gateway.fleet.FleetStore;
import dev.opamp.gateway.fleet.proto.AgentRecord;
import dev.opamp.gateway.fleet.proto.DesiredConnectionSettings;
import dev.opamp.gateway.proto.ConnectionSettingsStatus;
import dev.opamp.gateway.proto.ConnectionSettingsStatuses;
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

/**
 * Staged changes of a connection-settings definition ({@code PUT … "deploy": false}) rolled out
 * wave by wave through the same engine as configs and packages. A touched agent is offered the
 * staged settings (the offer resolves it through {@link ConnectionSettingsCatalog}); it passes
 * once it reports them APPLIED and stays healthy, and fails when it reports them FAILED, turns
 * unhealthy, or has not applied them {@code deadlineSeconds} after its wave started (new
 * settings may take it away, e.g. to another OpAMP endpoint it cannot reach). Completion deploys
 * the staged settings; a rollback offers the touched agents the deployed ones again.
 */
public final class ConnectionSettingsRollouts implements RolloutSubject {

  private final Vertx vertx;
  private final ConnectionSettingsCatalog catalog;
  private final RolloutRepository rollouts;
  private final FleetStore fleet;

  public ConnectionSettingsRollouts(Vertx vertx, ConnectionSettingsCatalog catalog, RolloutRepository rollouts,
      FleetStore fleet) {
    this.vertx = vertx;
    this.catalog = catalog;
    this.rollouts = rollouts;
    this.fleet = fleet;
  }

  /** Starts rolling out the staged settings of a definition. */
  public Future<Rollout> start(String name, RolloutStrategy strategy) {
    return vertx.executeBlocking(() -> catalog.locked(name, () -> {
      ConnectionSettingsDefinition d = catalog.definitionNow(name);
      if (d == null) {
        throw new RolloutRepository.RefusedException(404, "no such connection settings: " + name);
      }
      if (!d.hasStagedSettings()) {
        throw new RolloutRepository.RefusedException(409, "connection settings " + name + " have nothing staged; "
            + "save a change with PUT /api/v1/connection-settings/" + name + " and \"deploy\": false");
      }
      if (d.getStagedSettings().equals(d.getSettings())) {
        throw new RolloutRepository.RefusedException(409, "the staged settings of " + name + " are already deployed");
      }
      Rollout rollout = RolloutRepository.startingNow(d.getSelector(), strategy)
          .setConnectionSettings(name)
          .setStagedConnectionSettings(d.getStagedSettings())
          .build();
      return rollouts.createNow(rollout, r -> r.getConnectionSettings().equals(name));
    }), false);
  }

  @Override
  public boolean owns(Rollout r) {
    return !r.getConnectionSettings().isEmpty();
  }

  /**
   * The connected agents matching the definition's selector that no definition of higher priority
   * claims and that accept a part of the staged settings.
   */
  @Override
  public Map<String, AgentRecord> targets(Rollout r) {
    Map<String, AgentRecord> out = RolloutSubject.connectedMatching(fleet, r);
    out.values().removeIf(a -> {
      String definition = a.getDesiredConnectionSettings().getDefinition();
      return !(definition.isEmpty() || definition.equals(r.getConnectionSettings()))
          || !ConnectionSettingsOffer.acceptsAnyPart(a.getCapabilities(), r.getStagedConnectionSettings());
    });
    return out;
  }

  @Override
  public Map<String, AgentRecord> judged(Rollout r, Map<String, AgentRecord> targets, Set<String> touched) {
    return RolloutSubject.touchedOrTargets(fleet, targets, touched);
  }

  @Override
  public boolean offered(AgentRecord a, Rollout r) {
    DesiredConnectionSettings d = a.getDesiredConnectionSettings();
    return d.getRollout().equals(r.getId()) && !d.getRolledBack() && !d.getHash().isEmpty();
  }

  @Override
  public boolean applied(AgentRecord a, Rollout r) {
    return offered(a, r) && reported(a, ConnectionSettingsStatuses.ConnectionSettingsStatuses_APPLIED)
        && a.getConnection().getConnected() && !RolloutDriver.unhealthy(a);
  }

  @Override
  public boolean failed(AgentRecord a, Rollout r, long waveStartedMillis, long nowMillis) {
    return (offered(a, r) && reported(a, ConnectionSettingsStatuses.ConnectionSettingsStatuses_FAILED))
        || overdue(a, r, waveStartedMillis, nowMillis);
  }

  /** The agent reported {@code status} for the settings it was offered. */
  private static boolean reported(AgentRecord a, ConnectionSettingsStatuses status) {
    ConnectionSettingsStatus s = a.getConnectionSettingsStatus();
    return s.getStatus() == status
        && s.getLastConnectionSettingsHash().equals(a.getDesiredConnectionSettings().getHash());
  }

  @Override
  public void complete(Rollout r) {
    catalog.deployNow(r.getConnectionSettings(), r.getStagedConnectionSettings());
  }

  @Override
  public void describe(Rollout r, JsonObject json) {
    json.put("connectionSettings", r.getConnectionSettings());
  }
}
