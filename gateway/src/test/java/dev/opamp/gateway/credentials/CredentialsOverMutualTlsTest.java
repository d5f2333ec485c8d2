package dev.opamp.gateway.credentials;

import static dev.opamp.gateway.credentials.CredentialsTest.ACCEPTS_OPAMP;
import static dev.opamp.gateway.credentials.CredentialsTest.await;
import static dev.opamp.gateway.credentials.CredentialsTest.certificate;
import static dev.opamp.gateway.credentials.CredentialsTest.hasCertificate;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.opamp.gateway.proto.AgentDescription;
import dev.opamp.gateway.proto.AgentToServer;
import dev.opamp.gateway.proto.ServerToAgent;
import dev.opamp.gateway.testing.ClientTls;
import dev.opamp.gateway.testing.Messages;
import dev.opamp.gateway.testing.RawWebSocketAgent;
import dev.opamp.gateway.testing.TestGateway;
import dev.opamp.gateway.testing.TestPki;
import dev.opamp.gateway.tls.AgentIdentity;
import dev.opamp.gateway.tls.ClientAuthentication;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.PemKeyCertOptions;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Base64;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The whole credentials story over real TLS sockets, with the gateway's own CA judging client
 * certificates: an agent bootstraps on WSS with an operator-issued certificate (mTLS required),
 * sends a CSR, receives a certificate signed by the gateway CA, reconnects with it and is served
 * as itself; a forced rotation gets it a new certificate it reconnects with; a revoked
 * certificate is refused at the handshake while the other agents go on.
 */
class CredentialsOverMutualTlsTest {

  private static final Duration WAIT = Duration.ofSeconds(15);
  private static TestPki serverPki;
  private static TestPki bootstrap;
  private static TestGateway gateway;

  @BeforeAll
  static void start() throws Exception {
    serverPki = TestPki.create("creds-server");
    bootstrap = TestPki.create("bootstrap");
    TestPki.Issued server = serverPki.server("opamp");
    Path bundle = TestPki.bundle(bootstrap.dir().resolve("bundle.pem"), bootstrap.caCertificate());
    // The default start: the gateway CA and its revocation list decide, nothing injected.
    gateway = TestGateway.start(TestGateway.testSettings()
        .opampTlsCert(server.certFile()).opampTlsKey(server.keyFile())
        .opampClientAuth(ClientAuthentication.REQUIRED)
        .opampClientCa(bundle)
        .tlsReloadInterval(Duration.ofMillis(200))
        .build());
  }

  @AfterAll
  static void stop() throws Exception {
    if (gateway != null) {
      gateway.close();
    }
  }

  /** What an agent holds after its CSR was answered: its key and the certificate issued for it. */
  private record Credential(AgentKeys keys, X509Certificate certificate) {
    ClientTls tls() {
      String keyPem = "-----BEGIN PRIVATE KEY-----\n"
          + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(keys.pair.getPrivate().getEncoded())
          + "\n-----END PRIVATE KEY-----\n";
      return new ClientTls(serverPki.trustOptions(), new PemKeyCertOptions()
          .addKeyValue(Buffer.buffer(keyPem))
          .addCertValue(Buffer.buffer(TestPki.pem(certificate))));
    }
  }

  private static AgentToServer hello(ByteString uid, long sequence, ByteString csrOrNull) {
    AgentToServer.Builder b = Messages.fullState(uid, sequence, "mtls-creds").toBuilder()
        .setCapabilities(ACCEPTS_OPAMP)
        .setAgentDescription(AgentDescription.newBuilder()
            .addIdentifyingAttributes(Messages.attr("service.name", "mtls-creds"))
            .addNonIdentifyingAttributes(Messages.attr("env", "mtls-" + Messages.key(uid))));
    if (csrOrNull != null) {
      b.setConnectionSettingsRequest(AgentKeys.request(csrOrNull));
    }
    return b.build();
  }

