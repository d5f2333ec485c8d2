package dev.opamp.gateway.protocol;

import static dev.opamp.gateway.testing.Messages.fullState;
import static dev.opamp.gateway.testing.Messages.heartbeat;
import static dev.opamp.gateway.testing.Messages.key;
import static dev.opamp.gateway.testing.Messages.newUid;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.opamp.gateway.proto.AgentToServer;
import dev.opamp.gateway.proto.AgentToServerFlags;
import dev.opamp.gateway.proto.ServerToAgent;
import dev.opamp.gateway.proto.ServerToAgentFlags;
import dev.opamp.gateway.testing.Messages;
import dev.opamp.gateway.testing.RawWebSocketAgent;
import dev.opamp.gateway.testing.TestGateway;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The server's protocol obligations, checked over a real WebSocket against a real node. */
class ProtocolOverWebSocketTest {

  private static final long FULL_STATE = ServerToAgentFlags.ServerToAgentFlags_ReportFullState_VALUE;
  private static TestGateway gateway;

  @BeforeAll
  static void start() throws Exception {
    gateway = TestGateway.start();
  }

  @AfterAll
  static void stop() throws Exception {
    gateway.close();
  }

  @Test
  void aFullFirstReportIsAnsweredAndStored() throws Exception {
    ByteString uid = newUid();
    try (RawWebSocketAgent agent = gateway.webSocketAgent()) {
      ServerToAgent reply = agent.exchange(fullState(uid, 0, "checkout"));
      assertEquals(uid, reply.getInstanceUid());
      assertEquals(ServerCapabilitySet.CURRENT, reply.getCapabilities());
      assertEquals(0, reply.getFlags() & FULL_STATE, "a complete first report needs no second one");
      assertFalse(reply.hasErrorResponse());
      assertFalse(reply.hasRemoteConfig(), "never offered what the server does not have");

      JsonObject json = gateway.awaitAgent(key(uid), a -> a.getJsonObject("connection") != null, Duration.ofSeconds(5));
      assertEquals("checkout", json.getJsonObject("identifyingAttributes").getString("service.name"));
      assertEquals("websocket", json.getJsonObject("connection").getString("transport"));
      assertTrue(json.getJsonObject("connection").getBoolean("connected"));
      assertEquals("receivers: {otlp: {}}\n", json.getJsonObject("effectiveConfig").getJsonObject("files")
          .getJsonObject("collector.yaml").getString("body"));
    }
  }

  @Test
  void aHeartbeatIsAnsweredWithTheAgentsUid() throws Exception {
    ByteString uid = newUid();
    try (RawWebSocketAgent agent = gateway.webSocketAgent()) {
      agent.exchange(fullState(uid, 0, "hb"));
      for (int seq = 1; seq <= 3; seq++) {
        ServerToAgent reply = agent.exchange(heartbeat(uid, seq));
        assertEquals(uid, reply.getInstanceUid());
        assertEquals(0, reply.getFlags());
      }
    }
  }

  @Test
  void aSequenceGapGetsReportFullState() throws Exception {
    ByteString uid = newUid();
    try (RawWebSocketAgent agent = gateway.webSocketAgent()) {
      agent.exchange(fullState(uid, 0, "gap"));
      assertEquals(0, agent.exchange(heartbeat(uid, 1)).getFlags() & FULL_STATE);
      ServerToAgent afterGap = agent.exchange(heartbeat(uid, 5));
      assertEquals(FULL_STATE, afterGap.getFlags() & FULL_STATE);
      assertEquals(0, agent.exchange(fullState(uid, 6, "gap")).getFlags() & FULL_STATE);
    }
  }

  @Test
  void aFirstMessageWithoutDescriptionGetsReportFullState() throws Exception {
    ByteString uid = newUid();
    try (RawWebSocketAgent agent = gateway.webSocketAgent()) {
      // A client whose first send was lost: sequence 2, no description.
      ServerToAgent reply = agent.exchange(heartbeat(uid, 2));
      assertEquals(FULL_STATE, reply.getFlags() & FULL_STATE);
      ServerToAgent afterFull = agent.exchange(fullState(uid, 3, "late"));
      assertEquals(0, afterFull.getFlags() & FULL_STATE);
    }
  }

  @Test
  void omittedPartsKeepTheirStoredValues() throws Exception {
    ByteString uid = newUid();
    try (RawWebSocketAgent agent = gateway.webSocketAgent()) {
      agent.exchange(fullState(uid, 0, "compress"));
      // Only health changes; description and effective config are omitted.
      agent.exchange(heartbeat(uid, 1).toBuilder().setHealth(Messages.healthy(false, "degraded")).build());
      JsonObject json = gateway.awaitAgent(key(uid),
          a -> a.getJsonObject("health") != null && "degraded".equals(a.getJsonObject("health").getString("status")),
          Duration.ofSeconds(5));
      assertEquals("compress", json.getJsonObject("identifyingAttributes").getString("service.name"));
      assertEquals(false, json.getJsonObject("health").getBoolean("healthy"));
      assertTrue(json.getJsonObject("effectiveConfig").getJsonObject("files").containsKey("collector.yaml"));
    }
  }

