package dev.opamp.gateway.transport;

import static dev.opamp.gateway.testing.Messages.fullState;
import static dev.opamp.gateway.testing.Messages.newUid;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.opamp.gateway.metrics.GatewayMetrics;
import dev.opamp.gateway.proto.ServerErrorResponseType;
import dev.opamp.gateway.proto.ServerToAgent;
import dev.opamp.gateway.testing.RawHttpAgent;
import dev.opamp.gateway.testing.RawWebSocketAgent;
import dev.opamp.gateway.testing.TestGateway;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocketFrame;
import io.vertx.ext.web.client.WebClient;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Load shedding by the node-wide receive budget, and bearer-token authentication on both ports. */
class ReceiveBudgetAndAuthTest {

  private static final String AGENT_TOKEN = "agent-secret";
  private static final String ADMIN_TOKEN = "admin-secret";
  private static TestGateway gateway;

  @BeforeAll
  static void start() throws Exception {
    gateway = TestGateway.start(TestGateway.testSettings()
        .maxMessageBytes(4096)
        .receiveBudgetBytes(4096)
        .opampAuthToken(AGENT_TOKEN)
        .adminAuthToken(ADMIN_TOKEN)
        .build());
  }

  @AfterAll
  static void stop() throws Exception {
    gateway.close();
  }

  private RawWebSocketAgent authorizedAgent() throws Exception {
    return RawWebSocketAgent.connect(gateway.clientVertx(), gateway.opampPort(), AGENT_TOKEN, 1 << 20);
  }

  /** Another agent's half-sent message holds most of the node's budget while {@code test} runs. */
  private void whileBudgetIsHeld(ThrowingRunnable test) throws Exception {
    try (RawWebSocketAgent holder = authorizedAgent()) {
      holder.sendFrame(WebSocketFrame.binaryFrame(Buffer.buffer(new byte[3000]), false));
      long deadline = System.nanoTime() + 5_000_000_000L;
      while (budgetInUse() < 3000 && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      assertEquals(3000, budgetInUse(), "the half-sent message holds its bytes");
      test.run();
    }
  }

  private static double budgetInUse() {
    return gateway.node().metrics().registry().get(GatewayMetrics.RECEIVE_BUDGET_IN_USE).gauge().value();
  }

  interface ThrowingRunnable {
    void run() throws Exception;
  }

  @Test
  void aMessageOverTheBudgetIsShedWithARetryHint() throws Exception {
    try (RawWebSocketAgent agent = authorizedAgent()) {
      ServerToAgent[] answer = new ServerToAgent[1];
      // The reply is awaited while the budget is still held, so the message cannot slip in after.
      whileBudgetIsHeld(() -> {
        agent.sendRaw(Buffer.buffer(new byte[2000]));
        answer[0] = agent.next();
      });
      ServerToAgent reply = answer[0];
      assertEquals(ServerErrorResponseType.ServerErrorResponseType_Unavailable, reply.getErrorResponse().getType());
      assertTrue(reply.getErrorResponse().getRetryInfo().getRetryAfterNanoseconds() >= 30_000_000_000L);
      // Once the budget is free again, messages are served.
      ByteString uid = newUid();
      assertEquals(uid, agent.exchange(fullState(uid, 0, "small")).getInstanceUid());
    }
  }

  @Test
  void anHttpBodyOverTheBudgetGets503WithRetryAfter() throws Exception {
    RawHttpAgent.Answer[] answer = new RawHttpAgent.Answer[1];
    whileBudgetIsHeld(() -> answer[0] = gateway.httpAgent().post(new byte[2000], MultiMap.caseInsensitiveMultiMap()
        .add("Content-Type", "application/x-protobuf").add("Authorization", "Bearer " + AGENT_TOKEN)));
    assertEquals(503, answer[0].status());
    assertEquals("30", answer[0].headers().get("Retry-After"));
  }

  @Test
  void agentsWithoutTheTokenGet401() throws Exception {
    ExecutionException refused = assertThrows(ExecutionException.class,
        () -> RawWebSocketAgent.connect(gateway.clientVertx(), gateway.opampPort(), "wrong", 1 << 20));
    assertTrue(String.valueOf(refused.getCause()).contains("401"), String.valueOf(refused.getCause()));
    RawHttpAgent.Answer answer = gateway.httpAgent().post(fullState(newUid(), 0, "x").toByteArray(),
        MultiMap.caseInsensitiveMultiMap().add("Content-Type", "application/x-protobuf"));
    assertEquals(401, answer.status());
  }

  @Test
  void theAdminApiNeedsItsTokenButProbesDoNot() throws Exception {
    assertEquals(401, gateway.adminGet("/api/v1/agents").statusCode());
    assertEquals(401, gateway.adminGet("/metrics").statusCode());
    assertEquals(200, gateway.adminGet("/healthz").statusCode());
    assertEquals(200, gateway.adminGet("/readyz").statusCode());
    WebClient client = WebClient.create(gateway.clientVertx());
    int status = client.get(gateway.adminPort(), "127.0.0.1", "/api/v1/agents")
        .bearerTokenAuthentication(ADMIN_TOKEN).send()
        .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS).statusCode();
    assertEquals(200, status);
  }
}
