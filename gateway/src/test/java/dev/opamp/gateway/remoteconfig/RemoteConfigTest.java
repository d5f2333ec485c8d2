package dev.opamp.gateway.remoteconfig;

import static dev.opamp.gateway.testing.Messages.heartbeat;
import static dev.opamp.gateway.testing.Messages.key;
import static dev.opamp.gateway.testing.Messages.newUid;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.opamp.gateway.fleet.Hex;
import dev.opamp.gateway.proto.AgentCapabilities;
import dev.opamp.gateway.proto.AgentConfigMap;
import dev.opamp.gateway.proto.AgentDescription;
import dev.opamp.gateway.proto.AgentRemoteConfig;
import dev.opamp.gateway.proto.AgentToServer;
import dev.opamp.gateway.proto.EffectiveConfig;
import dev.opamp.gateway.proto.RemoteConfigStatus;
import dev.opamp.gateway.proto.RemoteConfigStatuses;
import dev.opamp.gateway.proto.ServerToAgent;
import dev.opamp.gateway.testing.Messages;
import dev.opamp.gateway.testing.RawWebSocketAgent;
import dev.opamp.gateway.testing.TestGateway;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Remote configs end to end over real sockets: saved by API, offered by selector, reported back. */
class RemoteConfigTest {

  private static final long ACCEPTS = Messages.CAPABILITIES
      | AgentCapabilities.AgentCapabilities_AcceptsRemoteConfig_VALUE
      | AgentCapabilities.AgentCapabilities_ReportsRemoteConfig_VALUE;
  private static TestGateway gateway;

  @BeforeAll
  static void start() throws Exception {
    gateway = TestGateway.start();
  }

  @AfterAll
  static void stop() throws Exception {
    gateway.close();
  }

  private static AgentToServer hello(ByteString uid, String service, String env, String host, long capabilities) {
    return Messages.fullState(uid, 0, service).toBuilder()
        .setCapabilities(capabilities)
        .setAgentDescription(AgentDescription.newBuilder()
            .addIdentifyingAttributes(Messages.attr("service.name", service))
            .addNonIdentifyingAttributes(Messages.attr("env", env))
            .addNonIdentifyingAttributes(Messages.attr("host.name", host)))
        .build();
  }

  private static JsonObject put(String name, JsonObject body) throws Exception {
    var response = gateway.adminPut("/api/v1/configs/" + name, body);
    assertEquals(201, response.statusCode(), response.bodyAsString());
    return response.bodyAsJsonObject();
  }

  private static JsonObject config(String selector, int priority, String yaml) {
    return new JsonObject().put("selector", selector).put("priority", priority)
        .put("files", new JsonObject().put("collector.yaml", yaml)).put("message", "test");
  }

  /** What a supervisor does with an offer: apply it, report APPLIED and the new effective config. */
  private static ServerToAgent applied(RawWebSocketAgent agent, ByteString uid, long seq, AgentRemoteConfig offer)
      throws Exception {
    return agent.exchange(heartbeat(uid, seq).toBuilder()
        .setCapabilities(ACCEPTS)
        .setRemoteConfigStatus(RemoteConfigStatus.newBuilder()
            .setLastRemoteConfigHash(offer.getConfigHash())
            .setStatus(RemoteConfigStatuses.RemoteConfigStatuses_APPLIED))
        .setEffectiveConfig(EffectiveConfig.newBuilder().setConfigMap(offer.getConfig()))
        .build());
  }

  private static String body(AgentConfigMap map) {
    return map.getConfigMapOrThrow("collector.yaml").getBody().toStringUtf8();
  }

