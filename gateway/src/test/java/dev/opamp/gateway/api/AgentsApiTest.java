package dev.opamp.gateway.api;

import static dev.opamp.gateway.testing.Messages.fullState;
import static dev.opamp.gateway.testing.Messages.key;
import static dev.opamp.gateway.testing.Messages.newUid;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.opamp.gateway.protocol.InstanceUids;
import dev.opamp.gateway.testing.Messages;
import dev.opamp.gateway.testing.RawWebSocketAgent;
import dev.opamp.gateway.testing.TestGateway;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The read API over a small fleet: filters, paging, one agent in full, errors, metrics and probes. */
class AgentsApiTest {

  private static TestGateway gateway;
  private static final List<RawWebSocketAgent> agents = new ArrayList<>();
  private static final List<ByteString> uids = new ArrayList<>();
  private static ByteString departedUid;

  @BeforeAll
  static void start() throws Exception {
    gateway = TestGateway.start();
    for (int i = 0; i < 5; i++) {
      ByteString uid = newUid();
      RawWebSocketAgent agent = gateway.webSocketAgent();
      agent.exchange(fullState(uid, 0, i % 2 == 0 ? "cart" : "search").toBuilder()
          .setAgentDescription(Messages.description(i % 2 == 0 ? "cart" : "search", i < 3 ? "prod" : "dev"))
          .build());
      agents.add(agent);
      uids.add(uid);
    }
    departedUid = newUid();
    try (RawWebSocketAgent gone = gateway.webSocketAgent()) {
      gone.exchange(fullState(departedUid, 0, "cart"));
    }
    gateway.awaitAgent(key(departedUid), a -> !a.getJsonObject("connection").getBoolean("connected"),
        Duration.ofSeconds(5));
  }

  @AfterAll
  static void stop() throws Exception {
    for (RawWebSocketAgent a : agents) {
      a.close();
    }
    gateway.close();
  }

  private static Set<String> uidsOf(JsonObject page) {
    Set<String> out = new HashSet<>();
    for (Object o : page.getJsonArray("agents")) {
      out.add(((JsonObject) o).getString("instanceUid"));
    }
    return out;
  }

  @Test
  void listsTheWholeFleet() throws Exception {
    JsonObject page = gateway.adminJson("/api/v1/agents");
    assertEquals(6, page.getInteger("count"));
    assertNull(page.getString("nextCursor"));
    JsonObject one = page.getJsonArray("agents").getJsonObject(0);
    assertTrue(one.getJsonArray("capabilities").contains("ReportsEffectiveConfig"));
    assertTrue(one.containsKey("effectiveConfigHash"));
  }

  @Test
  void filtersBySelectorAndConnection() throws Exception {
    assertEquals(4, gateway.adminJson("/api/v1/agents?selector=service.name%3Dcart").getInteger("count"));
    assertEquals(2, gateway.adminJson("/api/v1/agents?selector=service.name%3Dcart,env%3Dprod").getInteger("count"));
    assertEquals(2, gateway.adminJson("/api/v1/agents?selector=service.name%20in%20(search),env").getInteger("count"));
    assertEquals(5, gateway.adminJson("/api/v1/agents?connected=true").getInteger("count"));
    JsonObject departed = gateway.adminJson("/api/v1/agents?connected=false");
    assertEquals(Set.of(InstanceUids.uuidText(departedUid)), uidsOf(departed));
  }

  @Test
  void pagesWithACursorVisitEveryAgentOnce() throws Exception {
    Set<String> seen = new HashSet<>();
    String cursor = null;
    int pages = 0;
    do {
      JsonObject page = gateway.adminJson("/api/v1/agents?limit=2" + (cursor == null ? "" : "&cursor=" + cursor));
      JsonArray list = page.getJsonArray("agents");
      assertTrue(list.size() <= 2);
      for (String uid : uidsOf(page)) {
        assertTrue(seen.add(uid), "agent " + uid + " appeared twice");
      }
      cursor = page.getString("nextCursor");
      pages++;
    } while (cursor != null && pages < 10);
    assertEquals(6, seen.size());
    assertEquals(3, pages);
  }

  @Test
  void oneAgentByHexOrUuid() throws Exception {
    ByteString uid = uids.get(0);
    JsonObject byHex = gateway.adminJson("/api/v1/agents/" + key(uid));
    JsonObject byUuid = gateway.adminJson("/api/v1/agents/" + InstanceUids.uuidText(uid));
    assertEquals(byHex, byUuid);
    assertEquals(InstanceUids.uuidText(uid), byHex.getString("instanceUid"));
    assertTrue(byHex.getJsonObject("effectiveConfig").getJsonObject("files").containsKey("collector.yaml"));
  }

  @Test
  void errorsAreJson() throws Exception {
    var missing = gateway.adminGet("/api/v1/agents/" + key(newUid()));
    assertEquals(404, missing.statusCode());
    assertEquals("no such agent", missing.bodyAsJsonObject().getString("error"));
    var badUid = gateway.adminGet("/api/v1/agents/not-a-uid");
    assertEquals(400, badUid.statusCode());
    var badSelector = gateway.adminGet("/api/v1/agents?selector=env%20in%20(a");
    assertEquals(400, badSelector.statusCode());
    assertTrue(badSelector.bodyAsJsonObject().getString("detail").contains("selector"));
    assertEquals(400, gateway.adminGet("/api/v1/agents?limit=0").statusCode());
    assertEquals(400, gateway.adminGet("/api/v1/agents?connected=maybe").statusCode());
  }

  @Test
  void metricsCountAgentsAndMessages() throws Exception {
    String metrics = gateway.adminGet("/metrics").bodyAsString();
    String node = "node=\"" + gateway.node().nodeName() + "\"";
    assertTrue(metrics.contains("opamp_agents_connected{" + node + ",transport=\"websocket\"} 5.0"), metrics);
    assertTrue(metrics.contains("opamp_messages_received_total{" + node + ",transport=\"websocket\"}"));
    assertTrue(metrics.contains("opamp_bytes_received_total"));
  }

  @Test
  void probesAndOpenApi() throws Exception {
    assertEquals("UP", gateway.adminJson("/healthz").getString("status"));
    assertEquals("READY", gateway.adminJson("/readyz").getString("status"));
    String openApi = gateway.adminGet("/api/v1/openapi.yaml").bodyAsString();
    assertTrue(openApi.contains("/api/v1/agents/{uid}"));
  }
}
