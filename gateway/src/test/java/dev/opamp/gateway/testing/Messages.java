package dev.opamp.gateway.testing;

import com.google.protobuf.ByteString;
import dev.opamp.gateway.proto.AgentCapabilities;
import dev.opamp.gateway.proto.AgentConfigFile;
import dev.opamp.gateway.proto.AgentConfigMap;
import dev.opamp.gateway.proto.AgentDescription;
import dev.opamp.gateway.proto.AgentToServer;
import dev.opamp.gateway.proto.AnyValue;
import dev.opamp.gateway.proto.ComponentHealth;
import dev.opamp.gateway.proto.EffectiveConfig;
import dev.opamp.gateway.proto.KeyValue;
import dev.opamp.gateway.protocol.InstanceUids;

/** Builders for the AgentToServer messages protocol tests send. */
public final class Messages {

  public static final long CAPABILITIES = AgentCapabilities.AgentCapabilities_ReportsStatus_VALUE
      | AgentCapabilities.AgentCapabilities_ReportsEffectiveConfig_VALUE
      | AgentCapabilities.AgentCapabilities_ReportsHealth_VALUE
      | AgentCapabilities.AgentCapabilities_ReportsHeartbeat_VALUE;

  /** {@link #CAPABILITIES} of an agent run by a supervisor that installs packages. */
  public static final long PACKAGE_CAPABILITIES = CAPABILITIES
      | AgentCapabilities.AgentCapabilities_AcceptsPackages_VALUE
      | AgentCapabilities.AgentCapabilities_ReportsPackageStatuses_VALUE;

  private Messages() {}

  public static ByteString newUid() {
    return InstanceUids.newUuidV7();
  }

  public static String key(ByteString uid) {
    return InstanceUids.key(uid);
  }

  public static KeyValue attr(String key, String value) {
    return KeyValue.newBuilder().setKey(key).setValue(AnyValue.newBuilder().setStringValue(value)).build();
  }

  public static AgentDescription description(String serviceName, String env) {
    return AgentDescription.newBuilder()
        .addIdentifyingAttributes(attr("service.name", serviceName))
        .addNonIdentifyingAttributes(attr("env", env))
        .build();
  }

  public static EffectiveConfig effectiveConfig(String yaml) {
    return EffectiveConfig.newBuilder().setConfigMap(AgentConfigMap.newBuilder()
        .putConfigMap("collector.yaml", AgentConfigFile.newBuilder()
            .setBody(ByteString.copyFromUtf8(yaml)).setContentType("text/yaml").build()))
        .build();
  }

  public static ComponentHealth healthy(boolean healthy, String status) {
    return ComponentHealth.newBuilder().setHealthy(healthy).setStatus(status).build();
  }

  /** A first message with everything the server needs. */
  public static AgentToServer fullState(ByteString uid, long seq, String serviceName) {
    return AgentToServer.newBuilder()
        .setInstanceUid(uid)
        .setSequenceNum(seq)
        .setCapabilities(CAPABILITIES)
        .setAgentDescription(description(serviceName, "test"))
        .setEffectiveConfig(effectiveConfig("receivers: {otlp: {}}\n"))
        .setHealth(healthy(true, "running"))
        .build();
  }

  /** A heartbeat: uid, sequence and capabilities only. */
  public static AgentToServer heartbeat(ByteString uid, long seq) {
    return AgentToServer.newBuilder().setInstanceUid(uid).setSequenceNum(seq).setCapabilities(CAPABILITIES).build();
  }
}
