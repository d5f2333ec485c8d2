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
import dev.opamp.gateway.proto.AgentToServer;
import dev.opamp.gateway.proto.AgentToServerFlags;
import dev.opamp.gateway.proto.ServerErrorResponseType;
import dev.opamp.gateway.proto.ServerToAgent;
import dev.opamp.gateway.testing.ClientTls;
import dev.opamp.gateway.testing.Poll;
import dev.opamp.gateway.testing.RawHttpAgent;
import dev.opamp.gateway.testing.RawWebSocketAgent;
import dev.opamp.gateway.testing.TestGateway;
import dev.opamp.gateway.testing.TestPki;
import io.vertx.core.MultiMap;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Mutual TLS required on the OpAMP port, over real sockets: client certificates must chain to
 * the policy's anchors (the gateway CA) or the operator's bundle; no certificate, an unknown CA
 * and a revoked certificate are refused; a certificate naming an agent binds the connection to
 * that agent's uid, and a message for another agent is refused without disturbing that agent.
 */
class MutualTlsTest {

  private static TestPki serverPki;
  private static TestPki gatewayCa;
  private static TestPki operator;
  private static RevocableTestPolicy policy;
  private static Path bundle;
  private static TestGateway gateway;

  @BeforeAll
  static void start() throws Exception {
    serverPki = TestPki.create("mtls-server");
    gatewayCa = TestPki.create("gateway-ca");
    operator = TestPki.create("operator");
    policy = new RevocableTestPolicy(gatewayCa.caCertificate());
    TestPki.Issued server = serverPki.server("opamp");
    bundle = TestPki.bundle(operator.dir().resolve("bundle.pem"), operator.caCertificate());
    gateway = TestGateway.start(TestGateway.testSettings()
        .opampTlsCert(server.certFile()).opampTlsKey(server.keyFile())
        .opampClientAuth(ClientAuthentication.REQUIRED)
        .opampClientCa(bundle)
        .tlsReloadInterval(Duration.ofMillis(200))
        .build(), null, policy);
  }

  @AfterAll
  static void stop() throws Exception {
    if (gateway != null) {
      gateway.close();
    }
  }

  private static ClientTls presenting(TestPki.Issued certificate) {
    return ClientTls.presenting(serverPki, certificate);
  }

  @Test
  void agentsWithAGatewayCertificateAreServedOnBothTransports() throws Exception {
    ByteString wsUid = newUid();
    try (RawWebSocketAgent agent = gateway.webSocketAgent(presenting(gatewayCa.agent("ws", key(wsUid))))) {
      assertServed(agent.exchange(fullState(wsUid, 1, "mtls-ws")));
      assertServed(agent.exchange(heartbeat(wsUid, 2)));
      gateway.awaitAgent(key(wsUid), a -> a.getJsonObject("connection").getBoolean("connected"), Duration.ofSeconds(10));
    }
    ByteString httpUid = newUid();
    RawHttpAgent http = gateway.httpAgent(presenting(gatewayCa.agent("http", key(httpUid))));
    assertServed(http.exchange(fullState(httpUid, 1, "mtls-http")));
    assertServed(http.exchange(heartbeat(httpUid, 2)));
  }

  @Test
  void anOperatorBundleCertificateNamesNoAgentAndBindsNothing() throws Exception {
    TestPki.Issued ops = operator.client("ops-collector");
    for (int i = 0; i < 2; i++) {
      ByteString uid = newUid();
      try (RawWebSocketAgent agent = gateway.webSocketAgent(presenting(ops))) {
        assertServed(agent.exchange(fullState(uid, 1, "operator-" + i)));
      }
    }
  }

  @Test
  void newAnchorsInTheBundleOrThePolicyAreTrustedWithoutRestart() throws Exception {
    TestPki secondOperator = TestPki.create("operator-2");
    ClientTls fromSecondOperator = presenting(secondOperator.client("ops-2"));
    assertThrows(Exception.class, () -> gateway.webSocketAgent(fromSecondOperator));
    TestPki.bundle(bundle, operator.caCertificate(), secondOperator.caCertificate());
    Poll.until("the bundle's new CA to be trusted", Duration.ofSeconds(10), () -> {
      try (RawWebSocketAgent agent = gateway.webSocketAgent(fromSecondOperator)) {
        return !agent.exchange(fullState(newUid(), 1, "ops-2")).hasErrorResponse();
      }
    }, served -> served);

    TestPki nextGatewayCa = TestPki.create("gateway-ca-next");
    ByteString uid = newUid();
    ClientTls fromNextCa = presenting(nextGatewayCa.agent("next", key(uid)));
    assertThrows(Exception.class, () -> gateway.webSocketAgent(fromNextCa));
    policy.trust(nextGatewayCa.caCertificate());
    Poll.until("the policy's new anchor to be trusted", Duration.ofSeconds(10), () -> {
      try (RawWebSocketAgent agent = gateway.webSocketAgent(fromNextCa)) {
        return !agent.exchange(fullState(uid, 1, "next-ca")).hasErrorResponse();
      }
    }, served -> served);
    // The first operator's CA is still trusted.
    try (RawWebSocketAgent agent = gateway.webSocketAgent(presenting(operator.client("ops-1")))) {
      assertServed(agent.exchange(fullState(newUid(), 1, "ops-1")));
    }
  }

