package dev.opamp.gateway.testing;

import com.google.protobuf.ByteString;
import dev.opamp.gateway.fleet.proto.AgentRecord;
import dev.opamp.gateway.fleet.proto.DesiredConfig;
import dev.opamp.gateway.fleet.proto.Connection;
import dev.opamp.gateway.proto.AgentCapabilities;
import dev.opamp.gateway.proto.AgentConfigFile;
import dev.opamp.gateway.proto.AgentConfigMap;
import dev.opamp.gateway.proto.AgentDescription;
import dev.opamp.gateway.proto.AnyValue;
import dev.opamp.gateway.proto.ArrayValue;
import dev.opamp.gateway.proto.AvailableComponents;
import dev.opamp.gateway.proto.CertificateRequest;
import dev.opamp.gateway.proto.ComponentDetails;
import dev.opamp.gateway.proto.ComponentHealth;
import dev.opamp.gateway.proto.ConnectionSettingsRequest;
import dev.opamp.gateway.proto.ConnectionSettingsStatus;
import dev.opamp.gateway.proto.ConnectionSettingsStatuses;
import dev.opamp.gateway.proto.CustomCapabilities;
import dev.opamp.gateway.proto.CustomMessage;
import dev.opamp.gateway.proto.EffectiveConfig;
import dev.opamp.gateway.proto.KeyValue;
import dev.opamp.gateway.proto.KeyValueList;
import dev.opamp.gateway.proto.OpAMPConnectionSettingsRequest;
import dev.opamp.gateway.proto.PackageDownloadDetails;
import dev.opamp.gateway.proto.PackageStatus;
import dev.opamp.gateway.proto.PackageStatusEnum;
import dev.opamp.gateway.proto.PackageStatuses;
import dev.opamp.gateway.proto.RemoteConfigStatus;
import dev.opamp.gateway.proto.RemoteConfigStatuses;

/** Fully populated fleet records and effective configs, shared by the REST API tests. */
public final class SampleRecords {
  public static final ByteString UID = ByteString.fromHex("0190a1b2c3d4e5f60718293a4b5c6d7e");
  public static final long T0_MS = 1_700_000_000_123L; // 2023-11-14T22:13:20.123Z

  private SampleRecords() {}

