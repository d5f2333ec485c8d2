package dev.opamp.gateway.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.opamp.gateway.fleet.proto.AgentRecord;
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
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class AgentJsonTest {
  private static final ByteString UID = ByteString.fromHex("0190a1b2c3d4e5f60718293a4b5c6d7e");
  private static final long T0_MS = 1_700_000_000_123L; // 2023-11-14T22:13:20.123Z

  @Test
  void agentThatReportedNothingHasNullParts() {
    JsonObject json = AgentJson.summary(AgentRecord.newBuilder().setInstanceUid(UID).build());
    assertEquals("0190a1b2-c3d4-e5f6-0718-293a4b5c6d7e", json.getString("instanceUid"));
    assertEquals(new JsonArray(), json.getJsonArray("capabilities"));
    for (String part : List.of("identifyingAttributes", "nonIdentifyingAttributes", "health",
        "connection", "effectiveConfigHash", "remoteConfigStatus", "packageStatuses",
        "connectionSettingsStatus", "customCapabilities", "availableComponents", "firstSeen",
        "lastStatusChange")) {
      assertTrue(json.containsKey(part), part);
      assertNull(json.getValue(part), part);
    }
    // The summary must encode: the list endpoint sends it as is.
    assertEquals(json, new JsonObject(json.encode()));
  }

  @Test
  void summaryRendersEveryReportedPart() {
    JsonObject json = AgentJson.summary(fullRecord());

    assertEquals(new JsonObject()
            .put("service.name", "api")
            .put("tags", new JsonArray().add("a").add(2L).add(true))
            .put("nested", new JsonObject().put("x", 1.5).put("nan", "NaN"))
            .put("raw", "beef")
            .put("unset", null),
        json.getJsonObject("identifyingAttributes"));
    assertEquals(new JsonObject().put("host.name", "web-1"),
        json.getJsonObject("nonIdentifyingAttributes"));
    assertEquals(new JsonArray().add("ReportsStatus").add("ReportsHealth").add("Unknown(0x100000)"),
        json.getJsonArray("capabilities"));

    JsonObject health = json.getJsonObject("health");
    assertFalse(health.getBoolean("healthy"));
    assertEquals("degraded", health.getString("status"));
    assertEquals("exporter down", health.getString("lastError"));
    assertEquals("2023-11-14T22:13:20.123Z", health.getString("startTime"));
    assertNull(health.getString("statusTime"));
    JsonObject exporter = health.getJsonObject("components").getJsonObject("exporter/otlp");
    assertFalse(exporter.getBoolean("healthy"));
    assertEquals("2023-11-14T22:13:20.123000001Z", exporter.getString("statusTime"));
    assertEquals(new JsonObject(), exporter.getJsonObject("components"));
    assertEquals(new JsonObject().put("retries", 3L), health.getJsonObject("attributes"));

    assertEquals(new JsonObject()
            .put("node", "node-a")
            .put("transport", "websocket")
            .put("connected", true)
            .put("since", "2023-11-14T22:13:20.123Z")
            .put("remoteAddress", "10.0.0.7:51234"),
        json.getJsonObject("connection"));
    assertEquals("00ff", json.getString("effectiveConfigHash"));
    assertEquals(new JsonObject()
            .put("lastRemoteConfigHash", "0102")
            .put("status", "FAILED")
            .put("errorMessage", "bad yaml"),
        json.getJsonObject("remoteConfigStatus"));

    JsonObject packages = json.getJsonObject("packageStatuses");
    assertEquals("aa", packages.getString("serverProvidedAllPackagesHash"));
    assertEquals("", packages.getString("errorMessage"));
    assertEquals(new JsonObject()
            .put("agentHasVersion", "0.139.0")
            .put("agentHasHash", "01")
            .put("serverOfferedVersion", "0.140.0")
            .put("serverOfferedHash", "02")
            .put("status", "Downloading")
            .put("errorMessage", "")
            .put("downloadPercent", 42.5)
            .put("downloadBytesPerSecond", 1000.0),
        packages.getJsonObject("packages").getJsonObject("otelcol"));
    JsonObject installed = packages.getJsonObject("packages").getJsonObject("addon");
    assertEquals("Installed", installed.getString("status"));
    assertNull(installed.getValue("agentHasHash"));
    assertNull(installed.getValue("downloadPercent"));

    assertEquals(new JsonObject()
            .put("lastConnectionSettingsHash", null)
            .put("status", "APPLYING")
            .put("errorMessage", ""),
        json.getJsonObject("connectionSettingsStatus"));
    assertEquals(new JsonArray().add("io.example.ping"), json.getJsonArray("customCapabilities"));
    assertEquals(new JsonObject()
            .put("hash", "0c")
            .put("components", new JsonObject().put("receivers", new JsonObject()
                .put("metadata", new JsonObject())
                .put("components", new JsonObject().put("otlp", new JsonObject()
                    .put("metadata", new JsonObject().put("version", "1.0"))
                    .put("components", new JsonObject()))))),
        json.getJsonObject("availableComponents"));
    assertEquals("2023-11-14T22:13:20.123Z", json.getString("firstSeen"));
    assertEquals("2023-11-14T22:13:21.123Z", json.getString("lastStatusChange"));
    assertFalse(json.containsKey("effectiveConfig"));
    assertEquals(json, new JsonObject(json.encode()));
  }

  @Test
  void unknownEnumNumbersAreNamedUnknown() {
    AgentRecord record = AgentRecord.newBuilder()
        .setRemoteConfigStatus(RemoteConfigStatus.newBuilder().setStatusValue(9))
        .build();
    assertEquals("Unknown(9)",
        AgentJson.summary(record).getJsonObject("remoteConfigStatus").getString("status"));
  }

  @Test
  void malformedUidIsShownAsHex() {
    AgentRecord record = AgentRecord.newBuilder().setInstanceUid(ByteString.fromHex("abcd"))
        .build();
    assertEquals("abcd", AgentJson.summary(record).getString("instanceUid"));
  }

  @Test
  void fullAddsConfigFilesCustomMessageAndCsrSizeButNeverTheCsr() {
    byte[] binary = {(byte) 0xff, (byte) 0xfe, 0x00};
    EffectiveConfig config = EffectiveConfig.newBuilder()
        .setConfigMap(AgentConfigMap.newBuilder()
            .putConfigMap("collector.yaml", AgentConfigFile.newBuilder()
                .setContentType("text/yaml")
                .setBody(ByteString.copyFromUtf8("receivers: {} # ✓"))
                .build())
            .putConfigMap("blob.bin", AgentConfigFile.newBuilder()
                .setBody(ByteString.copyFrom(binary))
                .build()))
        .build();
    JsonObject json = AgentJson.full(fullRecord(), config);

    assertEquals("00ff", json.getString("effectiveConfigHash"), "summary included");
    JsonObject files = json.getJsonObject("effectiveConfig").getJsonObject("files");
    assertEquals(new JsonObject().put("contentType", "text/yaml").put("body", "receivers: {} # ✓"),
        files.getJsonObject("collector.yaml"));
    assertEquals(new JsonObject().put("contentType", "").put("bodyBase64", "//4A"),
        files.getJsonObject("blob.bin"));
    assertEquals(new JsonObject()
            .put("capability", "io.example.ping")
            .put("type", "pong")
            .put("dataBase64", "aGk="),
        json.getJsonObject("lastCustomMessage"));
    assertEquals(new JsonObject().put("pending", true).put("csrSize", 27),
        json.getJsonObject("pendingConnectionSettingsRequest"));
    assertFalse(json.encode().contains("CERTIFICATE"), "the CSR itself never leaves");
    assertEquals(json, new JsonObject(json.encode()));
  }

  @Test
  void fullOfAQuietAgent() {
    JsonObject json = AgentJson.full(AgentRecord.getDefaultInstance(), null);
    assertTrue(json.containsKey("effectiveConfig"));
    assertNull(json.getValue("effectiveConfig"));
    assertNull(json.getValue("lastCustomMessage"));
    assertNull(json.getValue("instanceUid"));
    assertEquals(new JsonObject().put("pending", false).put("csrSize", 0),
        json.getJsonObject("pendingConnectionSettingsRequest"));
  }

  private static AgentRecord fullRecord() {
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

  private static KeyValue kv(String key, AnyValue value) {
    return KeyValue.newBuilder().setKey(key).setValue(value).build();
  }

  private static AnyValue str(String s) {
    return AnyValue.newBuilder().setStringValue(s).build();
  }
}
