package dev.opamp.gateway.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.opamp.gateway.tls.ClientAuthentication;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class GatewaySettingsTest {

  @Test
  void defaultsAreTheDocumentedOnes() {
    GatewaySettings s = GatewaySettings.defaults();
    assertEquals("127.0.0.1", s.opampHost());
    assertEquals(4320, s.opampPort());
    assertEquals("127.0.0.1", s.adminHost());
    assertEquals(4321, s.adminPort());
    assertTrue(s.nodeName().endsWith("-4320"), s.nodeName());
    assertEquals(Path.of("./data"), s.dataDir());
    assertNull(s.hazelcastConfig());
    assertEquals(67_108_864L, s.maxMessageBytes());
    assertEquals(256L << 20, s.receiveBudgetBytes());
    assertEquals(Duration.ofSeconds(30), s.wsPingInterval());
    assertEquals(Duration.ofSeconds(90), s.wsIdleTimeout());
    assertEquals(Duration.ofSeconds(30), s.firstMessageTimeout());
    assertEquals(Duration.ofSeconds(90), s.httpSessionTimeout());
    assertEquals(256 << 10, s.writeQueueMaxBytes());
    assertEquals(Duration.ofSeconds(60), s.slowConsumerTimeout());
    assertNull(s.opampAuthToken());
    assertNull(s.adminAuthToken());
    assertEquals(30, s.heartbeatIntervalSeconds());
    assertEquals(Duration.ofDays(7), s.agentRetention());
    assertNull(s.storeUrl());
    assertNull(s.storeUser());
    assertNull(s.storePassword());
    assertFalse(s.opampTls());
    assertFalse(s.adminTls());
    assertEquals(ClientAuthentication.NONE, s.opampClientAuth());
    assertNull(s.opampClientCa());
    assertEquals(Duration.ofSeconds(5), s.tlsReloadInterval());
  }

  @Test
  void tlsSettingsThatCannotWorkAreRefused() {
    Path cert = Path.of("/etc/opamp/opamp.crt");
    Path key = Path.of("/etc/opamp/opamp.key");
    assertEquals("--opamp-tls-cert: needs --opamp-tls-key too (a certificate and its key go together)",
        assertThrows(SettingsException.class, () -> GatewaySettings.builder().opampTlsCert(cert).build()).getMessage());
    assertEquals("--admin-tls-key: needs --admin-tls-cert too (a certificate and its key go together)",
        assertThrows(SettingsException.class, () -> GatewaySettings.builder().adminTlsKey(key).build()).getMessage());
    assertEquals("--opamp-client-auth: required needs TLS on the OpAMP port (--opamp-tls-cert and --opamp-tls-key)",
        assertThrows(SettingsException.class, () -> GatewaySettings.builder()
            .opampClientAuth(ClientAuthentication.REQUIRED).build()).getMessage());
    assertEquals("--opamp-client-ca: client certificates are not asked for; set --opamp-client-auth optional or "
        + "required", assertThrows(SettingsException.class, () -> GatewaySettings.builder()
            .opampTlsCert(cert).opampTlsKey(key).opampClientCa(Path.of("/etc/opamp/agents-ca.pem")).build())
        .getMessage());
    GatewaySettings mtls = GatewaySettings.builder().opampTlsCert(cert).opampTlsKey(key)
        .opampClientAuth(ClientAuthentication.OPTIONAL).build();
    assertTrue(mtls.opampTls());
    assertFalse(mtls.adminTls());
  }

  @Test
  void theStoreIsAnH2FileInTheDataDirUnlessAUrlIsGiven() {
    GatewaySettings s = GatewaySettings.builder().dataDir(Path.of("/var/lib/opamp/./node1")).build();
    assertEquals("jdbc:h2:file:/var/lib/opamp/node1/desired-state", s.effectiveStoreUrl());
    assertTrue(GatewaySettings.defaults().effectiveStoreUrl()
        .startsWith("jdbc:h2:file:" + Path.of("").toAbsolutePath()), "relative data dirs are made absolute");
    String postgres = "jdbc:postgresql://127.0.0.1:5432/opamp";
    assertEquals(postgres, s.with(b -> b.storeUrl(postgres)).effectiveStoreUrl());
  }

  @Test
  void withChangesOnlyWhatItIsTold() {
    GatewaySettings base = GatewaySettings.defaults();
    GatewaySettings changed = base.with(b -> b.opampPort(0).adminPort(0));
    assertEquals(0, changed.opampPort());
    assertEquals(0, changed.adminPort());
    assertEquals(base.nodeName(), changed.nodeName(), "an explicit node name is kept");
    assertEquals(base.dataDir(), changed.dataDir());
  }

  @Test
  void anyFreePortGivesEachNodeItsOwnDerivedName() {
    GatewaySettings a = GatewaySettings.builder().opampPort(0).build();
    GatewaySettings b = GatewaySettings.builder().opampPort(0).build();
    assertNotEquals(a.nodeName(), b.nodeName());
  }

  @Test
  void toStringHidesTokens() {
    GatewaySettings s = GatewaySettings.builder().opampAuthToken("agent-secret").adminAuthToken("admin-secret")
        .storeUser("opamp").storePassword("db-secret")
        .storeUrl("jdbc:postgresql://127.0.0.1/opamp?user=opamp&password=url-secret&ssl=false").build();
    String text = s.toString();
    assertFalse(text.contains("secret"), text);
    assertTrue(text.contains("opampAuthToken=***"), text);
    assertTrue(text.contains("storePassword=***"), text);
    assertTrue(text.contains("storeUrl=jdbc:postgresql://127.0.0.1/opamp?user=opamp&password=***&ssl=false"), text);
    assertTrue(text.contains("storeUser=opamp"), text);
    assertTrue(GatewaySettings.defaults().toString().contains("adminAuthToken=null"));
    assertTrue(GatewaySettings.defaults().toString().contains("storePassword=null"));
  }

  @Test
  void checksEachValueAndNamesTheFlag() {
    assertMessage("--opamp-port: 70000 is not a port number (1-65535, or 0 for any free port)",
        () -> GatewaySettings.builder().opampPort(70_000).build());
    assertMessage("--admin-host: \"\" is not a host name or address",
        () -> GatewaySettings.builder().adminHost("").build());
    assertMessage("--write-queue-max-bytes: 0 is not a size above zero",
        () -> GatewaySettings.builder().writeQueueMaxBytes(0).build());
    assertMessage("--ws-ping-interval: -1s is not a duration above zero",
        () -> GatewaySettings.builder().wsPingInterval(Duration.ofSeconds(-1)).build());
    assertThrows(SettingsException.class, () -> GatewaySettings.builder().nodeName("has space").build());
    assertThrows(SettingsException.class, () -> GatewaySettings.builder().opampAuthToken("two\nlines").build());
    assertMessage("--store-url: \"jdbc:mysql://db/opamp\" is not a jdbc:h2: or jdbc:postgresql: URL",
        () -> GatewaySettings.builder().storeUrl("jdbc:mysql://db/opamp").build());
    assertMessage("--store-url: \"jdbc:h2:mem:x\" is an in-memory database, which would lose the desired state "
        + "at every restart", () -> GatewaySettings.builder().storeUrl("jdbc:h2:mem:x").build());
    assertMessage("--store-user: \" \" is not a user name", () -> GatewaySettings.builder().storeUser(" ").build());
    assertMessage("--store-password-file: the password is empty",
        () -> GatewaySettings.builder().storePassword("").build());
  }

  @Test
  void aBadStoreUrlNeverShowsItsPassword() {
    SettingsException e = assertThrows(SettingsException.class,
        () -> GatewaySettings.builder().storeUrl("jdbc:mariadb://db/opamp?password=hush").build());
    assertEquals("--store-url: \"jdbc:mariadb://db/opamp?password=***\" is not a jdbc:h2: or jdbc:postgresql: URL",
        e.getMessage());
  }

  @Test
  void checksSettingsThatDependOnEachOther() {
    SettingsException budget = assertThrows(SettingsException.class,
        () -> GatewaySettings.builder().receiveBudgetBytes(1 << 20).build());
    assertTrue(budget.getMessage().startsWith("--receive-budget-bytes: 1MiB is less than --max-message-bytes"));
    SettingsException idle = assertThrows(SettingsException.class,
        () -> GatewaySettings.builder().wsIdleTimeout(Duration.ofSeconds(30)).build());
    assertTrue(idle.getMessage().startsWith("--ws-idle-timeout: 30s is not longer than --ws-ping-interval"));
    SettingsException http = assertThrows(SettingsException.class,
        () -> GatewaySettings.builder().heartbeatIntervalSeconds(120).build());
    assertTrue(http.getMessage().startsWith("--http-session-timeout: 90s is not longer than"));
  }

  @Test
  void aBadTokenIsNeverQuotedInTheMessage() {
    SettingsException e = assertThrows(SettingsException.class,
        () -> GatewaySettings.builder().adminAuthToken("sec ret").build());
    assertFalse(e.getMessage().contains("sec"), e.getMessage());
  }

  private static void assertMessage(String expected, Runnable action) {
    assertEquals(expected, assertThrows(SettingsException.class, action::run).getMessage());
  }
}