  /**
   * An agent that reported every part: attributes of every value kind (including a NaN and
   * bytes), a capability without a name, health with a component, a connection, remote-config,
   * package (one downloading, one installed), connection-settings and custom-capability
   * statuses, available components, a pending certificate request and a custom message.
   * {@code AgentJsonTest} asserts these exact values.
   */
  public static AgentRecord fullRecord() {
    long t0Nanos = T0_MS * 1_000_000L;
    return AgentRecord.newBuilder()
        .setInstanceUid(UID)
        .setCapabilities(AgentCapabilities.AgentCapabilities_ReportsStatus_VALUE
            | AgentCapabilities.AgentCapabilities_ReportsHealth_VALUE
            | 0x100000L)
        .setDescription(AgentDescription.newBuilder()
            .addIdentifyingAttributes(kv("service.name", str("api")))
            .addIdentifyingAttributes(kv("tags", AnyValue.newBuilder()
                .setArrayValue(ArrayValue.newBuilder()
                    .addValues(str("a"))
                    .addValues(AnyValue.newBuilder().setIntValue(2))
                    .addValues(AnyValue.newBuilder().setBoolValue(true)))
                .build()))
            .addIdentifyingAttributes(kv("nested", AnyValue.newBuilder()
                .setKvlistValue(KeyValueList.newBuilder()
                    .addValues(kv("x", AnyValue.newBuilder().setDoubleValue(1.5).build()))
                    .addValues(kv("nan",
                        AnyValue.newBuilder().setDoubleValue(Double.NaN).build())))
                .build()))
            .addIdentifyingAttributes(kv("raw", AnyValue.newBuilder()
                .setBytesValue(ByteString.fromHex("beef")).build()))
            .addIdentifyingAttributes(kv("unset", AnyValue.getDefaultInstance()))
            .addNonIdentifyingAttributes(kv("host.name", str("web-1"))))
        .setHealth(ComponentHealth.newBuilder()
            .setHealthy(false)
            .setStatus("degraded")
            .setLastError("exporter down")
            .setStartTimeUnixNano(t0Nanos)
            .putComponentHealthMap("exporter/otlp", ComponentHealth.newBuilder()
                .setStatusTimeUnixNano(t0Nanos + 1)
                .build())
            .addAttributes(kv("retries", AnyValue.newBuilder().setIntValue(3).build())))
        .setConnection(Connection.newBuilder()
            .setNode("node-a")
            .setTransport("websocket")
            .setEpoch(7)
            .setConnected(true)
            .setSinceUnixMs(T0_MS)
            .setRemoteAddress("10.0.0.7:51234"))
        .setEffectiveConfigHash(ByteString.fromHex("00ff"))
        .setRemoteConfigStatus(RemoteConfigStatus.newBuilder()
            .setLastRemoteConfigHash(ByteString.fromHex("0102"))
            .setStatus(RemoteConfigStatuses.RemoteConfigStatuses_FAILED)
            .setErrorMessage("bad yaml"))
        .setDesiredConfig(DesiredConfig.newBuilder()
            .setName("base").setVersion(3).setHash(ByteString.fromHex("0102")))
        .setDesiredConnectionSettings(dev.opamp.gateway.fleet.proto.DesiredConnectionSettings.newBuilder()
            .setDefinition("edge").setHash(ByteString.fromHex("0a0b")).addParts("opamp").addParts("own_metrics")
            .setCertificateSerial("4f1e2d").setCertificateRequest("issued"))
        .setPackageStatuses(PackageStatuses.newBuilder()
            .setServerProvidedAllPackagesHash(ByteString.fromHex("aa"))
            .putPackages("otelcol", PackageStatus.newBuilder()
                .setName("otelcol")
                .setAgentHasVersion("0.139.0")
                .setAgentHasHash(ByteString.fromHex("01"))
                .setServerOfferedVersion("0.140.0")
                .setServerOfferedHash(ByteString.fromHex("02"))
                .setStatus(PackageStatusEnum.PackageStatusEnum_Downloading)
                .setDownloadDetails(PackageDownloadDetails.newBuilder()
                    .setDownloadPercent(42.5)
                    .setDownloadBytesPerSecond(1000))
                .build())
            .putPackages("addon", PackageStatus.newBuilder().setName("addon").build()))
        .setConnectionSettingsStatus(ConnectionSettingsStatus.newBuilder()
            .setStatus(ConnectionSettingsStatuses.ConnectionSettingsStatuses_APPLYING))
        .setCustomCapabilities(CustomCapabilities.newBuilder().addCapabilities("io.example.ping"))
        .setAvailableComponents(AvailableComponents.newBuilder()
            .setHash(ByteString.fromHex("0c"))
            .putComponents("receivers", ComponentDetails.newBuilder()
                .putSubComponentMap("otlp", ComponentDetails.newBuilder()
                    .addMetadata(kv("version", str("1.0")))
                    .build())
                .build()))
        .setConnectionSettingsRequest(ConnectionSettingsRequest.newBuilder()
            .setOpamp(OpAMPConnectionSettingsRequest.newBuilder()
                .setCertificateRequest(CertificateRequest.newBuilder()
                    .setCsr(ByteString.copyFromUtf8("-----BEGIN CERTIFICATE-----")))))
        .setLastCustomMessage(CustomMessage.newBuilder()
            .setCapability("io.example.ping")
            .setType("pong")
            .setData(ByteString.copyFromUtf8("hi")))
        .setFirstSeenUnixMs(T0_MS)
        .setLastStatusUnixMs(T0_MS + 1000)
        .build();
  }

  /**
   * One text file (with a non-ASCII character) and one binary file, so that both body forms
   * are rendered.
   */
  public static EffectiveConfig fullEffectiveConfig() {
    byte[] binary = {(byte) 0xff, (byte) 0xfe, 0x00};
    return EffectiveConfig.newBuilder()
        .setConfigMap(AgentConfigMap.newBuilder()
            .putConfigMap("collector.yaml", AgentConfigFile.newBuilder()
                .setContentType("text/yaml")
                .setBody(ByteString.copyFromUtf8("receivers: {} # ✓"))
                .build())
            .putConfigMap("blob.bin", AgentConfigFile.newBuilder()
                .setBody(ByteString.copyFrom(binary))
                .build()))
        .build();
  }

  public static KeyValue kv(String key, AnyValue value) {
    return KeyValue.newBuilder().setKey(key).setValue(value).build();
  }

  public static AnyValue str(String s) {
    return AnyValue.newBuilder().setStringValue(s).build();
  }
}
