package dev.opamp.gateway.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.opamp.gateway.proto.ServerToAgentFlags;
import dev.opamp.gateway.testing.OtelAgent;
import dev.opamp.gateway.testing.TestGateway;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A third-party client proves interoperability: the OpenTelemetry Java contrib OpAMP client, over
 * HTTP and over WebSocket, appears in the fleet API with its description and effective config.
 */
class OtelClientInteropTest {

  private static final String CONFIG = "receivers:\n  otlp:\n    protocols: {grpc: {}}\nexporters:\n  debug: {}\n";
  private static TestGateway gateway;

  @BeforeAll
  static void start() throws Exception {
    gateway = TestGateway.start();
  }

  @AfterAll
  static void stop() throws Exception {
    gateway.close();
  }

  private static boolean described(JsonObject agent, String serviceName) {
    JsonObject ids = agent.getJsonObject("identifyingAttributes");
    JsonObject config = agent.getJsonObject("effectiveConfig");
    return ids != null && serviceName.equals(ids.getString("service.name")) && config != null;
  }

  private static void assertShownInFull(JsonObject agent, String transport) {
    assertEquals(transport, agent.getJsonObject("connection").getString("transport"));
    assertTrue(agent.getJsonObject("connection").getBoolean("connected"));
    assertEquals("ci", agent.getJsonObject("nonIdentifyingAttributes").getString("env"));
    assertEquals(CONFIG, agent.getJsonObject("effectiveConfig").getJsonObject("files")
        .getJsonObject("collector.yaml").getString("body"));
    assertTrue(agent.getJsonArray("capabilities").contains("ReportsEffectiveConfig"));
  }

  @Test
  void anHttpAgentAppearsWithItsDescriptionAndEffectiveConfig() throws Exception {
    try (OtelAgent agent = OtelAgent.builder(gateway.opampHttpUrl())
        .serviceName("otel-http")
        .nonIdentifyingAttribute("env", "ci")
        .effectiveConfig("collector.yaml", CONFIG)
        .pollingInterval(Duration.ofMillis(300))
        .start()) {
      JsonObject shown = gateway.awaitAgent(agent.instanceUidHex(), a -> described(a, "otel-http"),
          Duration.ofSeconds(15));
      assertShownInFull(shown, "http");
      // Polls that carry nothing new are answered and change nothing.
      int before = agent.received().size();
      agent.awaitReceived(before + 3, Duration.ofSeconds(10));
      assertTrue(agent.errorResponses().isEmpty(), agent.describeTraffic());
      JsonObject list = gateway.adminJson("/api/v1/agents?selector=service.name%3Dotel-http");
      assertEquals(1, list.getInteger("count"));
    }
  }

  @Test
  void aWebSocketAgentAppearsWithItsDescriptionAndEffectiveConfig() throws Exception {
    String uid;
    try (OtelAgent agent = OtelAgent.builder(gateway.opampWsUrl())
        .serviceName("otel-ws")
        .nonIdentifyingAttribute("env", "ci")
        .effectiveConfig("collector.yaml", CONFIG)
        .start()) {
      uid = agent.instanceUidHex();
      agent.awaitConnected(Duration.ofSeconds(10));
      // This client drops its first message and sends only on a state change, so nudge it; the
      // gateway sees a first message without a description and asks for the full state.
      long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
      JsonObject shown = null;
      while (System.nanoTime() < deadline) {
        agent.sendStatusNow();
        var r = gateway.adminGet("/api/v1/agents/" + agent.instanceUidHex());
        if (r.statusCode() == 200 && described(r.bodyAsJsonObject(), "otel-ws")) {
          shown = r.bodyAsJsonObject();
          break;
        }
        Thread.sleep(200);
      }
      assertTrue(shown != null, "never shown in full: " + agent.describeTraffic());
      assertShownInFull(shown, "websocket");
      assertTrue(agent.received().stream().anyMatch(m ->
              (m.getFlags() & ServerToAgentFlags.ServerToAgentFlags_ReportFullState_VALUE) != 0),
          "the incomplete first message was answered with ReportFullState: " + agent.describeTraffic());
      assertTrue(agent.errorResponses().isEmpty(), agent.describeTraffic());
    }
    // The client's disconnect ends the session: the agent shows as disconnected.
    gateway.awaitAgent(uid, a -> !a.getJsonObject("connection").getBoolean("connected"), Duration.ofSeconds(10));
  }

  @Test
  void theClientsUidAndAttributesAreTakenAsReported() throws Exception {
    try (OtelAgent agent = OtelAgent.builder(gateway.opampHttpUrl())
        .serviceName("otel-attrs")
        .nonIdentifyingAttributes(Map.of("env", "ci", "host.name", "box-1"))
        .effectiveConfig("collector.yaml", CONFIG)
        .pollingInterval(Duration.ofMillis(300))
        .start()) {
      JsonObject shown = gateway.awaitAgent(agent.instanceUidHex(), a -> described(a, "otel-attrs"),
          Duration.ofSeconds(15));
      assertEquals(agent.instanceUid().toString(), shown.getString("instanceUid"));
      assertEquals("box-1", shown.getJsonObject("nonIdentifyingAttributes").getString("host.name"));
    }
  }
}
