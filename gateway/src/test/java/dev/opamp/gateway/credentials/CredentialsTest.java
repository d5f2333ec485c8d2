package dev.opamp.gateway.credentials;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.opamp.gateway.proto.AgentCapabilities;
import dev.opamp.gateway.proto.AgentDescription;
import dev.opamp.gateway.proto.AgentToServer;
import dev.opamp.gateway.proto.ConnectionSettingsStatus;
import dev.opamp.gateway.proto.ConnectionSettingsStatuses;
import dev.opamp.gateway.proto.ServerCapabilities;
import dev.opamp.gateway.proto.ServerErrorResponseType;
import dev.opamp.gateway.proto.ServerToAgent;
import dev.opamp.gateway.tls.AgentIdentity;
import dev.opamp.gateway.tls.ClientCertificatePolicy;
import dev.opamp.gateway.testing.Messages;
import dev.opamp.gateway.testing.RawWebSocketAgent;
import dev.opamp.gateway.testing.TestGateway;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayInputStream;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Credentials end to end over real sockets: agents send CSRs over WebSocket and receive
 * certificates from the gateway CA in connection-settings offers; operators drive policy,
 * approval, rotation, revocation and connection-settings definitions through the admin API.
 */
class CredentialsTest {

  static final long ACCEPTS_OPAMP = Messages.CAPABILITIES
      | AgentCapabilities.AgentCapabilities_AcceptsOpAMPConnectionSettings_VALUE
      | AgentCapabilities.AgentCapabilities_ReportsConnectionSettingsStatus_VALUE;
  private static final Duration WAIT = Duration.ofSeconds(10);
  private static TestGateway gateway;

  @BeforeAll
  static void start() throws Exception {
    gateway = TestGateway.start();
  }

  @AfterAll
  static void stop() throws Exception {
    gateway.close();
  }

  /** An agent that connected and sent its full state, with a CSR if {@code csr} is not null. */
  record Agent(RawWebSocketAgent socket, ByteString uid, String key) implements AutoCloseable {
    @Override
    public void close() {
      socket.close();
    }
  }

  static Agent connect(TestGateway gateway, String env, long capabilities, ByteString csrOrNull, ByteString uid)
      throws Exception {
    RawWebSocketAgent socket = gateway.webSocketAgent();
    AgentToServer.Builder hello = Messages.fullState(uid, 0, "svc").toBuilder()
        .setCapabilities(capabilities)
        .setAgentDescription(AgentDescription.newBuilder()
            .addIdentifyingAttributes(Messages.attr("service.name", "svc"))
            .addNonIdentifyingAttributes(Messages.attr("env", env)));
    if (csrOrNull != null) {
      hello.setConnectionSettingsRequest(AgentKeys.request(csrOrNull));
    }
    socket.send(hello.build());
    return new Agent(socket, uid, Messages.key(uid));
  }

