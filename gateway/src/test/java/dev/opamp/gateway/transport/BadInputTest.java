package dev.opamp.gateway.transport;

import static dev.opamp.gateway.testing.Messages.fullState;
import static dev.opamp.gateway.testing.Messages.heartbeat;
import static dev.opamp.gateway.testing.Messages.newUid;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.opamp.gateway.proto.ServerErrorResponseType;
import dev.opamp.gateway.proto.ServerToAgent;
import dev.opamp.gateway.testing.RawHttpAgent;
import dev.opamp.gateway.testing.RawWebSocketAgent;
import dev.opamp.gateway.testing.TestGateway;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Bad input gets a clear error, and a bystander agent on the same node keeps working through it.
 */
class BadInputTest {

  private static final int MAX_MESSAGE = 64 * 1024;
  private static TestGateway gateway;
  private RawWebSocketAgent bystander;
  private ByteString bystanderUid;
  private long bystanderSeq;

  @BeforeAll
  static void start() throws Exception {
    gateway = TestGateway.start(TestGateway.testSettings()
        .maxMessageBytes(MAX_MESSAGE)
        .firstMessageTimeout(Duration.ofSeconds(1))
        .build());
  }

  @AfterAll
  static void stop() throws Exception {
    gateway.close();
  }

  @BeforeEach
  void connectBystander() throws Exception {
    bystanderUid = newUid();
    bystanderSeq = 0;
    bystander = gateway.webSocketAgent();
    bystander.exchange(fullState(bystanderUid, bystanderSeq, "bystander"));
  }

  @AfterEach
  void bystanderStillWorks() throws Exception {
    ServerToAgent reply = bystander.exchange(heartbeat(bystanderUid, ++bystanderSeq));
    assertEquals(bystanderUid, reply.getInstanceUid());
    assertFalse(reply.hasErrorResponse());
    bystander.close();
  }

  private static void assertBadRequest(ServerToAgent reply, String expectedText) {
    assertTrue(reply.hasErrorResponse(), "expected an error response");
    assertEquals(ServerErrorResponseType.ServerErrorResponseType_BadRequest, reply.getErrorResponse().getType());
    assertTrue(reply.getErrorResponse().getErrorMessage().contains(expectedText),
        "error message '" + reply.getErrorResponse().getErrorMessage() + "' should mention '" + expectedText + "'");
  }

  @Test
  void garbageBytesGetBadRequestAndTheSessionGoesOn() throws Exception {
    try (RawWebSocketAgent agent = gateway.webSocketAgent()) {
      agent.sendRaw(Buffer.buffer(new byte[] {0, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x07}));
      assertBadRequest(agent.next(), "undecodable");
      ByteString uid = newUid();
      assertFalse(agent.exchange(fullState(uid, 0, "after-garbage")).hasErrorResponse());
    }
  }

  @Test
  void aNonZeroHeaderIsMalformed() throws Exception {
    try (RawWebSocketAgent agent = gateway.webSocketAgent()) {
      byte[] body = fullState(newUid(), 0, "h").toByteArray();
      agent.sendRaw(Buffer.buffer().appendByte((byte) 1).appendBytes(body));
      assertBadRequest(agent.next(), "header");
    }
  }

  @Test
  void anOverlongHeaderIsMalformed() throws Exception {
    try (RawWebSocketAgent agent = gateway.webSocketAgent()) {
      byte[] header = new byte[11];
      Arrays.fill(header, (byte) 0x80);
      agent.sendRaw(Buffer.buffer(header).appendByte((byte) 0));
      assertBadRequest(agent.next(), "header");
    }
  }

  @Test
  void anEmptyMessageIsMalformed() throws Exception {
    try (RawWebSocketAgent agent = gateway.webSocketAgent()) {
      agent.sendRaw(Buffer.buffer());
      assertBadRequest(agent.next(), "header");
    }
  }

  @Test
  void aTruncatedMessageGetsBadRequest() throws Exception {
    try (RawWebSocketAgent agent = gateway.webSocketAgent()) {
      byte[] body = fullState(newUid(), 0, "truncated").toByteArray();
      agent.sendRaw(Buffer.buffer().appendByte((byte) 0).appendBytes(Arrays.copyOf(body, body.length - 5)));
      assertBadRequest(agent.next(), "undecodable");
    }
  }

  @Test
  void anOversizeWebSocketMessageIsClosedWith1009() throws Exception {
    try (RawWebSocketAgent agent = gateway.webSocketAgent()) {
      agent.sendRaw(Buffer.buffer(new byte[MAX_MESSAGE + 100]));
      assertEquals(1009, agent.awaitClose(Duration.ofSeconds(5)));
    }
  }

