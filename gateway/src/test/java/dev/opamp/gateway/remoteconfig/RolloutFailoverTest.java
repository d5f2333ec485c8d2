package dev.opamp.gateway.remoteconfig;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import dev.opamp.gateway.testing.GatewayProcess;
import dev.opamp.gateway.testing.LoopbackBalancer;
import dev.opamp.gateway.testing.ProcessCluster;
import dev.opamp.gateway.testing.ReconnectingAgent;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A rollout goes on when the node driving it is killed (kill -9 of a gateway process). */
class RolloutFailoverTest {

  @Test
  @Timeout(180)
  void aRolloutCompletesAfterItsDrivingNodeIsKilled() throws Exception {
    Vertx client = Vertx.vertx();
    List<ReconnectingAgent> agents = new ArrayList<>();
    try (ProcessCluster cluster = ProcessCluster.start(3)) {
      List<LoopbackBalancer.Backend> backends = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        backends.add(LoopbackBalancer.Backend.of(cluster.process(i)));
      }
      try (LoopbackBalancer balancer = LoopbackBalancer.start(backends)) {
        for (int i = 0; i < 40; i++) {
          agents.add(new ReconnectingAgent(client, balancer.port(), "failover").start());
        }
        GatewayProcess first = cluster.process(0);
        put(first, "v: 1\n", true);
        RolloutTest.awaitAll(agents, "v: 1\n", Duration.ofSeconds(60));
        put(first, "v: 2\n", false);
        var started = first.adminSend("POST", "/api/v1/rollouts", new JsonObject().put("config", "failover")
            .put("version", 2).put("strategy", new JsonObject().put("canary", 4).put("growth", 2)
                .put("waitSeconds", 2).put("healthySeconds", 1)));
        assertEquals(201, started.statusCode(), started.body());
        String id = new JsonObject(started.body()).getString("id");

        // Once the canary passed, kill the node that drives the rollout.
        JsonObject mid = await(first, id, r -> r.getJsonArray("waves").size() >= 2, Duration.ofSeconds(60));
        String driver = mid.getString("drivenBy");
        assertNotNull(driver);
        int victim = -1;
        for (int i = 0; i < 3; i++) {
          if (cluster.process(i).nodeName().equals(driver)) {
            victim = i;
          }
        }
        cluster.kill(victim);
        GatewayProcess survivor = cluster.process(victim == 0 ? 1 : 0);

        JsonObject done = await(survivor, id, r -> "completed".equals(r.getString("state")), Duration.ofSeconds(90));
        assertEquals(40, done.getJsonArray("waves").stream()
            .mapToInt(w -> ((JsonObject) w).getInteger("targeted")).sum(), "every agent was in exactly one wave");
        RolloutTest.awaitAll(agents, "v: 2\n", Duration.ofSeconds(60));
        assertEquals(2, survivor.adminJson("/api/v1/configs/failover").getInteger("activeVersion"));
      }
    } finally {
      agents.forEach(ReconnectingAgent::close);
      client.close();
    }
  }

  private static void put(GatewayProcess node, String body, boolean deploy) throws Exception {
    var r = node.adminSend("PUT", "/api/v1/configs/failover", new JsonObject()
        .put("selector", "service.name=failover")
        .put("files", new JsonObject().put("collector.yaml", body))
        .put("deploy", deploy));
    assertEquals(201, r.statusCode(), r.body());
  }

  private static JsonObject await(GatewayProcess node, String id, java.util.function.Predicate<JsonObject> done,
      Duration timeout) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    JsonObject last = null;
    while (System.nanoTime() < deadline) {
      var r = node.adminGet("/api/v1/rollouts/" + id);
      if (r.statusCode() == 200) {
        last = new JsonObject(r.body());
        if (done.test(last)) {
          return last;
        }
      }
      Thread.sleep(250);
    }
    throw new AssertionError("rollout " + id + " did not get there: " + last);
  }
}