  @Test
  void aConfigReachesExactlyTheMatchingAgentsWhichReportItApplied() throws Exception {
    ByteString prod = newUid();
    ByteString dev = newUid();
    ByteString deaf = newUid();
    try (RawWebSocketAgent a = gateway.webSocketAgent(); RawWebSocketAgent b = gateway.webSocketAgent();
        RawWebSocketAgent c = gateway.webSocketAgent()) {
      assertFalse(a.exchange(hello(prod, "match-1", "prod", "h1", ACCEPTS)).hasRemoteConfig());
      b.exchange(hello(dev, "match-1", "dev", "h2", ACCEPTS));
      c.exchange(hello(deaf, "match-1", "prod", "h3", Messages.CAPABILITIES));

      JsonObject saved = put("match-1", config("service.name=match-1,env=prod", 5, "exporters: {debug: {}}\n"));
      assertEquals(1, saved.getInteger("version"));

      // Connected agents get the new config pushed; others get nothing.
      ServerToAgent pushed = a.next();
      assertTrue(pushed.hasRemoteConfig());
      assertEquals(prod, pushed.getInstanceUid());
      AgentRemoteConfig offer = pushed.getRemoteConfig();
      assertEquals("exporters: {debug: {}}\n", body(offer.getConfig()));
      assertNull(b.poll(Duration.ofMillis(500)), "env=dev does not match");
      assertNull(c.poll(Duration.ofMillis(100)), "an agent that does not accept remote config is never sent one");

      ServerToAgent afterApplied = applied(a, prod, 1, offer);
      assertFalse(afterApplied.hasRemoteConfig(), "the agent has it now");
      JsonObject shown = gateway.awaitAgent(key(prod), x -> x.getJsonObject("remoteConfigStatus") != null
          && "APPLIED".equals(x.getJsonObject("remoteConfigStatus").getString("status")), Duration.ofSeconds(5));
      assertEquals(Hex.hex(offer.getConfigHash()), shown.getJsonObject("desiredConfig").getString("hash"));
      assertEquals("match-1", shown.getJsonObject("desiredConfig").getString("name"));
      assertEquals("exporters: {debug: {}}\n", shown.getJsonObject("effectiveConfig").getJsonObject("files")
          .getJsonObject("collector.yaml").getString("body"));
      JsonObject deafShown = gateway.awaitAgent(key(deaf), x -> x.getJsonObject("desiredConfig") != null,
          Duration.ofSeconds(5));
      assertEquals(1, deafShown.getJsonObject("desiredConfig").getInteger("version"));
    }
  }

  @Test
  void anAgentThatConnectsLaterGetsItsConfigOnFirstContact() throws Exception {
    put("later", config("service.name=later", 0, "receivers: {otlp: {}}\n"));
    ByteString uid = newUid();
    try (RawWebSocketAgent agent = gateway.webSocketAgent()) {
      ServerToAgent first = agent.exchange(hello(uid, "later", "prod", "h", ACCEPTS));
      assertTrue(first.hasRemoteConfig());
      assertEquals("receivers: {otlp: {}}\n", body(first.getRemoteConfig().getConfig()));
    }
    // Over HTTP too: the first poll carries it.
    ServerToAgent overHttp = gateway.httpAgent().exchange(hello(newUid(), "later", "dev", "h", ACCEPTS));
    assertTrue(overHttp.hasRemoteConfig());
  }

  @Test
  void aFailedConfigIsNotOfferedAgainUntilItChanges() throws Exception {
    put("fails", config("service.name=fails", 0, "a: 1\n"));
    ByteString uid = newUid();
    AgentRemoteConfig offer;
    try (RawWebSocketAgent agent = gateway.webSocketAgent()) {
      offer = agent.exchange(hello(uid, "fails", "prod", "h", ACCEPTS)).getRemoteConfig();
      agent.exchange(heartbeat(uid, 1).toBuilder().setCapabilities(ACCEPTS)
          .setRemoteConfigStatus(RemoteConfigStatus.newBuilder()
              .setLastRemoteConfigHash(offer.getConfigHash())
              .setStatus(RemoteConfigStatuses.RemoteConfigStatuses_FAILED)
              .setErrorMessage("unknown component a"))
          .build());
      // The offer may have come as a fan-out's push before the reply to the hello, so replies
      // lag one message behind here: wait for the failure to be stored, not for a reply.
      gateway.awaitAgent(key(uid), x -> x.getJsonObject("remoteConfigStatus") != null
          && "unknown component a".equals(x.getJsonObject("remoteConfigStatus").getString("errorMessage")),
          Duration.ofSeconds(5));
    }
    gateway.awaitAgent(key(uid), x -> x.getJsonObject("connection") != null
        && !x.getJsonObject("connection").getBoolean("connected"), Duration.ofSeconds(5));
    try (RawWebSocketAgent again = gateway.webSocketAgent()) {
      ServerToAgent reply = again.exchange(heartbeat(uid, 2).toBuilder().setCapabilities(ACCEPTS).build());
      assertFalse(reply.hasRemoteConfig(), "no retry loop on a config that failed");
      put("fails", config("service.name=fails", 0, "a: 2\n"));
      ServerToAgent fixed = again.next();
      assertEquals("a: 2\n", body(fixed.getRemoteConfig().getConfig()));
    }
    JsonObject shown = gateway.adminJson("/api/v1/agents/" + key(uid));
    assertEquals("unknown component a", shown.getJsonObject("remoteConfigStatus").getString("errorMessage"));
  }

