package dev.opamp.gateway.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import com.hazelcast.config.Config;
import com.hazelcast.config.InMemoryFormat;
import dev.opamp.gateway.fleet.FleetStore;
import dev.opamp.gateway.proto.ServerToAgent;
import dev.opamp.gateway.proto.ServerToAgentFlags;
import dev.opamp.gateway.testing.AgentListing;
import dev.opamp.gateway.testing.ClusterConfigFile;
import dev.opamp.gateway.testing.GatewayProcess;
import dev.opamp.gateway.testing.LoopbackBalancer;
import dev.opamp.gateway.testing.LoopbackBalancer.Backend;
import dev.opamp.gateway.testing.Messages;
import dev.opamp.gateway.testing.Poll;
import dev.opamp.gateway.testing.ProcessCluster;
import dev.opamp.gateway.testing.RawWebSocketAgent;
import dev.opamp.gateway.testing.TestCluster;
import dev.opamp.gateway.testing.TestGateway;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The clustering test harness proves itself on what already works: a cluster-wide fleet map,
 * records surviving kill -9 of a process thanks to the backup, and a load balancer spreading
 * agents over nodes.
 */
class ClusterHarnessTest {

  private static final Logger LOG = Logger.getLogger(ClusterHarnessTest.class.getName());
  private static final Duration WAIT = Duration.ofSeconds(20);

  @Test
  void generatedMemberConfigsFormAClusterOfTheirOwn(@TempDir Path dir) {
    ClusterConfigFile first = ClusterConfigFile.write(dir.resolve("one"), 3);
    ClusterConfigFile second = ClusterConfigFile.write(dir.resolve("two"), 3);
    assertNotEquals(first.clusterName(), second.clusterName(), "no two test clusters ever merge");
    Set<Integer> ports = new HashSet<>();
    for (int i = 0; i < 3; i++) {
      Config config = MemberConfig.fromFile(first.file(i));
      assertEquals(first.clusterName(), config.getClusterName());
      assertEquals(first.memberPort(i), config.getNetworkConfig().getPort());
      assertFalse(config.getNetworkConfig().isPortAutoIncrement());
      assertEquals(List.of("127.0.0.1"), List.copyOf(config.getNetworkConfig().getInterfaces().getInterfaces()));
      var join = config.getNetworkConfig().getJoin();
      assertTrue(join.getTcpIpConfig().isEnabled());
      assertFalse(join.getMulticastConfig().isEnabled());
      assertFalse(join.getAutoDetectionConfig().isEnabled());
      assertEquals(List.of("127.0.0.1:" + first.memberPort(0), "127.0.0.1:" + first.memberPort(1),
          "127.0.0.1:" + first.memberPort(2)), join.getTcpIpConfig().getMembers());
      assertFalse(config.getJetConfig().isEnabled());
      for (String map : List.of(FleetStore.AGENTS_MAP, FleetStore.CONFIG_BLOBS_MAP)) {
        assertEquals(1, config.getMapConfig(map).getBackupCount(), map);
        assertEquals(InMemoryFormat.BINARY, config.getMapConfig(map).getInMemoryFormat(), map);
      }
      assertEquals("1", config.getProperty("hazelcast.heartbeat.interval.seconds"));
      assertEquals("5", config.getProperty("hazelcast.max.no.heartbeat.seconds"));
      ports.add(first.memberPort(i));
    }
    assertEquals(3, ports.size(), "distinct member ports");
  }

  @Test
  @Timeout(90)
  void agentsOnAnyNodeOfAnInJvmClusterAreListedByEveryNode() throws Exception {
    try (TestCluster cluster = TestCluster.start(3)) {
      assertEquals(3, cluster.size());
      for (int i = 0; i < 3; i++) {
        assertEquals(3, cluster.memberCount(i));
        assertEquals(TestCluster.nodeName(i), cluster.node(i).node().nodeName());
      }
      ByteString onA = Messages.newUid();
      ByteString onC = Messages.newUid();
      try (RawWebSocketAgent a = cluster.node(0).webSocketAgent();
          RawWebSocketAgent c = cluster.node(2).webSocketAgent()) {
        assertAnswered(a.exchange(Messages.fullState(onA, 0, "checkout")), onA);
        assertAnswered(c.exchange(Messages.fullState(onC, 0, "cart")), onC);

        Map<String, JsonObject> fromB = Poll.until("node-b lists both agents", WAIT,
            () -> AgentListing.byKey(cluster.node(1).adminJson(AgentListing.ALL)),
            agents -> agents.containsKey(Messages.key(onA)) && agents.containsKey(Messages.key(onC)));
        assertEquals("node-a", AgentListing.node(fromB.get(Messages.key(onA))));
        assertEquals("node-c", AgentListing.node(fromB.get(Messages.key(onC))));
        assertEquals(Boolean.TRUE, AgentListing.connected(fromB.get(Messages.key(onA))));
      }
    }
  }