  @Test
  void anOversizeMessageInFragmentsIsClosedWith1009() throws Exception {
    try (RawWebSocketAgent agent = gateway.webSocketAgent()) {
      byte[] chunk = new byte[MAX_MESSAGE / 2];
      agent.sendFrame(io.vertx.core.http.WebSocketFrame.binaryFrame(Buffer.buffer(chunk), false));
      agent.sendFrame(io.vertx.core.http.WebSocketFrame.continuationFrame(Buffer.buffer(chunk), false));
      agent.sendFrame(io.vertx.core.http.WebSocketFrame.continuationFrame(Buffer.buffer(chunk), true));
      assertEquals(1009, agent.awaitClose(Duration.ofSeconds(5)));
    }
  }

  @Test
  void aFragmentedMessageWithinTheLimitIsAssembled() throws Exception {
    try (RawWebSocketAgent agent = gateway.webSocketAgent()) {
      ByteString uid = newUid();
      byte[] whole = Buffer.buffer().appendByte((byte) 0).appendBytes(fullState(uid, 0, "frag").toByteArray()).getBytes();
      int half = whole.length / 2;
      agent.sendFrame(io.vertx.core.http.WebSocketFrame.binaryFrame(Buffer.buffer(Arrays.copyOf(whole, half)), false));
      agent.sendFrame(io.vertx.core.http.WebSocketFrame.continuationFrame(
          Buffer.buffer(Arrays.copyOfRange(whole, half, whole.length)), true));
      assertEquals(uid, agent.next().getInstanceUid());
    }
  }

  @Test
  void aTextFrameIsRefused() throws Exception {
    try (RawWebSocketAgent agent = gateway.webSocketAgent()) {
      agent.sendText("hello");
      assertEquals(1003, agent.awaitClose(Duration.ofSeconds(5)));
    }
  }

  @Test
  void aClientThatNeverSendsIsClosed() throws Exception {
    try (RawWebSocketAgent agent = gateway.webSocketAgent()) {
      assertEquals(1008, agent.awaitClose(Duration.ofSeconds(5)));
      assertTrue(agent.closeReason().contains("no OpAMP message"), agent.closeReason());
    }
  }

  @Test
  void httpGarbageGets400WithBadRequest() throws Exception {
    RawHttpAgent.Answer answer = gateway.httpAgent().post(new byte[] {(byte) 0xff, (byte) 0xff, 0x01},
        protobufHeaders());
    assertEquals(400, answer.status());
    assertBadRequest(answer.message(), "undecodable");
  }

  @Test
  void httpOversizeBodyGets413() throws Exception {
    RawHttpAgent.Answer answer = gateway.httpAgent().post(new byte[MAX_MESSAGE + 1], protobufHeaders());
    assertEquals(413, answer.status());
  }

  @Test
  void httpGzipBombGets413() throws Exception {
    byte[] bomb = RawHttpAgent.gzip(new byte[MAX_MESSAGE * 16]);
    assertTrue(bomb.length < MAX_MESSAGE, "the compressed body itself is within the limit");
    RawHttpAgent.Answer answer = gateway.httpAgent().post(bomb, protobufHeaders().add("Content-Encoding", "gzip"));
    assertEquals(413, answer.status());
    assertTrue(answer.text().contains("inflates"), answer.text());
  }

  @Test
  void httpBadGzipGets400() throws Exception {
    RawHttpAgent.Answer answer = gateway.httpAgent().post(new byte[] {1, 2, 3, 4},
        protobufHeaders().add("Content-Encoding", "gzip"));
    assertEquals(400, answer.status());
    assertBadRequest(answer.message(), "gzip");
  }

  @Test
  void httpWithoutProtobufContentTypeGets415() throws Exception {
    RawHttpAgent.Answer answer = gateway.httpAgent().post(fullState(newUid(), 0, "ct").toByteArray(),
        MultiMap.caseInsensitiveMultiMap().add("Content-Type", "application/json"));
    assertEquals(415, answer.status());
    RawHttpAgent.Answer missing = gateway.httpAgent().post(fullState(newUid(), 0, "ct").toByteArray(),
        MultiMap.caseInsensitiveMultiMap());
    assertEquals(415, missing.status());
  }

  private static MultiMap protobufHeaders() {
    return MultiMap.caseInsensitiveMultiMap().add("Content-Type", "application/x-protobuf");
  }
}
