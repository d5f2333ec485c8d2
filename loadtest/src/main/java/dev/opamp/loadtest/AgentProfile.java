package dev.opamp.loadtest;

import com.google.protobuf.ByteString;
import dev.opamp.gateway.proto.AgentCapabilities;
import dev.opamp.gateway.proto.AgentConfigFile;
import dev.opamp.gateway.proto.AgentConfigMap;
import dev.opamp.gateway.proto.AgentDescription;
import dev.opamp.gateway.proto.AnyValue;
import dev.opamp.gateway.proto.ComponentHealth;
import dev.opamp.gateway.proto.EffectiveConfig;
import dev.opamp.gateway.proto.KeyValue;
import java.nio.charset.StandardCharsets;
import java.util.UUID;

/**
 * What a simulated agent looks like: a collector of one of a few services, in one of three
 * environments, on its own host, running one of a few effective configs of a few KiB (fleets
 * share configs, so the server stores a handful of bodies, not one per agent).
 */
final class AgentProfile {

  static final long CAPABILITIES = AgentCapabilities.AgentCapabilities_ReportsStatus_VALUE
      | AgentCapabilities.AgentCapabilities_AcceptsRemoteConfig_VALUE
      | AgentCapabilities.AgentCapabilities_ReportsEffectiveConfig_VALUE
      | AgentCapabilities.AgentCapabilities_ReportsHealth_VALUE
      | AgentCapabilities.AgentCapabilities_ReportsRemoteConfig_VALUE
      | AgentCapabilities.AgentCapabilities_ReportsHeartbeat_VALUE
      // as a collector under the OpAMP supervisor: packages, restarts, certificates
      | AgentCapabilities.AgentCapabilities_AcceptsPackages_VALUE
      | AgentCapabilities.AgentCapabilities_ReportsPackageStatuses_VALUE
      | AgentCapabilities.AgentCapabilities_AcceptsRestartCommand_VALUE
      | AgentCapabilities.AgentCapabilities_AcceptsOpAMPConnectionSettings_VALUE
      | AgentCapabilities.AgentCapabilities_ReportsConnectionSettingsStatus_VALUE;

  static final String RUN_ATTRIBUTE = "loadtest.run";

  private static final String[] SERVICES = {"checkout", "cart", "payments", "search", "catalog", "shipping",
      "frontend", "recommendation"};
  private static final String[] ENVS = {"prod", "prod", "staging", "dev"};
  private static final String[] REGIONS = {"eu-west-1", "us-east-1", "ap-south-1"};

  private final String runId;
  private final EffectiveConfig[] configs;

  AgentProfile(String runId, int configKib) {
    this.runId = runId;
    this.configs = new EffectiveConfig[SERVICES.length];
    for (int i = 0; i < SERVICES.length; i++) {
      configs[i] = effectiveConfig(collectorYaml(SERVICES[i], configKib));
    }
  }

  String service(int index) {
    return SERVICES[index % SERVICES.length];
  }

  /**
   * The agent's description: identifying and non-identifying attributes as a collector reports
   * them; {@code version} is its {@code service.version} (null: the profile's own).
   */
  AgentDescription description(int index, ByteString uid, String version) {
    String host = String.format("host-%06d", index);
    return AgentDescription.newBuilder()
        .addIdentifyingAttributes(attr("service.name", service(index)))
        .addIdentifyingAttributes(attr("service.namespace", "loadtest"))
        .addIdentifyingAttributes(attr("service.instance.id", uuidText(uid)))
        .addIdentifyingAttributes(attr("service.version", version != null ? version : "0.140." + (index % 3)))
        .addNonIdentifyingAttributes(attr("host.name", host))
        .addNonIdentifyingAttributes(attr("host.arch", "amd64"))
        .addNonIdentifyingAttributes(attr("os.type", "linux"))
        .addNonIdentifyingAttributes(attr("os.description", "Debian GNU/Linux 12 (bookworm)"))
        .addNonIdentifyingAttributes(attr("env", ENVS[index % ENVS.length]))
        .addNonIdentifyingAttributes(attr("cloud.region", REGIONS[index % REGIONS.length]))
        .addNonIdentifyingAttributes(attr(RUN_ATTRIBUTE, runId))
        .build();
  }

  /** The effective config the agent runs before any remote config: shared by its service's agents. */
  EffectiveConfig initialConfig(int index) {
    return configs[index % configs.length];
  }

  ComponentHealth health(long startNanos) {
    ComponentHealth pipeline = ComponentHealth.newBuilder().setHealthy(true).setStatus("StatusOK")
        .setStartTimeUnixNano(startNanos).setStatusTimeUnixNano(startNanos).build();
    return ComponentHealth.newBuilder()
        .setHealthy(true)
        .setStatus("StatusOK")
        .setStartTimeUnixNano(startNanos)
        .setStatusTimeUnixNano(startNanos)
        .putComponentHealthMap("pipeline:traces", pipeline)
        .putComponentHealthMap("pipeline:metrics", pipeline)
        .build();
  }

  static KeyValue attr(String key, String value) {
    return KeyValue.newBuilder().setKey(key).setValue(AnyValue.newBuilder().setStringValue(value)).build();
  }

  static String uuidText(ByteString uid) {
    if (uid.size() != 16) {
      return uid.toStringUtf8();
    }
    java.nio.ByteBuffer b = uid.asReadOnlyByteBuffer();
    return new UUID(b.getLong(), b.getLong()).toString();
  }

  static EffectiveConfig effectiveConfig(String yaml) {
    return EffectiveConfig.newBuilder().setConfigMap(AgentConfigMap.newBuilder()
        .putConfigMap("collector.yaml", AgentConfigFile.newBuilder()
            .setBody(ByteString.copyFrom(yaml, StandardCharsets.UTF_8)).setContentType("text/yaml").build()))
        .build();
  }

  /** A plausible collector config of about {@code kib} KiB. */
  static String collectorYaml(String service, int kib) {
    StringBuilder y = new StringBuilder(kib * 1024 + 512);
    y.append("# ").append(service).append(" collector\n")
        .append("receivers:\n  otlp:\n    protocols:\n      grpc: {endpoint: 0.0.0.0:4317}\n")
        .append("      http: {endpoint: 0.0.0.0:4318}\n")
        .append("  hostmetrics:\n    collection_interval: 30s\n    scrapers: {cpu: {}, memory: {}, disk: {}, network: {}}\n")
        .append("processors:\n  batch: {send_batch_size: 8192, timeout: 5s}\n")
        .append("  memory_limiter: {check_interval: 1s, limit_percentage: 80, spike_limit_percentage: 20}\n")
        .append("  resource:\n    attributes:\n");
    int i = 0;
    while (y.length() < kib * 1024 - 400) {
      y.append("      - {key: ").append(service).append(".label.").append(i)
          .append(", value: \"value-").append(i).append("\", action: upsert}\n");
      i++;
    }
    y.append("exporters:\n  otlp:\n    endpoint: telemetry.").append(service).append(".internal:4317\n")
        .append("    sending_queue: {enabled: true, queue_size: 5000}\n")
        .append("service:\n  pipelines:\n")
        .append("    traces: {receivers: [otlp], processors: [memory_limiter, resource, batch], exporters: [otlp]}\n")
        .append("    metrics: {receivers: [otlp, hostmetrics], processors: [memory_limiter, resource, batch], exporters: [otlp]}\n");
    return y.toString();
  }
}