  @Test
  @Timeout(120)
  void recordsOfAKilledProcessSurviveAndItsAgentReconnectsElsewhere() throws Exception {
    long t0 = System.nanoTime();
    try (ProcessCluster cluster = ProcessCluster.start(3)) {
      LOG.info(() -> "process cluster of 3 formed in " + millisSince(t0) + " ms");
      GatewayProcess p0 = cluster.process(0);
      GatewayProcess p1 = cluster.process(1);
      GatewayProcess p2 = cluster.process(2);
      ByteString onP0 = Messages.newUid();
      ByteString onP1 = Messages.newUid();
      RawWebSocketAgent a0 = p0.webSocketAgent();
      RawWebSocketAgent a1 = p1.webSocketAgent();
      assertAnswered(a0.exchange(Messages.fullState(onP0, 0, "checkout")), onP0);
      assertAnswered(a1.exchange(Messages.fullState(onP1, 0, "cart")), onP1);
      Poll.until("node-a lists both agents", WAIT, () -> AgentListing.byKey(p0.adminJson(AgentListing.ALL)),
          agents -> agents.containsKey(Messages.key(onP0)) && agents.containsKey(Messages.key(onP1)));

      long killed = System.nanoTime();
      p1.kill();
      assertFalse(p1.isAlive());
      a1.awaitClose(Duration.ofSeconds(10)); // the kernel closes the dead process's sockets
      cluster.awaitLoggedMembers(2, Duration.ofSeconds(30));
      LOG.info(() -> "survivors logged 2 members " + millisSince(killed) + " ms after kill -9");

      // The survivors mark the dead node's agents disconnected (with since-when); nothing is lost.
      JsonObject orphan = p0.awaitAgent(Messages.key(onP1), agent -> Boolean.FALSE.equals(AgentListing.connected(agent)),
          WAIT);
      assertEquals("node-b", AgentListing.node(orphan));
      assertTrue(orphan.getJsonObject("connection").getString("since") != null);
      LOG.info(() -> "the killed node's agent shown disconnected " + millisSince(killed) + " ms after kill -9");
      assertEquals(1, p0.adminJson("/api/v1/agents?connected=true").getInteger("count"));
      assertEquals(2, p0.adminJson("/api/v1/nodes").getJsonArray("nodes").size());

      try (RawWebSocketAgent again = p2.webSocketAgent()) {
        ServerToAgent reply = again.exchange(Messages.heartbeat(onP1, 1));
        assertAnswered(reply, onP1);
        assertEquals(0, reply.getFlags() & ServerToAgentFlags.ServerToAgentFlags_ReportFullState_VALUE,
            "its state survived the node, so the agent need not resend it");
        JsonObject moved = p0.awaitAgent(Messages.key(onP1),
            agent -> "node-c".equals(AgentListing.node(agent)) && Boolean.TRUE.equals(AgentListing.connected(agent)),
            WAIT);
        assertEquals("cart", moved.getJsonObject("identifyingAttributes").getString("service.name"),
            "the description from before the kill is kept: " + moved);
        assertEquals(2, p0.adminJson("/api/v1/agents?connected=true").getInteger("count"));
      }
      a0.close();
      LOG.info(() -> "kill -9 scenario done " + millisSince(killed) + " ms after the kill");
    }
    LOG.info(() -> "process cluster test took " + millisSince(t0) + " ms");
  }

  @Test
  @Timeout(60)
  void theBalancerSpreadsAgentsOverReadyBackendsOnly() throws Exception {
    try (TestGateway g1 = TestGateway.start();
        TestGateway g2 = TestGateway.start();
        LoopbackBalancer balancer = LoopbackBalancer.start(Backend.of(g1), Backend.of(g2))) {
      assertEquals(List.of(Backend.of(g1), Backend.of(g2)), balancer.backendsInService());

      List<ByteString> uids = new ArrayList<>();
      List<RawWebSocketAgent> agents = new ArrayList<>();
      try {
        for (int i = 0; i < 4; i++) {
          ByteString uid = Messages.newUid();
          RawWebSocketAgent agent = RawWebSocketAgent.connect(g1.clientVertx(), balancer.port());
          agents.add(agent);
          uids.add(uid);
          assertAnswered(agent.exchange(Messages.fullState(uid, 0, "svc-" + i)), uid);
        }
        Map<String, JsonObject> onG1 = AgentListing.byKey(g1.adminJson(AgentListing.ALL));
        Map<String, JsonObject> onG2 = AgentListing.byKey(g2.adminJson(AgentListing.ALL));
        assertEquals(2, onG1.size(), "round-robin: half on the first backend " + onG1.keySet());
        assertEquals(2, onG2.size(), "round-robin: half on the second backend " + onG2.keySet());
        assertEquals(2, balancer.connectionsTo(Backend.of(g1)));
        assertEquals(2, balancer.connectionsTo(Backend.of(g2)));

        g2.close();
        balancer.awaitInService(List.of(Backend.of(g1)), Duration.ofSeconds(5));
        for (int i = 0; i < agents.size(); i++) {
          if (onG2.containsKey(Messages.key(uids.get(i)))) {
            agents.get(i).awaitClose(Duration.ofSeconds(10)); // the balancer closes the client side too
          }
        }
        for (int i = 0; i < 3; i++) {
          ByteString uid = Messages.newUid();
          try (RawWebSocketAgent agent = RawWebSocketAgent.connect(g1.clientVertx(), balancer.port())) {
            assertAnswered(agent.exchange(Messages.fullState(uid, 0, "late-" + i)), uid);
          }
          uids.add(uid);
        }
        assertEquals(5, balancer.connectionsTo(Backend.of(g1)));
        assertEquals(2, balancer.connectionsTo(Backend.of(g2)));
        Map<String, JsonObject> finalG1 = AgentListing.byKey(g1.adminJson(AgentListing.ALL));
        assertEquals(5, finalG1.size(), finalG1.keySet().toString());
      } finally {
        agents.forEach(RawWebSocketAgent::close);
      }
    }
  }

  private static void assertAnswered(ServerToAgent reply, ByteString uid) {
    assertNotNull(reply);
    assertEquals(uid, reply.getInstanceUid());
    assertTrue(reply.getCapabilities() != 0, "the server states its capabilities");
    assertFalse(reply.hasAgentIdentification(), "the agent keeps its uid: " + reply);
  }

  private static long millisSince(long nanos) {
    return (System.nanoTime() - nanos) / 1_000_000;
  }
}
