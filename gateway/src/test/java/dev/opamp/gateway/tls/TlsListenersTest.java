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
import dev.opamp.gateway.testing.Poll;
import dev.opamp.gateway.testing.RawHttpAgent;
import dev.opamp.gateway.testing.RawWebSocketAgent;
import dev.opamp.gateway.testing.TestGateway;
import dev.opamp.gateway.testing.TestPki;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A gateway whose OpAMP port serves HTTPS and WSS and whose admin port serves HTTPS, over real
 * TLS sockets: agents of both transports are served, the admin API answers, plain clients are
 * refused, and a new certificate written over the files is served to new connections without a
 * restart while open sessions go on; a bad new file leaves the served certificate in place.
 */
class TlsListenersTest {

  private static TestPki pki;
  private static Path opampCert;
  private static Path opampKey;
  private static TestGateway gateway;
  private static ClientTls tls;

  @BeforeAll
  static void start() throws Exception {
    pki = TestPki.create("listeners");
    opampCert = pki.dir().resolve("opamp.crt");
    opampKey = pki.dir().resolve("opamp.key");
    pki.server("opamp-1").installAt(opampCert, opampKey);
    TestPki.Issued admin = pki.server("admin");
    tls = ClientTls.trusting(pki);
    gateway = TestGateway.start(TestGateway.testSettings()
        .opampTlsCert(opampCert).opampTlsKey(opampKey)
        .adminTlsCert(admin.certFile()).adminTlsKey(admin.keyFile())
        .tlsReloadInterval(Duration.ofMillis(200))
        .build(), tls, ClientCertificatePolicy.NONE);
  }

  @AfterAll
  static void stop() throws Exception {
    if (gateway != null) {
      gateway.close();
    }
  }

  @Test
  void agentsOfBothTransportsAreServedOverTls() throws Exception {
    ByteString wsUid = newUid();
    try (RawWebSocketAgent agent = gateway.webSocketAgent(tls)) {
      ServerToAgent reply = agent.exchange(fullState(wsUid, 1, "wss-agent"));
      assertFalse(reply.hasErrorResponse(), reply.toString());
      assertEquals(wsUid, reply.getInstanceUid());
      gateway.awaitAgent(key(wsUid), a -> a.getJsonObject("connection").getBoolean("connected"), Duration.ofSeconds(10));
    }
    ByteString httpUid = newUid();
    RawHttpAgent http = gateway.httpAgent(tls);
    ServerToAgent reply = http.exchange(fullState(httpUid, 1, "https-agent"));
    assertFalse(reply.hasErrorResponse(), reply.toString());
    assertFalse(http.exchange(heartbeat(httpUid, 2)).hasErrorResponse());
    JsonObject json = gateway.awaitAgent(key(httpUid), a -> a.getJsonObject("connection") != null, Duration.ofSeconds(10));
    assertEquals("http", json.getJsonObject("connection").getString("transport"));
  }

  @Test
  void theAdminApiAnswersOverHttpsOnly() throws Exception {
    assertEquals(200, gateway.adminGet("/api/v1/agents").statusCode());
    assertEquals(200, gateway.adminGet("/healthz").statusCode());
    WebClient plain = WebClient.create(gateway.clientVertx(), new WebClientOptions());
    try {
      assertThrows(Exception.class, () -> plain.get(gateway.adminPort(), "127.0.0.1", "/healthz").send()
          .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS));
    } finally {
      plain.close();
    }
    assertTrue(Scrape.value(gateway, "opamp_tls_certificate_expiry_days", "listener", "admin") > 29);
  }

  @Test
  void plainClientsAreRefusedByTheTlsPort() throws Exception {
    double before = Scrape.value(gateway, "opamp_tls_handshake_failures_total", "listener", "opamp");
    assertThrows(Exception.class, () -> RawWebSocketAgent.connect(gateway.clientVertx(), gateway.opampPort()));
    Poll.until("the failed handshake to be counted", Duration.ofSeconds(5),
        () -> Scrape.value(gateway, "opamp_tls_handshake_failures_total", "listener", "opamp"), v -> v > before);
  }

  @Test
  void aNewCertificateIsServedWithoutRestartAndABadOneIsNot() throws Exception {
    ByteString uid = newUid();
    try (RawWebSocketAgent old = gateway.webSocketAgent(tls)) {
      assertFalse(old.exchange(fullState(uid, 1, "reload")).hasErrorResponse());
      BigInteger first = old.serverCertificate().getSerialNumber();
      double reloads = Scrape.value(gateway, "opamp_tls_reloads_total", "listener", "opamp", "outcome", "success");

      TestPki.Issued second = pki.server("opamp-2");
      second.installAt(opampCert, opampKey);
      Poll.until("a new connection to see the new certificate", Duration.ofSeconds(10), () -> {
        try (RawWebSocketAgent fresh = gateway.webSocketAgent(tls)) {
          return fresh.serverCertificate().getSerialNumber();
        }
      }, serial -> serial.equals(second.certificate().getSerialNumber()));
      // Every event loop's server took it: connections are spread over all of them.
      for (int i = 0; i < 2 * Runtime.getRuntime().availableProcessors() * 2; i++) {
        try (RawWebSocketAgent fresh = gateway.webSocketAgent(tls)) {
          assertEquals(second.certificate().getSerialNumber(), fresh.serverCertificate().getSerialNumber());
        }
      }
      Poll.until("the reload to be counted", Duration.ofSeconds(5),
          () -> Scrape.value(gateway, "opamp_tls_reloads_total", "listener", "opamp", "outcome", "success"),
          v -> v > reloads);
      // The open session keeps its connection and its certificate.
      assertFalse(old.exchange(heartbeat(uid, 2)).hasErrorResponse());
      assertEquals(first, old.serverCertificate().getSerialNumber());

      // A key that does not belong to the certificate: refused, counted, the second stays served.
      double failures = Scrape.value(gateway, "opamp_tls_reloads_total", "listener", "opamp", "outcome", "failure");
      TestPki.Issued third = pki.server("opamp-3");
      TestPki.write(opampKey, Files.readString(pki.server("unrelated").keyFile()));
      TestPki.write(opampCert, Files.readString(third.certFile()));
      Poll.until("the bad pair to be counted", Duration.ofSeconds(10),
          () -> Scrape.value(gateway, "opamp_tls_reloads_total", "listener", "opamp", "outcome", "failure"),
          v -> v > failures);
      Thread.sleep(600); // a few more checks: the bad pair stays refused
      try (RawWebSocketAgent fresh = gateway.webSocketAgent(tls)) {
        assertEquals(second.certificate().getSerialNumber(), fresh.serverCertificate().getSerialNumber());
        assertFalse(fresh.exchange(fullState(newUid(), 1, "after-bad-reload")).hasErrorResponse());
      }
      // Garbage in the certificate file: the same.
      TestPki.write(opampCert, "not a certificate\n");
      Poll.until("the garbage to be counted", Duration.ofSeconds(10),
          () -> Scrape.value(gateway, "opamp_tls_reloads_total", "listener", "opamp", "outcome", "failure"),
          v -> v > failures + 1);
      try (RawWebSocketAgent fresh = gateway.webSocketAgent(tls)) {
        assertEquals(second.certificate().getSerialNumber(), fresh.serverCertificate().getSerialNumber());
      }
      assertFalse(old.exchange(heartbeat(uid, 3)).hasErrorResponse());
    } finally {
      pki.server("opamp-restored").installAt(opampCert, opampKey);
    }
  }
}
