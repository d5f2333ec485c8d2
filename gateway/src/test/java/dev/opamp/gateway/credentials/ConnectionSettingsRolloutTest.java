package dev.opamp.gateway.credentials;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.opamp.gateway.credentials.CredentialsTest.Agent;
import dev.opamp.gateway.proto.AgentCapabilities;
import dev.opamp.gateway.proto.ConnectionSettingsStatus;
import dev.opamp.gateway.proto.ConnectionSettingsStatuses;
import dev.opamp.gateway.proto.ServerToAgent;
import dev.opamp.gateway.testing.Messages;
import dev.opamp.gateway.testing.Poll;
import dev.opamp.gateway.testing.TestGateway;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A staged change of a connection-settings definition rolled out wave by wave over real
 * sockets: the canary first, the rest once it applied; a canary that fails stops the rollout and
 * gets the previous settings again; agents the selector does not match get neither.
 */
class ConnectionSettingsRolloutTest {

  private static final long REPORTS_METRICS = Messages.CAPABILITIES
      | AgentCapabilities.AgentCapabilities_ReportsOwnMetrics_VALUE
      | AgentCapabilities.AgentCapabilities_ReportsConnectionSettingsStatus_VALUE;
  private static final Duration WAIT = Duration.ofSeconds(15);
  private static final String OLD = "https://otlp-old.example:4318/v1/metrics";
  private static final String NEW = "https://otlp-new.example:4318/v1/metrics";
  private static TestGateway gateway;

  @BeforeAll
  static void start() throws Exception {
    gateway = TestGateway.start();
  }

  @AfterAll
  static void stop() throws Exception {
    gateway.close();
  }

  private static JsonObject metricsAt(String env, String endpoint) {
    return new JsonObject().put("selector", "env=" + env)
        .put("ownMetrics", new JsonObject().put("endpoint", endpoint));
  }

  private static Predicate<ServerToAgent> offers(String endpoint) {
    return m -> m.hasConnectionSettings()
        && endpoint.equals(m.getConnectionSettings().getOwnMetrics().getDestinationEndpoint());
  }

  private static void report(Agent agent, long seq, ByteString hash, ConnectionSettingsStatuses status) {
    agent.socket().send(Messages.heartbeat(agent.uid(), seq).toBuilder().setCapabilities(REPORTS_METRICS)
        .setConnectionSettingsStatus(ConnectionSettingsStatus.newBuilder()
            .setLastConnectionSettingsHash(hash).setStatus(status)).build());
  }

