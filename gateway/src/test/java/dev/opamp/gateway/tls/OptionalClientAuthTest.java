package dev.opamp.gateway.tls;

import static dev.opamp.gateway.testing.Messages.fullState;
import static dev.opamp.gateway.testing.Messages.heartbeat;
import static dev.opamp.gateway.testing.Messages.key;
import static dev.opamp.gateway.testing.Messages.newUid;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.opamp.gateway.proto.ServerToAgent;
import dev.opamp.gateway.testing.ClientTls;
import dev.opamp.gateway.testing.RawHttpAgent;
import dev.opamp.gateway.testing.RawWebSocketAgent;
import dev.opamp.gateway.testing.TestGateway;
import dev.opamp.gateway.testing.TestPki;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Optional client certificates: agents without one are served on both transports; one that
 * presents a certificate must present a valid one, and is bound to the agent it names.
 */
class OptionalClientAuthTest {

  private static TestPki serverPki;
  private static TestPki gatewayCa;
  private static TestGateway gateway;

  @BeforeAll
  static void start() throws Exception {
    serverPki = TestPki.create("optional-server");
    gatewayCa = TestPki.create("optional-gateway-ca");
    TestPki.Issued server = serverPki.server("opamp");
    gateway = TestGateway.start(TestGateway.testSettings()
        .opampTlsCert(server.certFile()).opampTlsKey(server.keyFile())
        .opampClientAuth(ClientAuthentication.OPTIONAL)
        .build(), null, new RevocableTestPolicy(gatewayCa.caCertificate()));
  }

  @AfterAll
  static void stop() throws Exception {
    if (gateway != null) {
      gateway.close();
    }
  }

  @Test
  void agentsWithoutACertificateAreServed() throws Exception {
    ClientTls noCertificate = ClientTls.trusting(serverPki);
    ByteString wsUid = newUid();
    try (RawWebSocketAgent agent = gateway.webSocketAgent(noCertificate)) {
      assertServed(agent.exchange(fullState(wsUid, 1, "optional-ws")));
      assertServed(agent.exchange(heartbeat(wsUid, 2)));
    }
    ByteString httpUid = newUid();
    RawHttpAgent http = gateway.httpAgent(noCertificate);
    assertServed(http.exchange(fullState(httpUid, 1, "optional-http")));
    assertServed(http.exchange(heartbeat(httpUid, 2)));
    gateway.awaitAgent(key(httpUid), a -> a.getJsonObject("connection") != null, Duration.ofSeconds(10));
  }

  @Test
  void agentsWithACertificateAreServedAndBound() throws Exception {
    ByteString uid = newUid();
    ClientTls certified = ClientTls.presenting(serverPki, gatewayCa.agent("bound", key(uid)));
    try (RawWebSocketAgent agent = gateway.webSocketAgent(certified)) {
      assertServed(agent.exchange(fullState(uid, 1, "optional-bound")));
    }
    try (RawWebSocketAgent agent = gateway.webSocketAgent(certified)) {
      ServerToAgent refusal = agent.exchange(fullState(newUid(), 1, "optional-other"));
      assertTrue(refusal.getErrorResponse().getErrorMessage().contains("issued to agent " + key(uid)));
      assertEquals(1008, agent.awaitClose(Duration.ofSeconds(5)));
    }
  }

  @Test
  void aCertificateThatFailsVerificationIsRefused() {
    ClientTls unknown = ClientTls.presenting(serverPki, TestPki.create("optional-gateway-ca").agent("forged",
        key(newUid())));
    assertThrows(Exception.class, () -> gateway.webSocketAgent(unknown));
  }

  private static void assertServed(ServerToAgent reply) {
    assertFalse(reply.hasErrorResponse(), () -> "refused: " + reply.getErrorResponse());
  }
}