  @Test
  void agentsWithoutACertificateAreRefused() throws Exception {
    double before = Scrape.value(gateway, "opamp_tls_handshake_failures_total", "listener", "opamp");
    ClientTls noCertificate = ClientTls.trusting(serverPki);
    assertThrows(Exception.class, () -> gateway.webSocketAgent(noCertificate));
    assertRefused(gateway.httpAgent(noCertificate), newUid());
    Poll.until("the failed handshakes to be counted", Duration.ofSeconds(5),
        () -> Scrape.value(gateway, "opamp_tls_handshake_failures_total", "listener", "opamp"), v -> v >= before + 2);
  }

  @Test
  void certificatesFromAnUnknownCaAreRefused() throws Exception {
    ByteString uid = newUid();
    ClientTls unknown = presenting(TestPki.create("unknown").agent("unknown", key(uid)));
    assertThrows(Exception.class, () -> gateway.webSocketAgent(unknown));
    assertRefused(gateway.httpAgent(unknown), uid);
    // A CA with the gateway CA's very name but another key: the client sends its certificate, the
    // server's chain check refuses it.
    double before = Scrape.value(gateway, "opamp_tls_client_certificates_refused_total", "reason", "untrusted");
    TestPki forged = TestPki.create("gateway-ca");
    assertEquals(gatewayCa.caCertificate().getSubjectX500Principal(), forged.caCertificate().getSubjectX500Principal());
    ClientTls forgedAgent = presenting(forged.agent("forged", key(uid)));
    assertThrows(Exception.class, () -> gateway.webSocketAgent(forgedAgent));
    assertRefused(gateway.httpAgent(forgedAgent), uid);
    assertTrue(Scrape.value(gateway, "opamp_tls_client_certificates_refused_total", "reason", "untrusted")
        >= before + 2);
  }

  @Test
  void aRevokedCertificateIsRefused() throws Exception {
    ByteString uid = newUid();
    TestPki.Issued certificate = gatewayCa.agent("to-revoke", key(uid));
    RawHttpAgent http = gateway.httpAgent(presenting(certificate));
    assertServed(http.exchange(fullState(uid, 1, "revoked-soon")));
    try (RawWebSocketAgent agent = gateway.webSocketAgent(presenting(certificate))) {
      assertServed(agent.exchange(fullState(uid, 1, "revoked-soon")));
    }

    double before = revocationRefusals();
    policy.revoke(certificate.certificate());
    // A new handshake is refused; a TLS session resumed or kept alive since is answered 403.
    assertThrows(Exception.class, () -> gateway.webSocketAgent(presenting(certificate)));
    assertRefused(http, uid);
    assertRefused(gateway.httpAgent(presenting(certificate)), uid);
    assertTrue(revocationRefusals() >= before + 3, "each refusal counted as a revocation");
    // Another certificate of the same CA is still fine.
    ByteString other = newUid();
    try (RawWebSocketAgent agent = gateway.webSocketAgent(presenting(gatewayCa.agent("not-revoked", key(other))))) {
      assertServed(agent.exchange(fullState(other, 1, "not-revoked")));
    }
  }

