package dev.opamp.gateway.cluster;

import static dev.opamp.gateway.testing.Messages.fullState;
import static dev.opamp.gateway.testing.Messages.heartbeat;
import static dev.opamp.gateway.testing.Messages.key;
import static dev.opamp.gateway.testing.Messages.newUid;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.opamp.gateway.proto.AgentCapabilities;
import dev.opamp.gateway.proto.AgentToServer;
import dev.opamp.gateway.proto.CommandType;
import dev.opamp.gateway.proto.ServerToAgent;
import dev.opamp.gateway.proto.ServerToAgentFlags;
import dev.opamp.gateway.protocol.InstanceUids;
import dev.opamp.gateway.protocol.ServerCapabilitySet;
import dev.opamp.gateway.testing.LoopbackBalancer;
import dev.opamp.gateway.testing.Messages;
import dev.opamp.gateway.testing.RawWebSocketAgent;
import dev.opamp.gateway.testing.ReconnectingAgent;
import dev.opamp.gateway.testing.TestCluster;
import dev.opamp.gateway.testing.TestGateway;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/** Three gateway nodes in one cluster: any agent reached from any node, sessions that move, draining. */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterRoutingTest {

  private static final long RESTARTABLE = Messages.CAPABILITIES
      | AgentCapabilities.AgentCapabilities_AcceptsRestartCommand_VALUE;
  private static TestCluster cluster;

  @BeforeAll
  static void start() throws Exception {
    cluster = TestCluster.start(3);
  }

  @AfterAll
  static void stop() throws Exception {
    cluster.close();
  }

  private static AgentToServer restartable(ByteString uid, String serviceName) {
    return fullState(uid, 0, serviceName).toBuilder().setCapabilities(RESTARTABLE).build();
  }

  private static void assertRestartCommand(ServerToAgent m, ByteString uid) {
    assertEquals(CommandType.CommandType_Restart, m.getCommand().getType());
    assertEquals(uid, m.getInstanceUid());
    assertEquals(ServerCapabilitySet.CURRENT, m.getCapabilities());
    // A command message carries nothing else.
    assertEquals(m, ServerToAgent.newBuilder().setInstanceUid(uid).setCapabilities(m.getCapabilities())
        .setCommand(m.getCommand()).build());
  }

  @Test
  @Order(1)
  void aRestartSentOnOneNodeReachesTheAgentHeldByAnother() throws Exception {
    ByteString uid = newUid();
    try (RawWebSocketAgent agent = cluster.node(2).webSocketAgent()) {
      agent.exchange(restartable(uid, "restart-me"));
      var response = cluster.node(0).adminPost("/api/v1/agents/" + key(uid) + "/restart", null);
      assertEquals(202, response.statusCode(), response.bodyAsString());
      assertEquals(TestCluster.nodeName(2), response.bodyAsJsonObject().getString("node"));
      assertRestartCommand(agent.next(), uid);
    }
  }

  @Test
  @Order(2)
  void aRestartNeedsTheAgentsCapability() throws Exception {
    ByteString uid = newUid();
    try (RawWebSocketAgent agent = cluster.node(1).webSocketAgent()) {
      agent.exchange(fullState(uid, 0, "no-restart"));
      var response = cluster.node(0).adminPost("/api/v1/agents/" + key(uid) + "/restart", null);
      assertEquals(409, response.statusCode());
      assertNull(agent.poll(Duration.ofMillis(300)), "nothing was sent to the agent");
    }
    assertEquals(404, cluster.node(0).adminPost("/api/v1/agents/" + key(newUid()) + "/restart", null).statusCode());
  }

  @Test
  @Order(3)
  void aRestartBySelectorReachesMatchingAgentsOnEveryNode() throws Exception {
    List<RawWebSocketAgent> matching = new ArrayList<>();
    List<ByteString> uids = new ArrayList<>();
    try (RawWebSocketAgent other = cluster.node(1).webSocketAgent()) {
      other.exchange(restartable(newUid(), "bystander"));
      for (int i = 0; i < 3; i++) {
        ByteString uid = newUid();
        RawWebSocketAgent agent = cluster.node(i).webSocketAgent();
        agent.exchange(restartable(uid, "fleet-x"));
        matching.add(agent);
        uids.add(uid);
      }
      var response = cluster.node(1).adminPost("/api/v1/commands/restart",
          new JsonObject().put("selector", "service.name=fleet-x"));
      assertEquals(202, response.statusCode(), response.bodyAsString());
      assertEquals(3, response.bodyAsJsonObject().getInteger("targeted"));
      for (int i = 0; i < 3; i++) {
        assertRestartCommand(matching.get(i).next(), uids.get(i));
      }
      assertNull(other.poll(Duration.ofMillis(300)), "the bystander does not match the selector");
    } finally {
      matching.forEach(RawWebSocketAgent::close);
    }
  }

  @Test
  @Order(4)
  void aReconnectToAnotherNodeClosesTheStaleSession() throws Exception {
    ByteString uid = newUid();
    try (RawWebSocketAgent first = cluster.node(0).webSocketAgent();
        RawWebSocketAgent second = cluster.node(1).webSocketAgent()) {
      first.exchange(fullState(uid, 0, "mover"));
      ServerToAgent reply = second.exchange(heartbeat(uid, 1));
      assertFalse(reply.hasAgentIdentification(), "another node's session is taken over, not duplicated");
      assertEquals(1001, first.awaitClose(Duration.ofSeconds(10)));
      JsonObject json = cluster.node(2).awaitAgent(key(uid),
          a -> TestCluster.nodeName(1).equals(a.getJsonObject("connection").getString("node")), Duration.ofSeconds(5));
      assertTrue(json.getJsonObject("connection").getBoolean("connected"));
      assertEquals("mover", json.getJsonObject("identifyingAttributes").getString("service.name"));
    }
  }

  @Test
  @Order(5)
  void anHttpAgentWhosePollsLandOnDifferentNodesKeepsOneSequence() throws Exception {
    ByteString uid = newUid();
    assertEquals(0, cluster.node(0).httpAgent().exchange(fullState(uid, 0, "hopper")).getFlags());
    for (int seq = 1; seq <= 4; seq++) {
      ServerToAgent reply = cluster.node(seq % 3).httpAgent().exchange(heartbeat(uid, seq));
      assertEquals(0, reply.getFlags(), "poll " + seq + " on node " + seq % 3 + " continues the sequence");
    }
    ServerToAgent afterGap = cluster.node(2).httpAgent().exchange(heartbeat(uid, 9));
    assertEquals(ServerToAgentFlags.ServerToAgentFlags_ReportFullState_VALUE,
        afterGap.getFlags() & ServerToAgentFlags.ServerToAgentFlags_ReportFullState_VALUE);
  }

  @Test
  @Order(5)
  void anHttpAgentMayNameItselfInTheInstanceUidHeader() throws Exception {
    ByteString uid = newUid();
    var answer = cluster.node(1).httpAgent().post(fullState(ByteString.EMPTY, 0, "by-header").toByteArray(),
        io.vertx.core.MultiMap.caseInsensitiveMultiMap()
            .add("Content-Type", "application/x-protobuf")
            .add("OpAMP-Instance-UID", InstanceUids.uuidText(uid)));
    assertEquals(200, answer.status());
    assertFalse(answer.message().hasAgentIdentification(), "the header's uid is valid and kept");
    cluster.node(0).awaitAgent(key(uid), a -> "by-header".equals(
        a.getJsonObject("identifyingAttributes").getString("service.name")), Duration.ofSeconds(5));
  }

  @Test
  @Order(5)
  void everyNodeIsListedWithWhatItHolds() throws Exception {
    JsonArray nodes = cluster.node(1).adminJson("/api/v1/nodes").getJsonArray("nodes");
    assertEquals(3, nodes.size());
    int partitions = 0;
    for (int i = 0; i < 3; i++) {
      JsonObject node = nodes.getJsonObject(i);
      partitions += node.getInteger("partitionsOwned");
      assertTrue(node.getJsonObject("sessions").containsKey("websocket"));
    }
    assertEquals(271, partitions, "every partition has an owner");
  }

  @Test
  @Order(6)
  void drainingANodeMovesEveryAgentAwayAndLosesNone() throws Exception {
    int agents = 15;
    List<LoopbackBalancer.Backend> backends = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      backends.add(LoopbackBalancer.Backend.of(cluster.node(i)));
    }
    List<ReconnectingAgent> fleet = new ArrayList<>();
    TestGateway observer = cluster.node(0);
    try (LoopbackBalancer balancer = LoopbackBalancer.start(backends)) {
      balancer.awaitInService(backends, Duration.ofSeconds(10));
      for (int i = 0; i < agents; i++) {
        fleet.add(new ReconnectingAgent(observer.clientVertx(), balancer.port(), "drained").start());
      }
      awaitConnected(observer, agents, null);
      String drained = TestCluster.nodeName(2);
      var response = observer.adminPost("/api/v1/nodes/" + drained + "/drain", null);
      assertEquals(202, response.statusCode(), response.bodyAsString());
      assertEquals(503, cluster.node(2).adminGet("/readyz").statusCode(), "a draining node is not ready");
      awaitConnected(observer, agents, drained);
      assertEquals(202, observer.adminPost("/api/v1/nodes/" + drained + "/resume", null).statusCode());
      assertEquals(200, cluster.node(2).adminGet("/readyz").statusCode(), "a resumed node is ready again");
    } finally {
      fleet.forEach(ReconnectingAgent::close);
    }
  }

  /** Waits until {@code count} "drained" agents are connected, none of them to {@code notOn}. */
  private static void awaitConnected(TestGateway observer, int count, String notOn) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    String last = "";
    while (System.nanoTime() < deadline) {
      JsonArray list = observer.adminJson("/api/v1/agents?selector=service.name%3Ddrained&connected=true")
          .getJsonArray("agents");
      long elsewhere = list.stream().map(o -> ((JsonObject) o).getJsonObject("connection").getString("node"))
          .filter(n -> !n.equals(notOn)).count();
      if (list.size() == count && elsewhere == count) {
        return;
      }
      last = list.encode();
      Thread.sleep(200);
    }
    throw new AssertionError("not all " + count + " agents connected" + (notOn == null ? "" : " away from " + notOn)
        + ": " + last);
  }
}