  /** Bootstraps with an operator certificate, sends a CSR and answers what the gateway signed. */
  private static Credential enrol(ByteString uid) throws Exception {
    AgentKeys keys = AgentKeys.ec();
    ClientTls bootstrapTls = ClientTls.presenting(serverPki, bootstrap.client("bootstrap-" + Messages.key(uid)));
    try (RawWebSocketAgent agent = gateway.webSocketAgent(bootstrapTls)) {
      agent.send(hello(uid, 0, keys.csr(Messages.key(uid))));
      ServerToAgent offer = await(agent, CredentialsTest::hasCertificate, WAIT);
      X509Certificate issued = certificate(offer);
      issued.verify(CredentialsTest.caOf(gateway).getPublicKey());
      assertEquals(Messages.key(uid), AgentIdentity.keyOf(issued).orElseThrow());
      return new Credential(keys, issued);
    }
  }

  private static void assertServed(RawWebSocketAgent agent, ByteString uid, long sequence) throws Exception {
    ServerToAgent reply = agent.exchange(hello(uid, sequence, null));
    assertFalse(reply.hasErrorResponse(), () -> "refused: " + reply.getErrorResponse().getErrorMessage());
  }

  @Test
  void anAgentEnrolsOverWssAndReconnectsWithItsSignedCertificate() throws Exception {
    ByteString uid = Messages.newUid();
    Credential credential = enrol(uid);
    try (RawWebSocketAgent agent = gateway.webSocketAgent(credential.tls())) {
      assertServed(agent, uid, 0);
      gateway.awaitAgent(Messages.key(uid), a -> a.getJsonObject("connection").getBoolean("connected"), WAIT);
      // The certificate binds the connection to its agent: another uid is refused with a reason.
      agent.send(hello(Messages.newUid(), 1, null));
      ServerToAgent intruder = await(agent, ServerToAgent::hasErrorResponse, WAIT);
      assertTrue(intruder.getErrorResponse().getErrorMessage().contains(Messages.key(uid)),
          intruder.getErrorResponse().getErrorMessage());
    }
  }

  @Test
  void aForcedRotationGivesTheAgentANewCertificateItReconnectsWith() throws Exception {
    ByteString uid = Messages.newUid();
    Credential first = enrol(uid);
    X509Certificate rotated;
    try (RawWebSocketAgent agent = gateway.webSocketAgent(first.tls())) {
      assertServed(agent, uid, 0);
      var r = gateway.adminPost("/api/v1/credentials/rotate",
          new JsonObject().put("selector", "env=mtls-" + Messages.key(uid)));
      assertEquals(200, r.statusCode(), r.bodyAsString());
      assertEquals(1, r.bodyAsJsonObject().getInteger("rotated"));
      ServerToAgent offer = await(agent, m -> {
        try {
          return hasCertificate(m) && !certificate(m).getSerialNumber().equals(first.certificate().getSerialNumber());
        } catch (Exception e) {
          throw new AssertionError(e);
        }
      }, WAIT);
      rotated = certificate(offer);
    }
    assertNotEquals(first.certificate().getSerialNumber(), rotated.getSerialNumber());
    try (RawWebSocketAgent agent = gateway.webSocketAgent(new Credential(first.keys(), rotated).tls())) {
      assertServed(agent, uid, 0);
    }
  }

  @Test
  void aRevokedCertificateIsRefusedAtTheHandshakeWhileOthersAreServed() throws Exception {
    ByteString revokedUid = Messages.newUid();
    ByteString otherUid = Messages.newUid();
    Credential revoked = enrol(revokedUid);
    Credential other = enrol(otherUid);
    try (RawWebSocketAgent agent = gateway.webSocketAgent(revoked.tls())) {
      assertServed(agent, revokedUid, 0);
    }
    var r = gateway.adminPost("/api/v1/credentials/revoke",
        new JsonObject().put("serial", revoked.certificate().getSerialNumber().toString(16)));
    assertEquals(200, r.statusCode(), r.bodyAsString());
    assertThrows(Exception.class, () -> gateway.webSocketAgent(revoked.tls()).close());
    try (RawWebSocketAgent agent = gateway.webSocketAgent(other.tls())) {
      assertServed(agent, otherUid, 0);
    }
  }
}
