package dev.opamp.gateway.packages;

import static dev.opamp.gateway.packages.PackageFixture.randomBytes;
import static dev.opamp.gateway.packages.PackageFixture.upload;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.opamp.gateway.testing.Poll;
import dev.opamp.gateway.testing.SupervisedAgent;
import dev.opamp.gateway.testing.SupervisedAgent.Outcome;
import dev.opamp.gateway.testing.TestGateway;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Staged package upgrades through the rollout engine, with simulated supervisors that download,
 * verify, install and restart: a good upgrade completes; a canary that fails to install, or that
 * comes back unhealthy, stops the rollout and the agents are offered their previous version.
 */
class PackageRolloutTest {

  private static final Duration WAIT = Duration.ofSeconds(30);
  private static TestGateway gateway;

  @BeforeAll
  static void start() throws Exception {
    gateway = TestGateway.start();
    assertEquals(201, upload(gateway, "otelcol", "1.0.0", randomBytes(200_000, 11), null, null).statusCode());
    assertEquals(201, upload(gateway, "otelcol", "2.0.0", randomBytes(300_000, 12), null, null).statusCode());
  }

  @AfterAll
  static void stop() throws Exception {
    gateway.close();
  }

  /** Agents of {@code service} running 1.0.0 as their assignment says, sorted by key (the canary first). */
  private static List<SupervisedAgent> fleetOn100(String service, int n, Outcome on200) throws Exception {
    var r = gateway.adminPut("/api/v1/package-assignments/" + service, new JsonObject()
        .put("selector", "service.name=" + service).put("packages", new JsonObject().put("otelcol", "1.0.0")));
    assertEquals(200, r.statusCode(), r.bodyAsString());
    List<SupervisedAgent> agents = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      agents.add(new SupervisedAgent(gateway.clientVertx(), gateway.opampPort(), service, "0.9.0")
          .outcome(v -> v.equals("2.0.0") ? on200 : Outcome.INSTALL).start());
    }
    agents.sort(Comparator.comparing(SupervisedAgent::key));
    Poll.until("every agent to run 1.0.0", WAIT, () -> agents.stream().allMatch(a -> "1.0.0".equals(a.version())));
    for (SupervisedAgent a : agents) {
      gateway.awaitAgent(a.key(), json -> installed(json, "1.0.0"), WAIT);
    }
    return agents;
  }

  private static boolean installed(JsonObject agent, String version) {
    JsonObject statuses = agent.getJsonObject("packageStatuses");
    JsonObject otelcol = statuses == null ? null : statuses.getJsonObject("packages").getJsonObject("otelcol");
    return otelcol != null && "Installed".equals(otelcol.getString("status"))
        && version.equals(otelcol.getString("agentHasVersion"))
        && version.equals(agent.getJsonObject("identifyingAttributes").getString("service.version"));
  }

  /** Stages 2.0.0 and starts a rollout: one canary, then the rest. */
  private static String rollOut200(String service) throws Exception {
    var staged = gateway.adminPut("/api/v1/package-assignments/" + service, new JsonObject()
        .put("selector", "service.name=" + service).put("deploy", false)
        .put("packages", new JsonObject().put("otelcol", "2.0.0")));
    assertEquals(200, staged.statusCode(), staged.bodyAsString());
    assertEquals("1.0.0", staged.bodyAsJsonObject().getJsonObject("packages").getString("otelcol"), "not deployed yet");
    assertEquals("2.0.0", staged.bodyAsJsonObject().getJsonObject("stagedPackages").getString("otelcol"));
    var started = gateway.adminPost("/api/v1/rollouts", new JsonObject().put("packages", service)
        .put("strategy", new JsonObject().put("canary", 1).put("growth", 10).put("waitSeconds", 0)
            .put("healthySeconds", 1).put("maxFailures", 0).put("onFailure", "rollback").put("deadlineSeconds", 60)));
    assertEquals(201, started.statusCode(), started.bodyAsString());
    assertEquals(service, started.bodyAsJsonObject().getString("packages"));
    return started.bodyAsJsonObject().getString("id");
  }

  private static JsonObject awaitRollout(String id, String state) throws Exception {
    return Poll.until("rollout " + id + " to be " + state, WAIT, () -> gateway.adminJson("/api/v1/rollouts/" + id),
        r -> state.equals(r.getString("state")));
  }

  @Test
  void aGoodUpgradeReachesEveryAgentWaveByWaveAndIsDeployed() throws Exception {
    List<SupervisedAgent> agents = fleetOn100("good-upgrade", 3, Outcome.INSTALL);
    try {
      String id = rollOut200("good-upgrade");
      JsonObject done = awaitRollout(id, "completed");
      assertEquals("2.0.0", done.getJsonObject("packageSet").getString("otelcol"));
      assertEquals("1.0.0", done.getJsonObject("previousPackageSet").getString("otelcol"));
      assertEquals(2, done.getJsonArray("waves").size(), "a canary, then the rest");
      for (SupervisedAgent a : agents) {
        gateway.awaitAgent(a.key(), json -> installed(json, "2.0.0"), WAIT);
      }
      JsonObject assignment = gateway.adminJson("/api/v1/package-assignments/good-upgrade");
      assertEquals("2.0.0", assignment.getJsonObject("packages").getString("otelcol"));
      assertEquals(null, assignment.getValue("stagedPackages"));
    } finally {
      agents.forEach(SupervisedAgent::close);
    }
  }

  @Test
  void aCanaryThatFailsToInstallStopsTheRolloutAndIsOfferedItsPreviousVersion() throws Exception {
    List<SupervisedAgent> agents = fleetOn100("failing-install", 3, Outcome.FAIL);
    try {
      String id = rollOut200("failing-install");
      JsonObject stopped = awaitRollout(id, "rolled_back");
      assertEquals(1, stopped.getJsonArray("waves").size(), "no wave after the canary");
      assertEquals(1, stopped.getJsonArray("waves").getJsonObject(0).getInteger("failed"));
      SupervisedAgent canary = agents.get(0);
      Poll.until("the canary to be offered 1.0.0 again", WAIT,
          () -> canary.offeredVersions().equals(List.of("1.0.0", "2.0.0", "1.0.0")));
      gateway.awaitAgent(canary.key(), json -> installed(json, "1.0.0"), WAIT);
      for (SupervisedAgent other : agents.subList(1, agents.size())) {
        assertFalse(other.offeredVersions().contains("2.0.0"), "only the canary was offered 2.0.0");
      }
      // 2.0.0 is not offered to the canary again until an operator clears it.
      JsonObject blocks = gateway.adminJson("/api/v1/agents/" + canary.key() + "/package-blocks");
      assertTrue(blocks.getJsonArray("versions").contains("otelcol@2.0.0"), blocks.encode());
      assertEquals(204, gateway.adminDelete("/api/v1/agents/" + canary.key() + "/package-blocks").statusCode());
      assertEquals(404, gateway.adminGet("/api/v1/agents/" + canary.key() + "/package-blocks").statusCode());
    } finally {
      agents.forEach(SupervisedAgent::close);
    }
  }

  @Test
  void aCanaryThatComesBackUnhealthyStopsTheRolloutAndIsOfferedItsPreviousVersion() throws Exception {
    List<SupervisedAgent> agents = fleetOn100("unhealthy-upgrade", 3, Outcome.UNHEALTHY);
    try {
      String id = rollOut200("unhealthy-upgrade");
      awaitRollout(id, "rolled_back");
      SupervisedAgent canary = agents.get(0);
      Poll.until("the canary to be offered 1.0.0 again", WAIT,
          () -> canary.offeredVersions().equals(List.of("1.0.0", "2.0.0", "1.0.0")));
      Poll.until("the canary to run 1.0.0 again, healthy", WAIT, () -> "1.0.0".equals(canary.version()) && canary.healthy());
      JsonObject shown = gateway.awaitAgent(canary.key(), json -> installed(json, "1.0.0"), WAIT);
      assertTrue(shown.getJsonObject("desiredPackages").getBoolean("rolledBack"), shown.encode());
      for (SupervisedAgent other : agents.subList(1, agents.size())) {
        assertFalse(other.offeredVersions().contains("2.0.0"), "only the canary was offered 2.0.0");
      }
    } finally {
      agents.forEach(SupervisedAgent::close);
    }
  }
}
