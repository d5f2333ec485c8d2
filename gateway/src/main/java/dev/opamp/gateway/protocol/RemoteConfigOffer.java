package dev.opamp.gateway.protocol;

import dev.opamp.gateway.fleet.FleetStore;
import dev.opamp.gateway.fleet.proto.AgentRecord;
import dev.opamp.gateway.fleet.proto.DesiredConfig;
import dev.opamp.gateway.proto.AgentCapabilities;
import dev.opamp.gateway.proto.AgentRemoteConfig;
import dev.opamp.gateway.proto.AgentToServer;
import dev.opamp.gateway.proto.ServerToAgent;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Offers each agent the remote config the selectors, rollouts and overrides choose for it, and
 * records that choice in its record. A config is offered once per connection: not again when
 * the agent already has it or reported it failed (no retry loops).
 */
public final class RemoteConfigOffer implements AgentOffer {

  private static final Logger LOG = Logger.getLogger(RemoteConfigOffer.class.getName());
  private static final long ACCEPTS_REMOTE_CONFIG = AgentCapabilities.AgentCapabilities_AcceptsRemoteConfig_VALUE;

  private final RemoteConfigs configs;
  private final FleetStore fleet;

  public RemoteConfigOffer(RemoteConfigs configs, FleetStore fleet) {
    this.configs = configs;
    this.fleet = fleet;
  }

  @Override
  public AgentOffer.Session open() {
    return new Session();
  }

  private final class Session extends HashedOfferSession {

    @Override
    public void reported(AgentToServer message) {
      if (message.hasRemoteConfigStatus()) {
        agentReported(message.getRemoteConfigStatus().getLastRemoteConfigHash());
      }
    }

    @Override
    public void offer(Target agent, ServerToAgent.Builder reply) {
      AgentRecord stored = agent.stored();
      if (stored.hasRemoteConfigStatus()) {
        storedReport(stored.getRemoteConfigStatus().getLastRemoteConfigHash());
      }
      RemoteConfigs.Resolution resolution =
          configs.resolve(stored.hasDescription() ? stored.getDescription() : null, agent.uid());
      DesiredConfig desired = resolution.desired();
      if (!desired.equals(stored.getDesiredConfig())) {
        fleet.setDesired(agent.key(), AgentRecord.DESIRED_CONFIG_FIELD_NUMBER,
            AgentRecord.newBuilder().setDesiredConfig(desired).build()).onFailure(e ->
            LOG.log(Level.WARNING, "could not record the desired config of agent " + agent.key() + ": " + e));
      }
      AgentRemoteConfig offer = resolution.offer();
      if (offer == null || !agent.declares(ACCEPTS_REMOTE_CONFIG)) {
        return;
      }
      if (due(offer.getConfigHash())) {
        reply.setRemoteConfig(offer);
      }
    }
  }
}