  /** Connects agents in {@code env}; each gets the deployed settings and applies them. */
  private static List<Agent> appliedFleet(String env, int count) throws Exception {
    List<Agent> agents = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      Agent a = CredentialsTest.connect(gateway, env, REPORTS_METRICS, null, Messages.newUid());
      agents.add(a);
      ServerToAgent offer = CredentialsTest.await(a.socket(), offers(OLD), WAIT);
      report(a, 1, offer.getConnectionSettings().getHash(), ConnectionSettingsStatuses.ConnectionSettingsStatuses_APPLIED);
      gateway.awaitAgent(a.key(), j -> j.getJsonObject("desiredConnectionSettings").getBoolean("applied"), WAIT);
    }
    return agents;
  }

  /** Stages the NEW endpoint (agents keep OLD) and starts a rollout of it: one canary, then the rest. */
  private static String stageAndRollOut(String name, String env) throws Exception {
    var staged = gateway.adminPut("/api/v1/connection-settings/" + name, metricsAt(env, NEW).put("deploy", false));
    assertEquals(200, staged.statusCode(), staged.bodyAsString());
    JsonObject shown = gateway.adminJson("/api/v1/connection-settings/" + name);
    assertEquals(OLD, shown.getJsonObject("ownMetrics").getString("endpoint"), "not deployed yet");
    assertEquals(OLD, shown.getJsonObject("deployed").getJsonObject("ownMetrics").getString("endpoint"));
    assertEquals(NEW, shown.getJsonObject("staged").getJsonObject("ownMetrics").getString("endpoint"));
    var started = gateway.adminPost("/api/v1/rollouts", new JsonObject().put("connectionSettings", name)
        .put("strategy", new JsonObject().put("canary", 1).put("growth", 10).put("waitSeconds", 0)
            .put("healthySeconds", 1).put("maxFailures", 0).put("onFailure", "rollback").put("deadlineSeconds", 60)));
    assertEquals(201, started.statusCode(), started.bodyAsString());
    assertEquals(name, started.bodyAsJsonObject().getString("connectionSettings"));
    return started.bodyAsJsonObject().getString("id");
  }

  /** The one agent offered {@code endpoint} first (the canary), with that offer. */
  private static Agent firstOffered(List<Agent> agents, String endpoint, ServerToAgent[] offer) throws Exception {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (System.nanoTime() < deadline) {
      for (Agent a : agents) {
        ServerToAgent m = a.socket().poll(Duration.ofMillis(50));
        if (m != null && offers(endpoint).test(m)) {
          offer[0] = m;
          return a;
        }
      }
    }
    throw new AssertionError("no agent was offered " + endpoint);
  }

  private static JsonObject awaitRollout(String id, String state) throws Exception {
    return Poll.until("rollout " + id + " to be " + state, WAIT, () -> gateway.adminJson("/api/v1/rollouts/" + id),
        r -> state.equals(r.getString("state")));
  }

  @Test
  void aStagedOwnMetricsChangeReachesTheCanaryFirstThenTheRestAndIsDeployed() throws Exception {
    assertEquals(200, gateway.adminPut("/api/v1/connection-settings/waves-good", metricsAt("waves-good", OLD))
        .statusCode());
    List<Agent> agents = appliedFleet("waves-good", 3);
    try (Agent elsewhere = CredentialsTest.connect(gateway, "not-waves", REPORTS_METRICS, null, Messages.newUid())) {
      String id = stageAndRollOut("waves-good", "waves-good");

      ServerToAgent[] canaryOffer = new ServerToAgent[1];
      Agent canary = firstOffered(agents, NEW, canaryOffer);
      List<Agent> rest = new ArrayList<>(agents);
      rest.remove(canary);
      for (Agent a : rest) {
        assertFalse(CredentialsTest.arrives(a.socket(), offers(NEW), Duration.ofMillis(1500)),
            "the rest wait for the canary");
      }
      JsonObject running = gateway.adminJson("/api/v1/rollouts/" + id);
      assertEquals("running", running.getString("state"));
      assertEquals(1, running.getJsonArray("waves").getJsonObject(0).getInteger("targeted"));
      assertEquals(1, running.getJsonArray("waves").getJsonObject(0).getInteger("offered"));

      report(canary, 2, canaryOffer[0].getConnectionSettings().getHash(),
          ConnectionSettingsStatuses.ConnectionSettingsStatuses_APPLIED);
      for (Agent a : rest) {
        ServerToAgent offer = CredentialsTest.await(a.socket(), offers(NEW), WAIT);
        report(a, 2, offer.getConnectionSettings().getHash(), ConnectionSettingsStatuses.ConnectionSettingsStatuses_APPLIED);
      }
      JsonObject done = awaitRollout(id, "completed");
      assertEquals("waves-good", done.getString("connectionSettings"));
      assertEquals(2, done.getJsonArray("waves").size(), "a canary, then the rest");
      JsonObject deployed = gateway.adminJson("/api/v1/connection-settings/waves-good");
      assertEquals(NEW, deployed.getJsonObject("deployed").getJsonObject("ownMetrics").getString("endpoint"));
      assertNull(deployed.getValue("staged"), "the staged settings are deployed now");
      assertTrue(gateway.adminJson("/api/v1/rollouts").getJsonArray("rollouts").stream()
          .map(JsonObject.class::cast).anyMatch(r -> id.equals(r.getString("id"))
              && "waves-good".equals(r.getString("connectionSettings"))));
      assertFalse(CredentialsTest.arrives(elsewhere.socket(), m -> m.hasConnectionSettings(), Duration.ofMillis(300)),
          "an agent the selector does not match gets neither settings");
    } finally {
      agents.forEach(Agent::close);
    }
  }

  @Test
  void aCanaryThatFailsStopsTheRolloutAndIsOfferedThePreviousSettingsAgain() throws Exception {
    assertEquals(200, gateway.adminPut("/api/v1/connection-settings/waves-bad", metricsAt("waves-bad", OLD))
        .statusCode());
    List<Agent> agents = appliedFleet("waves-bad", 2);
    try (Agent elsewhere = CredentialsTest.connect(gateway, "not-waves", REPORTS_METRICS, null, Messages.newUid())) {
      String id = stageAndRollOut("waves-bad", "waves-bad");
      ServerToAgent[] canaryOffer = new ServerToAgent[1];
      Agent canary = firstOffered(agents, NEW, canaryOffer);
      report(canary, 2, canaryOffer[0].getConnectionSettings().getHash(),
          ConnectionSettingsStatuses.ConnectionSettingsStatuses_FAILED);

      JsonObject stopped = awaitRollout(id, "rolled_back");
      assertEquals(1, stopped.getJsonArray("waves").size(), "no wave after the canary");
      assertEquals(1, stopped.getJsonArray("waves").getJsonObject(0).getInteger("failed"));
      ServerToAgent again = CredentialsTest.await(canary.socket(), offers(OLD), WAIT);
      assertFalse(again.getConnectionSettings().getHash().equals(canaryOffer[0].getConnectionSettings().getHash()));
      JsonObject shown = gateway.awaitAgent(canary.key(), j -> j.getJsonObject("desiredConnectionSettings")
          .getBoolean("rolledBack"), WAIT);
      assertEquals(id, shown.getJsonObject("desiredConnectionSettings").getString("rollout"));
      Agent other = agents.get(agents.get(0) == canary ? 1 : 0);
      assertFalse(CredentialsTest.arrives(other.socket(), offers(NEW), Duration.ofMillis(500)));
      JsonObject definition = gateway.adminJson("/api/v1/connection-settings/waves-bad");
      assertEquals(OLD, definition.getJsonObject("deployed").getJsonObject("ownMetrics").getString("endpoint"));
      assertEquals(NEW, definition.getJsonObject("staged").getJsonObject("ownMetrics").getString("endpoint"));
      assertFalse(CredentialsTest.arrives(elsewhere.socket(), m -> m.hasConnectionSettings(), Duration.ofMillis(300)));
    } finally {
      agents.forEach(Agent::close);
    }
  }

  @Test
  void nothingStagedOrNothingDeployedIsRefusedWithAReason() throws Exception {
    var fresh = gateway.adminPut("/api/v1/connection-settings/never-deployed",
        metricsAt("nowhere", NEW).put("deploy", false));
    assertEquals(409, fresh.statusCode(), fresh.bodyAsString());
    assertTrue(fresh.bodyAsJsonObject().getString("detail").contains("deploy"));
    assertEquals(200, gateway.adminPut("/api/v1/connection-settings/unstaged", metricsAt("nowhere", OLD))
        .statusCode());
    var refused = gateway.adminPost("/api/v1/rollouts", new JsonObject().put("connectionSettings", "unstaged"));
    assertEquals(409, refused.statusCode(), refused.bodyAsString());
    assertTrue(refused.bodyAsJsonObject().getString("detail").contains("nothing staged"));
    var missing = gateway.adminPost("/api/v1/rollouts", new JsonObject().put("connectionSettings", "no-such"));
    assertEquals(404, missing.statusCode());
    var both = gateway.adminPost("/api/v1/rollouts", new JsonObject().put("connectionSettings", "unstaged")
        .put("packages", "x"));
    assertEquals(400, both.statusCode());
  }
}