  @Test
  void aCertificateOfAnotherAgentIsRefusedOverWebSocketWhileThatAgentGoesOn() throws Exception {
    ByteString bystander = newUid();
    ByteString intruder = newUid();
    double before = Scrape.value(gateway, "opamp_protocol_errors_total", "transport", "websocket", "reason",
        "certificate_mismatch");
    try (RawWebSocketAgent owner = gateway.webSocketAgent(presenting(gatewayCa.agent("owner", key(bystander))));
        RawWebSocketAgent other = gateway.webSocketAgent(presenting(gatewayCa.agent("intruder", key(intruder))))) {
      assertServed(owner.exchange(fullState(bystander, 1, "owner")));

      ServerToAgent refusal = other.exchange(fullState(bystander, 1, "impostor"));
      assertEquals(ServerErrorResponseType.ServerErrorResponseType_BadRequest, refusal.getErrorResponse().getType());
      assertTrue(refusal.getErrorResponse().getErrorMessage().contains("issued to agent " + key(intruder)),
          refusal.getErrorResponse().getErrorMessage());
      assertEquals(1008, other.awaitClose(Duration.ofSeconds(5)));
      assertTrue(other.closeReason().contains(key(intruder)), other.closeReason());

      assertServed(owner.exchange(heartbeat(bystander, 2)));
      assertServed(owner.exchange(heartbeat(bystander, 3)));
      assertTrue(gateway.adminJson("/api/v1/agents/" + key(bystander)).getJsonObject("connection")
          .getBoolean("connected"));
    }
    assertEquals(before + 1, Scrape.value(gateway, "opamp_protocol_errors_total", "transport", "websocket", "reason",
        "certificate_mismatch"));
  }

  @Test
  void aCertificateOfAnotherAgentIsRefusedOverHttpWhileThatAgentGoesOn() throws Exception {
    ByteString bystander = newUid();
    ByteString intruder = newUid();
    RawHttpAgent owner = gateway.httpAgent(presenting(gatewayCa.agent("http-owner", key(bystander))));
    RawHttpAgent other = gateway.httpAgent(presenting(gatewayCa.agent("http-intruder", key(intruder))));
    assertServed(owner.exchange(fullState(bystander, 1, "http-owner")));

    RawHttpAgent.Answer answer = other.post(fullState(bystander, 2, "impostor").toByteArray(), protobuf());
    assertEquals(403, answer.status());
    ServerToAgent refusal = answer.message();
    assertEquals(ServerErrorResponseType.ServerErrorResponseType_BadRequest, refusal.getErrorResponse().getType());
    assertTrue(refusal.getErrorResponse().getErrorMessage().contains("issued to agent " + key(intruder)),
        refusal.getErrorResponse().getErrorMessage());

    // The owner's session was not touched: its sequence goes on without a gap.
    ServerToAgent next = owner.exchange(heartbeat(bystander, 2));
    assertServed(next);
    assertEquals(0, next.getFlags(), "no full state asked: the session saw no foreign message");
    // And the intruder may still speak as itself.
    assertServed(other.exchange(fullState(intruder, 1, "http-intruder-as-itself")));
  }

  @Test
  void aUidTheServerAssignedIsTheAgentsToUse() throws Exception {
    ByteString uid = newUid();
    try (RawWebSocketAgent agent = gateway.webSocketAgent(presenting(gatewayCa.agent("renamed", key(uid))))) {
      AgentToServer asking = fullState(uid, 1, "renamed").toBuilder()
          .setFlags(AgentToServerFlags.AgentToServerFlags_RequestInstanceUid_VALUE).build();
      ServerToAgent reply = agent.exchange(asking);
      assertServed(reply);
      ByteString assigned = reply.getAgentIdentification().getNewInstanceUid();
      assertFalse(assigned.isEmpty());
      assertServed(agent.exchange(fullState(assigned, 2, "renamed")));
      assertServed(agent.exchange(heartbeat(assigned, 3)));
      assertFalse(agent.isClosed());
    }
  }

  /** Revoked certificates refused at the handshake, and on connections resumed or kept alive. */
  private static double revocationRefusals() throws Exception {
    return Scrape.value(gateway, "opamp_tls_client_certificates_refused_total", "reason", "revoked")
        + Scrape.value(gateway, "opamp_connections_refused_total", "reason", "certificate_revoked");
  }

  private static void assertServed(ServerToAgent reply) {
    assertFalse(reply.hasErrorResponse(), () -> "refused: " + reply.getErrorResponse());
  }

  /** The poll is refused: at the handshake (an exception), or with 403 on a connection resumed or kept alive. */
  private static void assertRefused(RawHttpAgent http, ByteString uid) {
    try {
      RawHttpAgent.Answer answer = http.post(heartbeat(uid, 9).toByteArray(), protobuf());
      assertEquals(403, answer.status(), answer.text());
    } catch (Exception refusedAtHandshake) {
      // refused
    }
  }

  private static MultiMap protobuf() {
    return MultiMap.caseInsensitiveMultiMap().add("Content-Type", "application/x-protobuf");
  }
}