  /** The next message matching {@code wanted}, skipping others; fails after {@code timeout}. */
  static ServerToAgent await(RawWebSocketAgent socket, Predicate<ServerToAgent> wanted, Duration timeout)
      throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      ServerToAgent m = socket.poll(Duration.ofMillis(200));
      if (m != null && wanted.test(m)) {
        return m;
      }
    }
    throw new AssertionError("no wanted ServerToAgent within " + timeout);
  }

  /** Whether a message matching {@code wanted} arrives within {@code window}. */
  static boolean arrives(RawWebSocketAgent socket, Predicate<ServerToAgent> wanted, Duration window)
      throws Exception {
    try {
      await(socket, wanted, window);
      return true;
    } catch (AssertionError e) {
      return false;
    }
  }

  static boolean hasCertificate(ServerToAgent m) {
    return m.hasConnectionSettings() && m.getConnectionSettings().getOpamp().hasCertificate();
  }

  static X509Certificate certificate(ServerToAgent m) throws Exception {
    return parse(m.getConnectionSettings().getOpamp().getCertificate().getCert());
  }

  static X509Certificate parse(ByteString pem) throws Exception {
    return (X509Certificate) CertificateFactory.getInstance("X.509")
        .generateCertificate(new ByteArrayInputStream(pem.toByteArray()));
  }

  static X509Certificate caOf(TestGateway gateway) throws Exception {
    var r = gateway.adminGet("/api/v1/credentials/ca");
    assertEquals(200, r.statusCode());
    assertTrue(r.bodyAsString().startsWith("-----BEGIN CERTIFICATE-----"), r.bodyAsString());
    assertFalse(r.bodyAsString().contains("PRIVATE"));
    return parse(ByteString.copyFromUtf8(r.bodyAsString()));
  }

  static void policy(TestGateway gateway, String mode, String selector) throws Exception {
    JsonObject body = new JsonObject().put("mode", mode);
    if (selector != null) {
      body.put("selector", selector);
    }
    var r = gateway.adminPut("/api/v1/credentials/policy", body);
    assertEquals(200, r.statusCode(), r.bodyAsString());
  }

  /** Checks what an issued certificate must be: chained to the CA, naming the agent, the agent's key. */
  static X509Certificate checkIssued(ServerToAgent m, Agent agent, AgentKeys keys, X509Certificate ca)
      throws Exception {
    var tls = m.getConnectionSettings().getOpamp().getCertificate();
    assertTrue(tls.getPrivateKey().isEmpty(), "never a private key for a CSR");
    assertEquals(ca, parse(tls.getCaCert()));
    X509Certificate cert = certificate(m);
    cert.verify(ca.getPublicKey());
    cert.checkValidity();
    assertEquals(agent.key(), AgentIdentity.keyOf(cert).orElseThrow());
    assertEquals("CN=" + agent.key(), cert.getSubjectX500Principal().getName());
    assertArrayEquals(keys.pair.getPublic().getEncoded(), cert.getPublicKey().getEncoded());
    assertTrue(cert.getExtendedKeyUsage().contains("1.3.6.1.5.5.7.3.2"), "client authentication");
    return cert;
  }

  @Test
  void anAgentsCsrForItselfIsSignedAndOfferedWithTheCa() throws Exception {
    policy(gateway, "auto", null);
    X509Certificate ca = caOf(gateway);
    AgentKeys keys = AgentKeys.ec();
    ByteString uid = Messages.newUid();
    try (Agent agent = connect(gateway, "signed", ACCEPTS_OPAMP, keys.csr(Messages.key(uid)), uid)) {
      ServerToAgent offer = await(agent.socket(), CredentialsTest::hasCertificate, WAIT);
      long bits = offer.getCapabilities();
      assertTrue((bits & ServerCapabilities.ServerCapabilities_OffersConnectionSettings_VALUE) != 0);
      assertTrue((bits & ServerCapabilities.ServerCapabilities_AcceptsConnectionSettingsRequest_VALUE) != 0);
      X509Certificate cert = checkIssued(offer, agent, keys, ca);
      assertFalse(offer.getConnectionSettings().getHash().isEmpty());
      assertTrue(offer.getConnectionSettings().getOpamp().getDestinationEndpoint().startsWith("ws://127.0.0.1:"));
      String serial = cert.getSerialNumber().toString(16);

      JsonObject shown = gateway.awaitAgent(agent.key(), a -> a.getJsonObject("desiredConnectionSettings") != null
          && serial.equals(a.getJsonObject("desiredConnectionSettings").getString("certificateSerial")), WAIT);
      JsonObject desired = shown.getJsonObject("desiredConnectionSettings");
      assertEquals("issued", desired.getString("certificateRequest"));
      assertEquals(new JsonArray().add("opamp"), desired.getJsonArray("parts"));
      assertFalse(desired.getBoolean("applied"));

      // The agent applies the settings and says so: offered and applied agree.
      agent.socket().send(Messages.heartbeat(uid, 1).toBuilder().setCapabilities(ACCEPTS_OPAMP)
          .setConnectionSettingsStatus(ConnectionSettingsStatus.newBuilder()
              .setLastConnectionSettingsHash(offer.getConnectionSettings().getHash())
              .setStatus(ConnectionSettingsStatuses.ConnectionSettingsStatuses_APPLIED)).build());
      gateway.awaitAgent(agent.key(), a -> a.getJsonObject("desiredConnectionSettings").getBoolean("applied"), WAIT);

      JsonObject listed = gateway.adminJson("/api/v1/credentials/certificates?agent=" + agent.key());
      assertEquals(1, listed.getJsonArray("certificates").size());
      JsonObject c = listed.getJsonArray("certificates").getJsonObject(0);
      assertEquals(serial, c.getString("serial"));
      assertEquals("auto", c.getString("signedBy"));
      assertFalse(c.getBoolean("revoked"));
    }
    // A new connection of the agent that applied them gets no second offer, and no new signature.
    try (Agent again = connect(gateway, "signed", ACCEPTS_OPAMP, null, uid)) {
      assertFalse(arrives(again.socket(), ServerToAgent::hasConnectionSettings, Duration.ofSeconds(1)));
      assertEquals(1, gateway.adminJson("/api/v1/credentials/certificates?agent=" + again.key())
          .getJsonArray("certificates").size());
    }
  }

  @Test
  void rsaAndEd25519RequestsAreSignedToo() throws Exception {
    policy(gateway, "auto", null);
    X509Certificate ca = caOf(gateway);
    for (AgentKeys keys : new AgentKeys[] {AgentKeys.rsa(2048), AgentKeys.ed25519()}) {
      ByteString uid = Messages.newUid();
      // The CN may also be the uid's canonical UUID text.
      try (Agent agent = connect(gateway, "kinds", ACCEPTS_OPAMP,
          keys.csr(dev.opamp.gateway.protocol.InstanceUids.uuidText(uid)), uid)) {
        checkIssued(await(agent.socket(), CredentialsTest::hasCertificate, WAIT), agent, keys, ca);
      }
    }
  }

  @Test
  void aCsrNamingAnotherAgentIsRefusedWithAReason() throws Exception {
    policy(gateway, "auto", null);
    ByteString uid = Messages.newUid();
    String other = Messages.key(Messages.newUid());
    try (Agent agent = connect(gateway, "imposter", ACCEPTS_OPAMP, AgentKeys.ec().csr(other), uid)) {
      ServerToAgent error = await(agent.socket(), ServerToAgent::hasErrorResponse, WAIT);
      assertEquals(ServerErrorResponseType.ServerErrorResponseType_BadRequest, error.getErrorResponse().getType());
      assertTrue(error.getErrorResponse().getErrorMessage().contains("CN=" + agent.key()),
          error.getErrorResponse().getErrorMessage());
      assertEquals(uid, error.getInstanceUid());
      assertFalse(arrives(agent.socket(), CredentialsTest::hasCertificate, Duration.ofMillis(800)));

      JsonArray refused = gateway.adminJson("/api/v1/credentials/csrs?state=refused").getJsonArray("requests");
      JsonObject mine = find(refused, agent.key());
      assertTrue(mine.getString("reason").contains(other), mine.encode());
      JsonObject shown = gateway.awaitAgent(agent.key(), a -> a.getJsonObject("desiredConnectionSettings") != null
          && "refused".equals(a.getJsonObject("desiredConnectionSettings").getString("certificateRequest")), WAIT);
      assertTrue(shown.getJsonObject("desiredConnectionSettings").getString("certificateRequestReason")
          .contains("must be CN="));
    }
    String metrics = gateway.adminGet("/metrics").bodyAsString();
    assertTrue(metrics.contains("opamp_credentials_csr_rejections_total{node=\"" + gateway.node().nodeName()
        + "\",reason=\"subject_mismatch\"} 1.0") || metrics.matches("(?s).*reason=\"subject_mismatch\".*} [1-9].*"),
        "the rejection is counted");
  }

  @Test
  void aGarbledOrWeakCsrIsRefused() throws Exception {
    policy(gateway, "auto", null);
    ByteString uid = Messages.newUid();
    try (Agent agent = connect(gateway, "garbled", ACCEPTS_OPAMP, ByteString.copyFromUtf8("not a csr"), uid)) {
      ServerToAgent error = await(agent.socket(), ServerToAgent::hasErrorResponse, WAIT);
      assertTrue(error.getErrorResponse().getErrorMessage().contains("PKCS#10"));
    }
    ByteString weak = Messages.newUid();
    try (Agent agent = connect(gateway, "garbled", ACCEPTS_OPAMP, AgentKeys.rsa(1024).csr(Messages.key(weak)), weak)) {
      ServerToAgent error = await(agent.socket(), ServerToAgent::hasErrorResponse, WAIT);
      assertTrue(error.getErrorResponse().getErrorMessage().contains("1024 bits"));
    }
  }

  @Test
  void underTheManualPolicyARequestWaitsForApproval() throws Exception {
    policy(gateway, "manual", null);
    try {
      X509Certificate ca = caOf(gateway);
      AgentKeys keys = AgentKeys.ec();
      ByteString uid = Messages.newUid();
      try (Agent agent = connect(gateway, "manual", ACCEPTS_OPAMP, keys.csr(Messages.key(uid)), uid)) {
        JsonObject pending = find(gateway.adminJson("/api/v1/credentials/csrs?state=pending")
            .getJsonArray("requests"), agent.key(), WAIT);
        assertEquals("EC P-256", pending.getString("keyType"));
        assertEquals("CN=" + agent.key(), pending.getString("subject"));
        assertFalse(arrives(agent.socket(), CredentialsTest::hasCertificate, Duration.ofMillis(800)));

        var approved = gateway.adminPost("/api/v1/credentials/csrs/" + agent.key() + "/approve", null);
        assertEquals(200, approved.statusCode(), approved.bodyAsString());
        assertEquals("issued", approved.bodyAsJsonObject().getString("state"));
        X509Certificate cert = checkIssued(await(agent.socket(), CredentialsTest::hasCertificate, WAIT), agent, keys, ca);
        assertEquals(approved.bodyAsJsonObject().getString("certificateSerial"), cert.getSerialNumber().toString(16));
        assertEquals(409, gateway.adminPost("/api/v1/credentials/csrs/" + agent.key() + "/approve", null).statusCode());
      }
      ByteString rejectedUid = Messages.newUid();
      try (Agent agent = connect(gateway, "manual", ACCEPTS_OPAMP, keys.csr(Messages.key(rejectedUid)), rejectedUid)) {
        find(gateway.adminJson("/api/v1/credentials/csrs?state=pending").getJsonArray("requests"), agent.key(), WAIT);
        var rejected = gateway.adminPost("/api/v1/credentials/csrs/" + agent.key() + "/reject",
            new JsonObject().put("reason", "unknown host"));
        assertEquals(200, rejected.statusCode(), rejected.bodyAsString());
        ServerToAgent error = await(agent.socket(), ServerToAgent::hasErrorResponse, WAIT);
        assertTrue(error.getErrorResponse().getErrorMessage().contains("unknown host"));
      }
    } finally {
      policy(gateway, "auto", null);
    }
  }

  @Test
  void theSelectorPolicySignsOnlyMatchingAgentsAtOnce() throws Exception {
    policy(gateway, "selector", "env=trusted");
    try {
      AgentKeys keys = AgentKeys.ec();
      ByteString trusted = Messages.newUid();
      ByteString other = Messages.newUid();
      try (Agent a = connect(gateway, "trusted", ACCEPTS_OPAMP, keys.csr(Messages.key(trusted)), trusted);
          Agent b = connect(gateway, "untrusted", ACCEPTS_OPAMP, keys.csr(Messages.key(other)), other)) {
        await(a.socket(), CredentialsTest::hasCertificate, WAIT);
        find(gateway.adminJson("/api/v1/credentials/csrs?state=pending").getJsonArray("requests"), b.key(), WAIT);
        assertFalse(arrives(b.socket(), CredentialsTest::hasCertificate, Duration.ofMillis(500)));
      }
    } finally {
      policy(gateway, "auto", null);
    }
  }

  @Test
  void forcedRotationReissuesMatchingAgentsOnly() throws Exception {
    policy(gateway, "auto", null);
    X509Certificate ca = caOf(gateway);
    AgentKeys keysA = AgentKeys.ec();
    AgentKeys keysB = AgentKeys.ec();
    ByteString uidA = Messages.newUid();
    ByteString uidB = Messages.newUid();
    try (Agent a = connect(gateway, "rotate-me", ACCEPTS_OPAMP, keysA.csr(Messages.key(uidA)), uidA);
        Agent b = connect(gateway, "keep-me", ACCEPTS_OPAMP, keysB.csr(Messages.key(uidB)), uidB)) {
      X509Certificate firstA = checkIssued(await(a.socket(), CredentialsTest::hasCertificate, WAIT), a, keysA, ca);
      checkIssued(await(b.socket(), CredentialsTest::hasCertificate, WAIT), b, keysB, ca);

      var r = gateway.adminPost("/api/v1/credentials/rotate", new JsonObject().put("selector", "env=rotate-me"));
      assertEquals(200, r.statusCode(), r.bodyAsString());
      assertEquals(1, r.bodyAsJsonObject().getInteger("rotated"));

      X509Certificate secondA = checkIssued(await(a.socket(), CredentialsTest::hasCertificate, WAIT), a, keysA, ca);
      assertNotEquals(firstA.getSerialNumber(), secondA.getSerialNumber());
      assertArrayEquals(firstA.getPublicKey().getEncoded(), secondA.getPublicKey().getEncoded());
      assertFalse(arrives(b.socket(), CredentialsTest::hasCertificate, Duration.ofSeconds(1)));
      JsonArray listed = gateway.adminJson("/api/v1/credentials/certificates?agent=" + a.key())
          .getJsonArray("certificates");
      assertEquals(2, listed.size());
      assertEquals("rotation", listed.getJsonObject(1).getString("signedBy"));
    }
  }

  @Test
  void revocationMakesTheClientCertificatePolicyRefuseTheCertificate() throws Exception {
    policy(gateway, "auto", null);
    ClientCertificatePolicy mtls = gateway.node().clientCertificatePolicy();
    X509Certificate ca = caOf(gateway);
    assertEquals(java.util.List.of(ca), mtls.trustAnchors());
    AgentKeys keys = AgentKeys.ec();
    ByteString uid = Messages.newUid();
    try (Agent agent = connect(gateway, "revoke-me", ACCEPTS_OPAMP, keys.csr(Messages.key(uid)), uid)) {
      X509Certificate cert = checkIssued(await(agent.socket(), CredentialsTest::hasCertificate, WAIT), agent, keys, ca);
      assertFalse(mtls.isRevoked(cert));

      var r = gateway.adminPost("/api/v1/credentials/revoke", new JsonObject().put("agent", agent.key()));
      assertEquals(200, r.statusCode(), r.bodyAsString());
      assertEquals(new JsonArray().add(cert.getSerialNumber().toString(16)), r.bodyAsJsonObject().getJsonArray("revoked"));
      assertTrue(mtls.isRevoked(cert));
      // The revoked certificate is no longer offered; a new request waits for an operator.
      gateway.awaitAgent(agent.key(), a -> a.getJsonObject("desiredConnectionSettings") != null
          && a.getJsonObject("desiredConnectionSettings").getValue("certificateSerial") == null, WAIT);
      agent.socket().send(Messages.heartbeat(uid, 1).toBuilder().setCapabilities(ACCEPTS_OPAMP)
          .setConnectionSettingsRequest(AgentKeys.request(keys.csr(agent.key()))).build());
      // (the same CSR is the same request: it stays answered, no certificate)
      assertFalse(arrives(agent.socket(), CredentialsTest::hasCertificate, Duration.ofMillis(800)));
      AgentKeys fresh = AgentKeys.ec();
      agent.socket().send(Messages.heartbeat(uid, 2).toBuilder().setCapabilities(ACCEPTS_OPAMP)
          .setConnectionSettingsRequest(AgentKeys.request(fresh.csr(agent.key()))).build());
      JsonObject pending = find(gateway.adminJson("/api/v1/credentials/csrs?state=pending").getJsonArray("requests"),
          agent.key(), WAIT);
      assertTrue(pending.getString("reason").contains("revoked"));
      assertTrue(find(gateway.adminJson("/api/v1/credentials/certificates?agent=" + agent.key())
          .getJsonArray("certificates"), agent.key()).getBoolean("revoked"));
    }
    assertEquals(404, gateway.adminPost("/api/v1/credentials/revoke", new JsonObject().put("serial", "abcdef"))
        .statusCode());
  }

  @Test
  void anOwnMetricsOfferReachesExactlyTheMatchingAgentsThatReportOwnMetrics() throws Exception {
    var saved = gateway.adminPut("/api/v1/connection-settings/own-metrics", new JsonObject()
        .put("selector", "env=observed").put("priority", 5)
        .put("ownMetrics", new JsonObject().put("endpoint", "https://otlp.example:4318/v1/metrics")
            .put("headers", new JsonObject().put("Authorization", "Bearer abc"))));
    assertEquals(200, saved.statusCode(), saved.bodyAsString());
    long reportsMetrics = Messages.CAPABILITIES | AgentCapabilities.AgentCapabilities_ReportsOwnMetrics_VALUE;
    try (Agent matching = connect(gateway, "observed", reportsMetrics, null, Messages.newUid());
        Agent incapable = connect(gateway, "observed", Messages.CAPABILITIES, null, Messages.newUid());
        Agent elsewhere = connect(gateway, "unobserved", reportsMetrics, null, Messages.newUid())) {
      ServerToAgent offer = await(matching.socket(), ServerToAgent::hasConnectionSettings, WAIT);
      assertEquals("https://otlp.example:4318/v1/metrics",
          offer.getConnectionSettings().getOwnMetrics().getDestinationEndpoint());
      assertEquals("Bearer abc", offer.getConnectionSettings().getOwnMetrics().getHeaders().getHeaders(0).getValue());
      assertFalse(offer.getConnectionSettings().hasOpamp(), "the agent does not accept OpAMP settings");
      assertFalse(offer.getConnectionSettings().hasOwnTraces());
      assertFalse(arrives(incapable.socket(), ServerToAgent::hasConnectionSettings, Duration.ofMillis(800)));
      assertFalse(arrives(elsewhere.socket(), ServerToAgent::hasConnectionSettings, Duration.ofMillis(200)));
      JsonObject shown = gateway.awaitAgent(matching.key(), a -> a.getJsonObject("desiredConnectionSettings") != null
          && "own-metrics".equals(a.getJsonObject("desiredConnectionSettings").getString("definition")), WAIT);
      assertEquals(new JsonArray().add("own_metrics"), shown.getJsonObject("desiredConnectionSettings")
          .getJsonArray("parts"));

      // A change of the definition reaches the connected agent at once.
      gateway.adminPut("/api/v1/connection-settings/own-metrics", new JsonObject()
          .put("selector", "env=observed").put("priority", 5)
          .put("ownMetrics", new JsonObject().put("endpoint", "https://otlp2.example:4318/v1/metrics")));
      ServerToAgent changed = await(matching.socket(), ServerToAgent::hasConnectionSettings, WAIT);
      assertEquals("https://otlp2.example:4318/v1/metrics",
          changed.getConnectionSettings().getOwnMetrics().getDestinationEndpoint());
      assertNotEquals(offer.getConnectionSettings().getHash(), changed.getConnectionSettings().getHash());
      assertFalse(arrives(elsewhere.socket(), ServerToAgent::hasConnectionSettings, Duration.ofMillis(300)));
    } finally {
      assertEquals(204, gateway.adminDelete("/api/v1/connection-settings/own-metrics").statusCode());
    }
  }

  @Test
  void apiAnswersNeverHoldAPrivateKeyAndBadInputIsExplained() throws Exception {
    for (String path : new String[] {"/api/v1/credentials/ca", "/api/v1/credentials/certificates",
        "/api/v1/credentials/csrs", "/api/v1/credentials/policy", "/api/v1/connection-settings"}) {
      String body = gateway.adminGet(path).bodyAsString();
      assertFalse(body.contains("PRIVATE KEY"), path);
    }
    var bad = gateway.adminPut("/api/v1/credentials/policy", new JsonObject().put("mode", "sometimes"));
    assertEquals(400, bad.statusCode());
    assertTrue(bad.bodyAsJsonObject().getString("detail").contains("manual"));
    var noEndpoint = gateway.adminPut("/api/v1/connection-settings/x", new JsonObject()
        .put("ownLogs", new JsonObject()));
    assertEquals(400, noEndpoint.statusCode());
    assertTrue(noEndpoint.bodyAsJsonObject().getString("detail").contains("ownLogs.endpoint"));
    assertEquals(400, gateway.adminPost("/api/v1/credentials/rotate", new JsonObject()).statusCode());
    assertEquals(400, gateway.adminPost("/api/v1/credentials/revoke", new JsonObject()).statusCode());
    assertEquals(404, gateway.adminPost("/api/v1/credentials/csrs/" + Messages.key(Messages.newUid()) + "/approve",
        null).statusCode());
    assertNull(gateway.adminJson("/api/v1/credentials/policy").getValue("nothing"));
  }

  static JsonObject find(JsonArray items, String key) {
    for (int i = 0; i < items.size(); i++) {
      if (key.equals(items.getJsonObject(i).getString("instanceUid"))) {
        return items.getJsonObject(i);
      }
    }
    throw new AssertionError(key + " not in " + items.encode());
  }

  /** Polls a listing until it names the agent (the request is decided on a worker thread). */
  private static JsonObject find(JsonArray first, String key, Duration timeout) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    JsonArray items = first;
    while (true) {
      for (int i = 0; i < items.size(); i++) {
        if (key.equals(items.getJsonObject(i).getString("instanceUid"))) {
          return items.getJsonObject(i);
        }
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError(key + " not in " + items.encode());
      }
      Thread.sleep(100);
      items = gateway.adminJson("/api/v1/credentials/csrs?state=pending").getJsonArray("requests");
    }
  }
}
