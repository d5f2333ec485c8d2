package dev.opamp.gateway.credentials;

import static dev.opamp.gateway.credentials.CredentialsTest.ACCEPTS_OPAMP;
import static dev.opamp.gateway.credentials.CredentialsTest.caOf;
import static dev.opamp.gateway.credentials.CredentialsTest.checkIssued;
import static dev.opamp.gateway.credentials.CredentialsTest.connect;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.opamp.gateway.config.GatewaySettings;
import dev.opamp.gateway.config.SettingsException;
import dev.opamp.gateway.testing.Messages;
import dev.opamp.gateway.testing.Poll;
import dev.opamp.gateway.testing.TestCluster;
import dev.opamp.gateway.testing.TestGateway;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The gateway CA across restarts and nodes: generated once and stored sealed, reopened with the
 * same secret after a restart, refused with a wrong secret, shared by every node of a cluster,
 * or given by the operator.
 */
class GatewayCaTest {

  private static final Duration WAIT = Duration.ofSeconds(10);

  @TempDir
  Path dir;

  @Test
  void theCaSurvivesARestartAndAWrongSecretStopsTheStart() throws Exception {
    GatewaySettings settings = TestGateway.testSettings().dataDir(dir.resolve("data")).build();
    X509Certificate ca;
    String serial;
    try (TestGateway gateway = TestGateway.start(settings)) {
      ca = caOf(gateway);
      serial = signedSerial(gateway, ca);
    }
    Path secret = dir.resolve("data").resolve(GatewaySettings.DEFAULT_CA_SECRET_NAME);
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(secret)));

    try (TestGateway again = TestGateway.start(settings)) {
      assertEquals(ca, caOf(again), "the same CA after the restart");
      signedSerial(again, ca); // its key was decrypted: it signs
      assertTrue(again.adminGet("/api/v1/credentials/certificates").bodyAsString().contains(serial),
          "issued certificates are durable");
    }

    Path wrong = Files.writeString(dir.resolve("wrong.secret"), "not-the-secret-of-this-cluster\n");
    ExecutionException failure = assertThrows(ExecutionException.class,
        () -> TestGateway.start(settings.with(b -> b.caKeySecretFile(wrong))));
    SettingsException cause = assertInstanceOf(SettingsException.class, failure.getCause());
    assertTrue(cause.getMessage().startsWith("--ca-key-secret-file: "), cause.getMessage());
    assertTrue(cause.getMessage().contains("does not decrypt"), cause.getMessage());
    assertFalse(cause.getMessage().contains(Files.readString(secret).strip()), "the secret is never shown");
  }

  @Test
  void everyNodeOfAClusterSignsWithTheSameCaAndFollowsRevocations() throws Exception {
    try (TestCluster cluster = TestCluster.start(2)) {
      TestGateway first = cluster.node(0);
      TestGateway second = cluster.node(1);
      X509Certificate ca = caOf(first);
      assertEquals(ca, caOf(second));
      AgentKeys keys = AgentKeys.ec();
      ByteString uid = Messages.newUid();
      X509Certificate cert;
      try (CredentialsTest.Agent agent = connect(second, "cluster", ACCEPTS_OPAMP, keys.csr(Messages.key(uid)), uid)) {
        cert = checkIssued(CredentialsTest.await(agent.socket(), CredentialsTest::hasCertificate, WAIT), agent, keys, ca);
      }
      var revoked = first.adminPost("/api/v1/credentials/revoke",
          new JsonObject().put("serial", cert.getSerialNumber().toString(16)));
      assertEquals(200, revoked.statusCode(), revoked.bodyAsString());
      Poll.until("the other node to refuse the revoked certificate", WAIT,
          () -> second.node().clientCertificatePolicy().isRevoked(cert));
    }
  }

  @Test
  void anOperatorCaIsUsedAsGiven() throws Exception {
    GatewayCa operator = GatewayCa.generate("operator");
    Path cert = Files.writeString(dir.resolve("ca.pem"), operator.certificatePem());
    Path key = Files.writeString(dir.resolve("ca.key"), pkcs8(operator.key()));
    GatewaySettings settings = TestGateway.testSettings().dataDir(dir.resolve("data")).caCert(cert).caKey(key).build();
    try (TestGateway gateway = TestGateway.start(settings)) {
      assertEquals(operator.certificate(), caOf(gateway));
      signedSerial(gateway, operator.certificate());
    }
    Path other = Files.writeString(dir.resolve("other.key"), pkcs8(GatewayCa.generate("other").key()));
    ExecutionException failure = assertThrows(ExecutionException.class,
        () -> TestGateway.start(settings.with(b -> b.caKey(other))));
    assertTrue(failure.getCause().getMessage().startsWith("--ca-key: "), failure.getCause().getMessage());
  }

  /** A key as {@code openssl genpkey} writes it: unencrypted PKCS#8 PEM. */
  private static String pkcs8(java.security.PrivateKey key) {
    return "-----BEGIN PRIVATE KEY-----\n"
        + java.util.Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(key.getEncoded())
        + "\n-----END PRIVATE KEY-----\n";
  }

  private static String signedSerial(TestGateway gateway, X509Certificate ca) throws Exception {
    AgentKeys keys = AgentKeys.ec();
    ByteString uid = Messages.newUid();
    try (CredentialsTest.Agent agent = connect(gateway, "restart", ACCEPTS_OPAMP, keys.csr(Messages.key(uid)), uid)) {
      return checkIssued(CredentialsTest.await(agent.socket(), CredentialsTest::hasCertificate, WAIT), agent, keys, ca)
          .getSerialNumber().toString(16);
    }
  }
}
