package dev.opamp.gateway.api;

import static dev.opamp.gateway.testing.SampleRecords.UID;
import static dev.opamp.gateway.testing.SampleRecords.fullEffectiveConfig;
import static dev.opamp.gateway.testing.SampleRecords.fullRecord;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.opamp.gateway.fleet.proto.AgentRecord;
import dev.opamp.gateway.proto.RemoteConfigStatus;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class AgentJsonTest {

  @Test
  void agentThatReportedNothingHasNullParts() {
    JsonObject json = AgentJson.summary(AgentRecord.newBuilder().setInstanceUid(UID).build());
    assertEquals("0190a1b2-c3d4-e5f6-0718-293a4b5c6d7e", json.getString("instanceUid"));
    assertEquals(new JsonArray(), json.getJsonArray("capabilities"));
    for (String part : List.of("identifyingAttributes", "nonIdentifyingAttributes", "health",
        "connection", "effectiveConfigHash", "remoteConfigStatus", "packageStatuses",
        "connectionSettingsStatus", "desiredConnectionSettings", "customCapabilities", "availableComponents",
        "firstSeen", "lastStatusChange")) {
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
    JsonObject json = AgentJson.full(fullRecord(), fullEffectiveConfig());

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
}
