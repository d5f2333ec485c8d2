package dev.opamp.gateway.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.opamp.gateway.config.SettingsException;
import dev.opamp.gateway.metrics.GatewayMetrics;
import dev.opamp.gateway.session.SessionRegistry;
import dev.opamp.gateway.testing.TestGateway;
import dev.opamp.gateway.testing.TestPki;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * What a listener accepts as its certificate and key at start: clear messages naming the setting
 * and the file for a missing file, a file that is not PEM, a key that belongs to another
 * certificate; an expired certificate loads (with a warning); no message quotes the key.
 */
class ListenerTlsTest {

  private static final TestPki PKI = TestPki.create("files");
  private static final GatewayMetrics METRICS = new GatewayMetrics(new SessionRegistry(), "unit");

  @AfterAll
  static void close() {
    METRICS.close();
  }

  private static ListenerFiles files(Path cert, Path key) {
    return new ListenerFiles("opamp", cert, "--opamp-tls-cert", key, "--opamp-tls-key");
  }

  private static String failure(Path cert, Path key) {
    return assertThrows(TlsMaterialException.class, () -> ListenerTls.serverOnly(files(cert, key), METRICS))
        .getMessage();
  }

  @Test
  void aMatchingPairLoads() throws Exception {
    TestPki.Issued server = PKI.server("good");
    ListenerTls tls = ListenerTls.serverOnly(files(server.certFile(), server.keyFile()), METRICS);
    assertEquals(server.certificate(), tls.certificate());
    assertTrue(tls.daysToExpiry() > 29 && tls.daysToExpiry() <= 30);
    assertFalse(tls.asksForClientCertificates());
  }

  @Test
  void missingAndForeignFilesAreNamed() throws Exception {
    TestPki.Issued server = PKI.server("named");
    Path missing = PKI.dir().resolve("missing.pem");
    assertEquals("--opamp-tls-cert: cannot read " + missing + " (no such file)", failure(missing, server.keyFile()));
    assertEquals("--opamp-tls-key: cannot read " + missing + " (no such file)", failure(server.certFile(), missing));
    Path text = PKI.dir().resolve("text.pem");
    Files.writeString(text, "hello\n");
    assertEquals("--opamp-tls-cert: " + text + " holds no PEM certificate (-----BEGIN CERTIFICATE-----)",
        failure(text, server.keyFile()));
    assertEquals("--opamp-tls-key: " + server.certFile() + " holds no PEM private key (-----BEGIN PRIVATE KEY-----)",
        failure(server.certFile(), server.certFile()));
  }

  @Test
  void aKeyOfAnotherCertificateIsRefusedWithoutQuotingIt() throws Exception {
    TestPki.Issued server = PKI.server("mine");
    TestPki.Issued other = PKI.server("other");
    String message = failure(server.certFile(), other.keyFile());
    assertEquals("--opamp-tls-key: the private key in " + other.keyFile() + " does not belong to the certificate in "
        + server.certFile() + " (O=files,CN=mine)", message);
    String keyBase64 = Base64.getEncoder().encodeToString(other.key().getEncoded());
    assertFalse(message.contains(keyBase64.substring(20, 40)));
  }

  @Test
  void anExpiredCertificateLoadsWithAWarning() throws Exception {
    TestPki.Issued expired = PKI.server("expired", Instant.now().minus(Duration.ofDays(10)),
        Instant.now().minus(Duration.ofDays(1)));
    ListenerTls tls = ListenerTls.serverOnly(files(expired.certFile(), expired.keyFile()), METRICS);
    assertTrue(tls.daysToExpiry() < 0);
  }

  @Test
  void aBadFileStopsTheGatewayBeforeItListens() throws Exception {
    TestPki.Issued server = PKI.server("start");
    TestPki.Issued other = PKI.server("start-other");
    ExecutionException failed = assertThrows(ExecutionException.class, () -> TestGateway.start(
        TestGateway.testSettings().adminTlsCert(server.certFile()).adminTlsKey(other.keyFile()).build()));
    SettingsException cause = assertInstanceOf(SettingsException.class, failed.getCause());
    assertTrue(cause.getMessage().startsWith("--admin-tls-key: the private key in "), cause.getMessage());
  }
}
