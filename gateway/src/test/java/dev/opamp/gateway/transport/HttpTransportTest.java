package dev.opamp.gateway.transport;

import static dev.opamp.gateway.testing.Messages.fullState;
import static dev.opamp.gateway.testing.Messages.heartbeat;
import static dev.opamp.gateway.testing.Messages.key;
import static dev.opamp.gateway.testing.Messages.newUid;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.opamp.gateway.proto.ServerToAgent;
import dev.opamp.gateway.proto.ServerToAgentFlags;
import dev.opamp.gateway.testing.RawHttpAgent;
import dev.opamp.gateway.testing.RawWebSocketAgent;
import dev.opamp.gateway.testing.TestGateway;
import io.vertx.core.MultiMap;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Plain-HTTP agents: polls, compression both ways, sessions that end when polling stops. */
class HttpTransportTest {

  private static TestGateway gateway;

  @BeforeAll
  static void start() throws Exception {
    gateway = TestGateway.start(TestGateway.testSettings()
        .heartbeatIntervalSeconds(1).httpSessionTimeout(Duration.ofSeconds(2)).build());
  }

  @AfterAll
  static void stop() throws Exception {
    gateway.close();
  }

  @Test
  void anAgentReportsThenPollsWithNothingNew() throws Exception {
    ByteString uid = newUid();
    RawHttpAgent agent = gateway.httpAgent();
    ServerToAgent first = agent.exchange(fullState(uid, 0, "poller"));
    assertEquals(uid, first.getInstanceUid());
    assertEquals(0, first.getFlags() & ServerToAgentFlags.ServerToAgentFlags_ReportFullState_VALUE);
    for (int seq = 1; seq <= 3; seq++) {
      ServerToAgent poll = agent.exchange(heartbeat(uid, seq));
      assertEquals(uid, poll.getInstanceUid());
      assertFalse(poll.hasErrorResponse());
      assertEquals(0, poll.getFlags());
    }
    JsonObject json = gateway.awaitAgent(key(uid), a -> a.getJsonObject("connection") != null, Duration.ofSeconds(5));
    assertEquals("http", json.getJsonObject("connection").getString("transport"));
    assertTrue(json.getJsonObject("connection").getBoolean("connected"));
    assertEquals("poller", json.getJsonObject("identifyingAttributes").getString("service.name"));
  }

  @Test
  void aSequenceGapOverHttpGetsReportFullState() throws Exception {
    ByteString uid = newUid();
    RawHttpAgent agent = gateway.httpAgent();
    agent.exchange(fullState(uid, 0, "http-gap"));
    ServerToAgent reply = agent.exchange(heartbeat(uid, 7));
    assertEquals(ServerToAgentFlags.ServerToAgentFlags_ReportFullState_VALUE,
        reply.getFlags() & ServerToAgentFlags.ServerToAgentFlags_ReportFullState_VALUE);
  }

  @Test
  void gzipBodiesAreAcceptedAndRepliesCompressedWhenAllowed() throws Exception {
    ByteString uid = newUid();
    byte[] body = RawHttpAgent.gzip(fullState(uid, 0, "gzipped").toByteArray());
    RawHttpAgent.Answer answer = gateway.httpAgent().post(body, MultiMap.caseInsensitiveMultiMap()
        .add("Content-Type", "application/x-protobuf")
        .add("Content-Encoding", "gzip")
        .add("Accept-Encoding", "gzip"));
    assertEquals(200, answer.status());
    assertEquals("gzip", answer.headers().get("Content-Encoding"));
    assertEquals(uid, answer.message().getInstanceUid());
    gateway.awaitAgent(key(uid), a -> "gzipped".equals(a.getJsonObject("identifyingAttributes").getString("service.name")),
        Duration.ofSeconds(5));
  }

  @Test
  void anAgentThatStopsPollingIsMarkedDisconnected() throws Exception {
    ByteString uid = newUid();
    gateway.httpAgent().exchange(fullState(uid, 0, "quiet"));
    JsonObject json = gateway.awaitAgent(key(uid), a -> !a.getJsonObject("connection").getBoolean("connected"),
        Duration.ofSeconds(10));
    assertEquals("quiet", json.getJsonObject("identifyingAttributes").getString("service.name"));
  }

  @Test
  void anHttpAgentClaimingAWebSocketAgentsUidGetsANewOne() throws Exception {
    ByteString uid = newUid();
    try (RawWebSocketAgent ws = gateway.webSocketAgent()) {
      ws.exchange(fullState(uid, 0, "held"));
      ServerToAgent reply = gateway.httpAgent().exchange(fullState(uid, 0, "clone"));
      assertTrue(reply.hasAgentIdentification());
      ByteString assigned = reply.getAgentIdentification().getNewInstanceUid();
      // The HTTP agent switches and is known under its new uid.
      assertFalse(gateway.httpAgent().exchange(heartbeat(assigned, 1)).hasAgentIdentification());
      gateway.awaitAgent(key(assigned), a -> "clone".equals(a.getJsonObject("identifyingAttributes")
          .getString("service.name")), Duration.ofSeconds(5));
    }
  }

  @Test
  void anHttpAgentWithoutUidGetsOne() throws Exception {
    ServerToAgent reply = gateway.httpAgent().exchange(fullState(ByteString.EMPTY, 0, "nouid"));
    assertTrue(reply.hasAgentIdentification());
    assertEquals(16, reply.getAgentIdentification().getNewInstanceUid().size());
  }
}