  @Test
  void variablesAreFilledPerAgentAndPriorityDecidesOverlaps() throws Exception {
    put("vars-low", config("service.name=vars", 1, "low: true\n"));
    put("vars-high", config("service.name=vars", 9, "host: ${agent.host.name}\nuid: ${agent.instance_uid}\n"));
    ByteString uid = newUid();
    try (RawWebSocketAgent agent = gateway.webSocketAgent()) {
      ServerToAgent first = agent.exchange(hello(uid, "vars", "prod", "box-7", ACCEPTS));
      assertEquals("host: box-7\nuid: " + dev.opamp.gateway.protocol.InstanceUids.uuidText(uid) + "\n",
          body(first.getRemoteConfig().getConfig()));
    }
    JsonObject shown = gateway.awaitAgent(key(uid), x -> x.getJsonObject("desiredConfig") != null,
        Duration.ofSeconds(5));
    assertEquals("vars-high", shown.getJsonObject("desiredConfig").getString("name"));
  }

  @Test
  void anOperatorCanPinOneAgentToAVersion() throws Exception {
    put("pinned", config("service.name=pinned", 0, "v: 1\n"));
    put("pinned", config("service.name=pinned", 0, "v: 2\n").put("deploy", false));
    ByteString uid = newUid();
    try (RawWebSocketAgent agent = gateway.webSocketAgent()) {
      assertEquals("v: 1\n", body(agent.exchange(hello(uid, "pinned", "prod", "h", ACCEPTS)).getRemoteConfig()
          .getConfig()));
      var pin = gateway.adminPut("/api/v1/agents/" + key(uid) + "/config-override",
          new JsonObject().put("config", "pinned").put("version", 2).put("message", "try v2 here first"));
      assertEquals(200, pin.statusCode(), pin.bodyAsString());
      assertEquals("v: 2\n", body(agent.next().getRemoteConfig().getConfig()));
      JsonObject shown = gateway.awaitAgent(key(uid), x -> x.getJsonObject("desiredConfig").getBoolean("override"),
          Duration.ofSeconds(5));
      assertEquals(2, shown.getJsonObject("desiredConfig").getInteger("version"));
      assertEquals(204, gateway.adminDelete("/api/v1/agents/" + key(uid) + "/config-override").statusCode());
      assertEquals("v: 1\n", body(agent.next().getRemoteConfig().getConfig()), "back to what the selector gives");
    }
    assertEquals(404, gateway.adminPut("/api/v1/agents/" + key(uid) + "/config-override",
        new JsonObject().put("config", "pinned").put("version", 9)).statusCode());
  }

  @Test
  void badConfigsAreRefusedWithAClearError() throws Exception {
    var badYaml = gateway.adminPut("/api/v1/configs/bad", config("", 0, "a: [1, 2\n"));
    assertEquals(400, badYaml.statusCode());
    assertTrue(badYaml.bodyAsJsonObject().getString("detail").contains("collector.yaml is not valid YAML (line"),
        badYaml.bodyAsString());
    var badSelector = gateway.adminPut("/api/v1/configs/bad", config("env in (a", 0, "a: 1\n"));
    assertEquals(400, badSelector.statusCode());
    assertEquals(404, gateway.adminGet("/api/v1/configs/bad").statusCode(), "nothing was saved");
    var badType = gateway.adminPut("/api/v1/configs/bad", config("", 0, "a: 1\n").put("priority", "high"));
    assertEquals(400, badType.statusCode());
    assertEquals("priority must be a whole number", badType.bodyAsJsonObject().getString("detail"));
  }

  @Test
  void versionsAreKeptAndReadable() throws Exception {
    put("history", config("service.name=history", 0, "v: 1\n"));
    put("history", config("service.name=history", 0, "v: 2\n").put("deploy", false));
    JsonObject latest = gateway.adminJson("/api/v1/configs/history");
    assertEquals(2, latest.getInteger("version"));
    assertEquals(1, latest.getInteger("activeVersion"), "saved without deploying");
    assertEquals(2, latest.getJsonArray("versions").size());
    assertEquals("v: 1\n", gateway.adminJson("/api/v1/configs/history/versions/1").getJsonObject("files")
        .getJsonObject("collector.yaml").getString("body"));
    assertEquals(200, gateway.adminPost("/api/v1/configs/history/versions/2/activate", null).statusCode());
    assertEquals(2, gateway.adminJson("/api/v1/configs/history").getInteger("activeVersion"));
    assertTrue(gateway.adminJson("/api/v1/configs").getJsonArray("configs").stream()
        .anyMatch(o -> "history".equals(((JsonObject) o).getString("name"))));
    assertEquals(204, gateway.adminDelete("/api/v1/configs/history").statusCode());
    assertEquals(404, gateway.adminGet("/api/v1/configs/history").statusCode());
    assertEquals(404, gateway.adminPost("/api/v1/configs/history/versions/2/activate", null).statusCode(),
        "a deleted config cannot be activated");
    JsonObject revived = put("history", config("service.name=history", 0, "v: 3\n").put("deploy", false));
    assertEquals(3, revived.getInteger("version"));
    assertNull(revived.getValue("activeVersion"), "a deleted config comes back with nothing active");
  }
}
