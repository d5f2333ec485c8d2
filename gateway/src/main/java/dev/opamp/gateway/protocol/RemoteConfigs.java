package dev.opamp.gateway.protocol;

import com.google.protobuf.ByteString;
import dev.opamp.gateway.fleet.proto.DesiredConfig;
import dev.opamp.gateway.proto.AgentDescription;
import dev.opamp.gateway.proto.AgentRemoteConfig;

/** Where the protocol learns which remote config an agent should run. */
public interface RemoteConfigs {

  /**
   * The config for an agent with this description, rendered for it; {@link Resolution#NONE} when
   * no config applies. Must be cheap: it runs on the event loop.
   */
  Resolution resolve(AgentDescription description, ByteString instanceUid);

  /**
   * @param desired which config and version, with the hash of the rendered files (or an error)
   * @param offer what to send the agent; null when nothing can be offered
   */
  record Resolution(DesiredConfig desired, AgentRemoteConfig offer) {
    public static final Resolution NONE = new Resolution(DesiredConfig.getDefaultInstance(), null);
  }

  /** No configs at all: for nodes or tests without remote configuration. */
  RemoteConfigs NONE = (description, uid) -> Resolution.NONE;
}
