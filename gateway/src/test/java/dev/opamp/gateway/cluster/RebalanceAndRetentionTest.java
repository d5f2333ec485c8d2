package dev.opamp.gateway.cluster;

import static dev.opamp.gateway.testing.Messages.fullState;
import static dev.opamp.gateway.testing.Messages.key;
import static dev.opamp.gateway.testing.Messages.newUid;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.opamp.gateway.testing.LoopbackBalancer;
import dev.opamp.gateway.testing.RawWebSocketAgent;
import dev.opamp.gateway.testing.ReconnectingAgent;
import dev.opamp.gateway.testing.TestCluster;
import dev.opamp.gateway.testing.TestGateway;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A node that joins gets a share of the fleet; agents gone for good are forgotten after retention. */
class RebalanceAndRetentionTest {

  @Test
  void aJoiningNodeReceivesAShareOfTheAgents() throws Exception {
    int agents = 24;
    try (TestCluster cluster = TestCluster.start(3, 2, b -> { })) {
      List<LoopbackBalancer.Backend> backends = new ArrayList<>(List.of(
          LoopbackBalancer.Backend.of(cluster.node(0)), LoopbackBalancer.Backend.of(cluster.node(1))));
      List<ReconnectingAgent> fleet = new ArrayList<>();
      TestGateway observer = cluster.node(0);
      try (LoopbackBalancer balancer = LoopbackBalancer.start(backends)) {
        for (int i = 0; i < agents; i++) {
          fleet.add(new ReconnectingAgent(observer.clientVertx(), balancer.port(), "spread").start());
        }
        Map<String, Integer> before = awaitSpread(observer, agents, 2);
        assertEquals(2, before.size(), "two nodes hold the fleet: " + before);

        TestGateway joined = cluster.join();
        LoopbackBalancer.Backend third = LoopbackBalancer.Backend.of(joined);
        balancer.addBackend(third);
        balancer.awaitInService(List.of(backends.get(0), backends.get(1), third), Duration.ofSeconds(10));
        // The busy nodes shed a bounded share; those agents come back through the balancer, some on the new node.
        Map<String, Integer> after = awaitSpread(observer, agents, 3);
        assertTrue(after.getOrDefault(TestCluster.nodeName(2), 0) > 0, "the new node took agents: " + after);
        int most = before.values().stream().max(Integer::compare).orElseThrow();
        assertTrue(after.values().stream().allMatch(n -> n <= most), "no node holds more than before: " + after);
      } finally {
        fleet.forEach(ReconnectingAgent::close);
      }
    }
  }

  /** Waits until {@code count} "spread" agents are connected; answers how many each node holds. */
  private static Map<String, Integer> awaitSpread(TestGateway observer, int count, int minNodes) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    Map<String, Integer> perNode = new HashMap<>();
    while (System.nanoTime() < deadline) {
      JsonArray list = observer.adminJson("/api/v1/agents?selector=service.name%3Dspread&connected=true")
          .getJsonArray("agents");
      perNode.clear();
      for (Object o : list) {
        perNode.merge(((JsonObject) o).getJsonObject("connection").getString("node"), 1, Integer::sum);
      }
      if (list.size() == count && perNode.size() >= minNodes) {
        return perNode;
      }
      Thread.sleep(200);
    }
    throw new AssertionError("agents not spread over " + minNodes + " nodes: " + perNode);
  }

  @Test
  void disconnectedAgentsAreForgottenAfterTheRetention() throws Exception {
    try (TestGateway gateway = TestGateway.start(TestGateway.testSettings()
        .agentRetention(Duration.ofSeconds(2)).build())) {
      ByteString gone = newUid();
      ByteString staying = newUid();
      try (RawWebSocketAgent agent = gateway.webSocketAgent()) {
        agent.exchange(fullState(gone, 0, "short-lived"));
      }
      try (RawWebSocketAgent agent = gateway.webSocketAgent()) {
        agent.exchange(fullState(staying, 0, "long-lived"));
        gateway.awaitAgent(key(gone), a -> !a.getJsonObject("connection").getBoolean("connected"),
            Duration.ofSeconds(5));
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        int status = 200;
        while (status == 200 && System.nanoTime() < deadline) {
          Thread.sleep(200);
          status = gateway.adminGet("/api/v1/agents/" + key(gone)).statusCode();
        }
        assertEquals(404, status, "forgotten after the retention");
        assertEquals(200, gateway.adminGet("/api/v1/agents/" + key(staying)).statusCode(),
            "a connected agent is never forgotten");
        assertTrue(gateway.adminJson("/api/v1/agents/" + key(staying)).getJsonObject("connection")
            .getBoolean("connected"));
      }
    }
  }
}