  @Test
  void aReconnectMayOmitUnchangedParts() throws Exception {
    ByteString uid = newUid();
    try (RawWebSocketAgent first = gateway.webSocketAgent()) {
      first.exchange(fullState(uid, 0, "reconnect"));
    }
    gateway.awaitAgent(key(uid), a -> !a.getJsonObject("connection").getBoolean("connected"), Duration.ofSeconds(5));
    try (RawWebSocketAgent second = gateway.webSocketAgent()) {
      ServerToAgent reply = second.exchange(heartbeat(uid, 1));
      assertEquals(0, reply.getFlags() & FULL_STATE, "the stored state is complete; no full report needed");
      JsonObject json = gateway.awaitAgent(key(uid), a -> a.getJsonObject("connection").getBoolean("connected"),
          Duration.ofSeconds(5));
      assertEquals("reconnect", json.getJsonObject("identifyingAttributes").getString("service.name"));
    }
  }

  @Test
  void twoLiveConnectionsWithOneUidGetDistinctUids() throws Exception {
    ByteString uid = newUid();
    try (RawWebSocketAgent first = gateway.webSocketAgent(); RawWebSocketAgent second = gateway.webSocketAgent()) {
      ServerToAgent firstReply = first.exchange(fullState(uid, 0, "twin"));
      assertFalse(firstReply.hasAgentIdentification());
      ServerToAgent secondReply = second.exchange(fullState(uid, 0, "twin"));
      assertTrue(secondReply.hasAgentIdentification(), "the newcomer is given a uid of its own");
      ByteString assigned = secondReply.getAgentIdentification().getNewInstanceUid();
      assertEquals(16, assigned.size());
      assertNotEquals(uid, assigned);
      assertEquals(uid, secondReply.getInstanceUid(), "replies carry the uid the agent sent");
      // The newcomer switches; both keep working under their own uids.
      assertFalse(second.exchange(fullState(assigned, 1, "twin")).hasAgentIdentification());
      assertFalse(first.exchange(heartbeat(uid, 1)).hasAgentIdentification());
      gateway.awaitAgent(key(assigned), a -> a.getJsonObject("connection").getBoolean("connected"), Duration.ofSeconds(5));
    }
  }

  @Test
  void anInvalidUidIsReplaced() throws Exception {
    ByteString shortUid = ByteString.copyFromUtf8("too-short");
    try (RawWebSocketAgent agent = gateway.webSocketAgent()) {
      ServerToAgent reply = agent.exchange(fullState(shortUid, 0, "short"));
      assertEquals(shortUid, reply.getInstanceUid());
      ByteString assigned = reply.getAgentIdentification().getNewInstanceUid();
      assertEquals(16, assigned.size());
      assertEquals(7, (assigned.byteAt(6) >> 4) & 0x0f, "server-assigned uids are UUID v7");
      // Until the agent switches it is told the same uid again.
      ServerToAgent again = agent.exchange(heartbeat(shortUid, 1));
      assertEquals(assigned, again.getAgentIdentification().getNewInstanceUid());
      gateway.awaitAgent(key(assigned), a -> a.getJsonObject("identifyingAttributes") != null, Duration.ofSeconds(5));
    }
  }

  @Test
  void requestInstanceUidIsHonoured() throws Exception {
    ByteString uid = newUid();
    try (RawWebSocketAgent agent = gateway.webSocketAgent()) {
      AgentToServer ask = fullState(uid, 0, "ask").toBuilder()
          .setFlags(AgentToServerFlags.AgentToServerFlags_RequestInstanceUid_VALUE).build();
      ServerToAgent reply = agent.exchange(ask);
      assertTrue(reply.hasAgentIdentification());
      assertNotEquals(uid, reply.getAgentIdentification().getNewInstanceUid());
    }
  }

  @Test
  void aDisconnectMessageEndsTheSessionCleanly() throws Exception {
    ByteString uid = newUid();
    RawWebSocketAgent agent = gateway.webSocketAgent();
    agent.exchange(fullState(uid, 0, "leaving"));
    ServerToAgent bye = agent.exchange(heartbeat(uid, 1).toBuilder()
        .setAgentDisconnect(dev.opamp.gateway.proto.AgentDisconnect.getDefaultInstance()).build());
    assertEquals(uid, bye.getInstanceUid());
    assertEquals(1000, agent.awaitClose(Duration.ofSeconds(5)));
    JsonObject json = gateway.awaitAgent(key(uid), a -> !a.getJsonObject("connection").getBoolean("connected"),
        Duration.ofSeconds(5));
    assertEquals("leaving", json.getJsonObject("identifyingAttributes").getString("service.name"));
  }

  @Test
  void aCloseWithoutDisconnectMarksTheAgentDisconnected() throws Exception {
    ByteString uid = newUid();
    RawWebSocketAgent agent = gateway.webSocketAgent();
    agent.exchange(fullState(uid, 0, "vanishing"));
    agent.socket().close();
    gateway.awaitAgent(key(uid), a -> !a.getJsonObject("connection").getBoolean("connected"), Duration.ofSeconds(5));
  }

  @Test
  void unknownFieldsAreIgnored() throws Exception {
    ByteString uid = newUid();
    try (RawWebSocketAgent agent = gateway.webSocketAgent()) {
      byte[] known = fullState(uid, 0, "future").toByteArray();
      // Field 99, length-delimited, 3 bytes: what a newer client might add.
      byte[] unknown = {(byte) 0x9a, 0x06, 3, 'n', 'e', 'w'};
      io.vertx.core.buffer.Buffer b = io.vertx.core.buffer.Buffer.buffer().appendByte((byte) 0)
          .appendBytes(known).appendBytes(unknown);
      agent.sendRaw(b);
      ServerToAgent reply = agent.next();
      assertFalse(reply.hasErrorResponse());
      assertEquals(uid, reply.getInstanceUid());
    }
  }
}
