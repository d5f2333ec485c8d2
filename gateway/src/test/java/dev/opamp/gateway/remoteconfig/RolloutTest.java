package dev.opamp.gateway.remoteconfig;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.opamp.gateway.testing.ReconnectingAgent;
import dev.opamp.gateway.testing.TestGateway;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Rollouts over a few hundred simulated agents that apply configs like a supervisor. */
class RolloutTest {

  private static TestGateway gateway;

  @BeforeAll
  static void start() throws Exception {
    gateway = TestGateway.start();
  }

  @AfterAll
  static void stop() throws Exception {
    gateway.close();
  }

  static List<ReconnectingAgent> fleet(TestGateway via, int port, String service, int n, Predicate<String> failWhen) {
    List<ReconnectingAgent> agents = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      agents.add(new ReconnectingAgent(via.clientVertx(), port, service).failWhen(failWhen).start());
    }
    return agents;
  }

  static void save(TestGateway via, String name, String service, String body, boolean deploy) throws Exception {
    var r = via.adminPut("/api/v1/configs/" + name, new JsonObject()
        .put("selector", "service.name=" + service)
        .put("files", new JsonObject().put("collector.yaml", body))
        .put("deploy", deploy));
    assertEquals(201, r.statusCode(), r.bodyAsString());
  }

  static void awaitAll(List<ReconnectingAgent> agents, String body, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (agents.stream().allMatch(a -> body.equals(a.appliedBody()))) {
        return;
      }
      Thread.sleep(100);
    }
    long done = agents.stream().filter(a -> body.equals(a.appliedBody())).count();
    throw new AssertionError(done + " of " + agents.size() + " agents run \"" + body.strip() + "\"");
  }

  static JsonObject awaitState(TestGateway via, String id, String state, Duration timeout) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    JsonObject r = null;
    while (System.nanoTime() < deadline) {
      r = via.adminJson("/api/v1/rollouts/" + id);
      if (state.equals(r.getString("state"))) {
        return r;
      }
      Thread.sleep(200);
    }
    throw new AssertionError("rollout never became " + state + ": " + r);
  }

  static String startRollout(TestGateway via, String config, long version, JsonObject strategy) throws Exception {
    var r = via.adminPost("/api/v1/rollouts", new JsonObject().put("config", config).put("version", version)
        .put("strategy", strategy));
    assertEquals(201, r.statusCode(), r.bodyAsString());
    return r.bodyAsJsonObject().getString("id");
  }

  @Test
  void aHealthyRolloutCompletesEveryWave() throws Exception {
    List<ReconnectingAgent> agents = fleet(gateway, gateway.opampPort(), "healthy", 200, body -> false);
    try {
      save(gateway, "healthy", "healthy", "v: 1\n", true);
      awaitAll(agents, "v: 1\n", Duration.ofSeconds(30));
      save(gateway, "healthy", "healthy", "v: 2\n", false);
      String id = startRollout(gateway, "healthy", 2, new JsonObject().put("canary", "5%").put("growth", 3)
          .put("waitSeconds", 0).put("healthySeconds", 1).put("maxFailures", 0));
      JsonObject done = awaitState(gateway, id, "completed", Duration.ofSeconds(60));
      JsonArray waves = done.getJsonArray("waves");
      assertTrue(waves.size() >= 3, "canary then growing waves: " + waves);
      int targeted = 0;
      int previous = 0;
      for (int i = 0; i < waves.size(); i++) {
        JsonObject w = waves.getJsonObject(i);
        assertEquals(w.getInteger("targeted"), w.getInteger("applied"), "every agent of wave " + i + " applied");
        assertTrue(w.getInteger("targeted") >= previous || i == waves.size() - 1, "waves grow: " + waves);
        previous = w.getInteger("targeted");
        targeted += w.getInteger("targeted");
      }
      assertEquals(10, waves.getJsonObject(0).getInteger("targeted"), "the canary is 5% of 200");
      assertEquals(200, targeted);
      awaitAll(agents, "v: 2\n", Duration.ofSeconds(10));
      assertEquals(2, gateway.adminJson("/api/v1/configs/healthy").getInteger("activeVersion"));
    } finally {
      agents.forEach(ReconnectingAgent::close);
    }
  }

  @Test
  void aCanaryThatFailsStopsTheRolloutAndRollsItsAgentsBack() throws Exception {
    // About a third of the agents reject version 2.
    List<ReconnectingAgent> agents = new ArrayList<>();
    for (int i = 0; i < 150; i++) {
      boolean rejects = i % 3 == 0;
      agents.add(new ReconnectingAgent(gateway.clientVertx(), gateway.opampPort(), "canary")
          .failWhen(body -> rejects && body.contains("v: 2")).start());
    }
    try {
      save(gateway, "canary", "canary", "v: 1\n", true);
      awaitAll(agents, "v: 1\n", Duration.ofSeconds(30));
      save(gateway, "canary", "canary", "v: 2\n", false);
      String id = startRollout(gateway, "canary", 2, new JsonObject().put("canary", 30).put("growth", 2)
          .put("waitSeconds", 0).put("healthySeconds", 1).put("maxFailures", 2).put("onFailure", "rollback"));
      JsonObject rolledBack = awaitState(gateway, id, "rolled_back", Duration.ofSeconds(30));
      assertEquals(1, rolledBack.getJsonArray("waves").size(), "stopped after the canary: " + rolledBack);
      assertTrue(rolledBack.getJsonArray("waves").getJsonObject(0).getInteger("failed") > 2, rolledBack.encode());
      assertTrue(rolledBack.getString("reason").contains("failed"), rolledBack.getString("reason"));
      // Every agent runs version 1 again; those outside the canary never saw version 2.
      awaitAll(agents, "v: 1\n", Duration.ofSeconds(30));
      JsonArray shown = null;
      Set<Long> versions = Set.of();
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (!versions.equals(Set.of(1L)) && System.nanoTime() < deadline) {
        Thread.sleep(200); // agents that rejected version 2 still run version 1: wait for the records
        shown = gateway.adminJson("/api/v1/agents?selector=service.name%3Dcanary&limit=1000").getJsonArray("agents");
        versions = shown.stream().map(o -> ((JsonObject) o).getJsonObject("desiredConfig").getLong("version"))
            .collect(Collectors.toSet());
      }
      assertEquals(Set.of(1L), versions);
      long rolledBackAgents = shown.stream().map(o -> ((JsonObject) o).getJsonObject("desiredConfig"))
          .filter(d -> d.getLong("rolledBackFrom") != null && d.getLong("rolledBackFrom") == 2).count();
      assertEquals(30, rolledBackAgents, "the canary's agents are shown as rolled back");
      assertEquals(1, gateway.adminJson("/api/v1/configs/canary").getInteger("activeVersion"));
    } finally {
      agents.forEach(ReconnectingAgent::close);
    }
  }

  @Test
  void aRolloutCanBePausedResumedAndRefusedWhenMeaningless() throws Exception {
    List<ReconnectingAgent> agents = fleet(gateway, gateway.opampPort(), "manual", 20, body -> false);
    try {
      save(gateway, "manual", "manual", "v: 1\n", true);
      awaitAll(agents, "v: 1\n", Duration.ofSeconds(30));
      var sameVersion = gateway.adminPost("/api/v1/rollouts", new JsonObject().put("config", "manual")
          .put("version", 1));
      assertEquals(409, sameVersion.statusCode(), "version 1 is already active");
      assertEquals(404, gateway.adminPost("/api/v1/rollouts", new JsonObject().put("config", "nope")).statusCode());
      assertEquals(400, gateway.adminPost("/api/v1/rollouts", new JsonObject().put("config", "manual")
          .put("strategy", new JsonObject().put("canary", "lots"))).statusCode());
      assertEquals(400, gateway.adminPost("/api/v1/rollouts", new JsonObject().put("config", "manual")
          .put("strategy", new JsonObject().put("maxFailures", "NaN%"))).statusCode());
      assertEquals(400, gateway.adminPost("/api/v1/rollouts", new JsonObject().put("config", "manual")
          .put("strategy", new JsonObject().put("waitSeconds", -1))).statusCode());
      assertEquals(400, gateway.adminPost("/api/v1/rollouts", new JsonObject().put("config", "manual")
          .put("version", -2)).statusCode());
      save(gateway, "manual", "manual", "v: 2\n", false);
      String id = startRollout(gateway, "manual", 2, new JsonObject().put("canary", 2).put("growth", 2)
          .put("waitSeconds", 30).put("healthySeconds", 0));
      assertEquals(200, gateway.adminPost("/api/v1/rollouts/" + id + "/pause", null).statusCode());
      assertEquals(409, gateway.adminPost("/api/v1/rollouts/" + id + "/pause", null).statusCode());
      assertEquals("paused", gateway.adminJson("/api/v1/rollouts/" + id).getString("state"));
      assertEquals(200, gateway.adminPost("/api/v1/rollouts/" + id + "/resume", null).statusCode());
      assertEquals(200, gateway.adminPost("/api/v1/rollouts/" + id + "/rollback", null).statusCode());
      awaitAll(agents, "v: 1\n", Duration.ofSeconds(20));
      assertNull(gateway.adminJson("/api/v1/rollouts").getJsonArray("rollouts").stream()
          .map(o -> (JsonObject) o).filter(o -> id.equals(o.getString("id")) && !"rolled_back".equals(o.getString("state")))
          .findAny().orElse(null));
    } finally {
      agents.forEach(ReconnectingAgent::close);
    }
  }
}
