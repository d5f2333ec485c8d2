package dev.opamp.gateway.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.opamp.gateway.tls.ClientAuthentication;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SettingsLoaderTest {

  @TempDir
  Path dir;

  @Test
  void noArgumentsGiveTheDefaults() {
    GatewaySettings s = load(Map.of());
    assertEquals(GatewaySettings.defaults(), s);
  }

  @Test
  void flagsBeatEnvironmentWhichBeatsTheFile() throws IOException {
    Path file = write("gateway.yaml", """
        opamp-port: 1111
        admin-port: 2222
        data-dir: /from-file
        """);
    Map<String, String> env = Map.of(
        "OPAMP_GATEWAY_ADMIN_PORT", "3333",
        "OPAMP_GATEWAY_DATA_DIR", "/from-env");
    GatewaySettings s = load(env, "--config", file.toString(), "--data-dir", "/from-flag");
    assertEquals(1111, s.opampPort());
    assertEquals(3333, s.adminPort());
    assertEquals(Path.of("/from-flag"), s.dataDir());
  }

  @Test
  void theSettingsFileCanBeNamedByTheEnvironment() throws IOException {
    Path file = write("gateway.yaml", "node-name: from-file\n");
    assertEquals("from-file", load(Map.of("OPAMP_GATEWAY_CONFIG", file.toString())).nodeName());
  }

  @Test
  void anEmptyVariableCountsAsUnset() {
    assertEquals(4320, load(Map.of("OPAMP_GATEWAY_OPAMP_PORT", "")).opampPort());
  }

  @Test
  void readsEveryKindOfValue() throws IOException {
    Path file = write("gateway.yaml", """
        max-message-bytes: 1048576
        ws-ping-interval: 10s
        hazelcast-config: cluster.yaml
        """);
    GatewaySettings s = load(Map.of("OPAMP_GATEWAY_WS_IDLE_TIMEOUT", "1m"),
        "--config", file.toString(),
        "--opamp-host=0.0.0.0", "--opamp-port", "0",
        "--receive-budget-bytes", "2MiB", "--write-queue-max-bytes", "64KiB",
        "--first-message-timeout", "500ms", "--http-session-timeout", "1h",
        "--slow-consumer-timeout", "2m", "--heartbeat-interval-seconds", "10");
    assertEquals("0.0.0.0", s.opampHost());
    assertEquals(0, s.opampPort());
    assertEquals(1L << 20, s.maxMessageBytes());
    assertEquals(2L << 20, s.receiveBudgetBytes());
    assertEquals(64 << 10, s.writeQueueMaxBytes());
    assertEquals(Duration.ofSeconds(10), s.wsPingInterval());
    assertEquals(Duration.ofMinutes(1), s.wsIdleTimeout());
    assertEquals(Duration.ofMillis(500), s.firstMessageTimeout());
    assertEquals(Duration.ofHours(1), s.httpSessionTimeout());
    assertEquals(Duration.ofMinutes(2), s.slowConsumerTimeout());
    assertEquals(10, s.heartbeatIntervalSeconds());
    assertEquals(Path.of("cluster.yaml"), s.hazelcastConfig());
    assertEquals(60, load(Map.of(), "--heartbeat-interval-seconds", "1m").heartbeatIntervalSeconds());
  }

  @Test
  void tokensComeTrimmedFromFilesAndAreNeverShown() throws IOException {
    Path agentToken = write("agent.token", "  agent-s3cret\n");
    Path adminToken = write("admin.token", "admin-s3cret");
    GatewaySettings s = load(Map.of("OPAMP_GATEWAY_ADMIN_AUTH_TOKEN_FILE", adminToken.toString()),
        "--opamp-auth-token-file", agentToken.toString());
    assertEquals("agent-s3cret", s.opampAuthToken());
    assertEquals("admin-s3cret", s.adminAuthToken());
    assertFalse(s.toString().contains("s3cret"), s.toString());
  }

  @Test
  void storeSettingsAreReadAndThePasswordIsNeverShown() throws IOException {
    Path password = write("db.password", " pass word \n");
    GatewaySettings s = load(Map.of("OPAMP_GATEWAY_STORE_USER", "opamp"),
        "--store-url", "jdbc:postgresql://127.0.0.1:5432/opamp", "--store-password-file", password.toString());
    assertEquals("jdbc:postgresql://127.0.0.1:5432/opamp", s.storeUrl());
    assertEquals("jdbc:postgresql://127.0.0.1:5432/opamp", s.effectiveStoreUrl());
    assertEquals("opamp", s.storeUser());
    assertEquals(" pass word ", s.storePassword(), "only the final line break is dropped");
    assertFalse(s.toString().contains("pass word"), s.toString());
    Path file = write("store.yaml", "store-url: jdbc:h2:file:/srv/opamp/state\n");
    assertEquals("jdbc:h2:file:/srv/opamp/state", load(Map.of(), "--config", file.toString()).storeUrl());
  }

  @Test
  void credentialsSettingsAreReadAndChecked() throws IOException {
    Path cert = write("ca.pem", "x");
    Path key = write("ca.key", "y");
    GatewaySettings s = load(Map.of("OPAMP_GATEWAY_CSR_POLICY", "selector"),
        "--ca-cert", cert.toString(), "--ca-key", key.toString(), "--csr-auto-selector", "env = prod",
        "--agent-cert-lifetime", "7d", "--agent-cert-renew-at", "0.5",
        "--agent-opamp-endpoint", "wss://opamp.example:4320/v1/opamp");
    assertEquals(cert, s.caCert());
    assertEquals("selector", s.csrPolicy());
    assertEquals("env=prod", s.csrAutoSelector());
    assertEquals(Duration.ofDays(7), s.agentCertLifetime());
    assertEquals(0.5, s.agentCertRenewAt());
    assertEquals("wss://opamp.example:4320/v1/opamp", s.agentOpampEndpoint());
    GatewaySettings defaults = load(Map.of());
    assertEquals("auto", defaults.csrPolicy());
    assertEquals(defaults.dataDir().resolve("ca-key.secret"), defaults.effectiveCaKeySecretFile());
    assertFails("--csr-policy: \"sometimes\" is not a CSR policy (auto, selector or manual)", Map.of(),
        "--csr-policy", "sometimes");
    assertFails("--agent-cert-renew-at: 1.5 is not a share between 0 and 1 (exclusive)", Map.of(),
        "--agent-cert-renew-at", "1.5");
    assertFails("--ca-key: give --ca-cert and --ca-key together (or neither, to have the gateway generate its CA)",
        Map.of(), "--ca-cert", cert.toString());
    assertFails("--agent-opamp-endpoint: \"opamp.example\" is not a ws://, wss://, http:// or https:// URL", Map.of(),
        "--agent-opamp-endpoint", "opamp.example");
  }

  @Test
  void badStoreSettingsAreNamed() throws IOException {
    assertFails("--store-url: \"postgres://db/opamp\" is not a jdbc:h2: or jdbc:postgresql: URL",
        Map.of(), "--store-url", "postgres://db/opamp");
    assertFails("OPAMP_GATEWAY_STORE_URL: \"jdbc:h2:mem:state\" is an in-memory database, which would lose the "
        + "desired state at every restart", Map.of("OPAMP_GATEWAY_STORE_URL", "jdbc:h2:mem:state"));
    Path missing = dir.resolve("missing.password");
    assertFails("--store-password-file: cannot read " + missing + " (no such file)",
        Map.of(), "--store-password-file", missing.toString());
    Path empty = write("empty.password", "\n");
    assertFails("--store-password-file: the password is empty", Map.of(), "--store-password-file", empty.toString());
  }

  @Test
  void tlsFlagsAreRead() throws IOException {
    GatewaySettings s = load(Map.of("OPAMP_GATEWAY_OPAMP_CLIENT_AUTH", "Required"),
        "--opamp-tls-cert", "/tls/opamp.crt", "--opamp-tls-key", "/tls/opamp.key",
        "--admin-tls-cert", "/tls/admin.crt", "--admin-tls-key", "/tls/admin.key",
        "--opamp-client-ca", "/tls/agents-ca.pem", "--tls-reload-interval", "1s");
    assertEquals(Path.of("/tls/opamp.crt"), s.opampTlsCert());
    assertEquals(Path.of("/tls/admin.key"), s.adminTlsKey());
    assertEquals(ClientAuthentication.REQUIRED, s.opampClientAuth());
    assertEquals(Path.of("/tls/agents-ca.pem"), s.opampClientCa());
    assertEquals(java.time.Duration.ofSeconds(1), s.tlsReloadInterval());
    Path file = write("tls.yaml", "opamp-tls-cert: /tls/c.pem\nopamp-tls-key: /tls/k.pem\nopamp-client-auth: optional\n");
    assertEquals(ClientAuthentication.OPTIONAL, load(Map.of(), "--config", file.toString()).opampClientAuth());
    assertFails("--opamp-client-auth: \"sometimes\" is not none, optional or required",
        Map.of(), "--opamp-client-auth", "sometimes");
  }

  @Test
  void helpListsEveryFlagWithItsDefault() {
    SettingsLoader.Result result = SettingsLoader.load(new String[] {"--help"}, Map.of());
    assertTrue(result.helpRequested());
    assertNull(result.settings());
    String usage = result.usage().replaceAll("\\s+", " "); // undo the help's line wrapping
    for (Setting setting : Setting.values()) {
      assertTrue(usage.contains(setting.flag() + "="), setting.flag());
    }
    assertTrue(usage.contains("--config=FILE"));
    assertTrue(usage.contains("Default: 4320"));
    assertTrue(usage.contains("Default: 64MiB"));
    assertTrue(usage.contains("Default: 90s"));
    assertTrue(usage.contains("OPAMP_GATEWAY_OPAMP_PORT"));
    assertTrue(usage.contains("Default: jdbc:h2:file:<data-dir>/desired-state"));
  }

  @Test
  void helpWinsOverEverythingElse() {
    assertTrue(SettingsLoader.load(new String[] {"--config", "/missing.yaml", "-h"}, Map.of()).helpRequested());
  }

  @Test
  void badFlagsAreNamedInOneLine() {
    assertFails("--opamp-port: \"abc\" is not a port number (1-65535, or 0 for any free port)",
        Map.of(), "--opamp-port", "abc");
    assertFails("--admin-port: 65536 is not a port number (1-65535, or 0 for any free port)",
        Map.of(), "--admin-port=65536");
    assertFails("--bogus: unknown flag (see --help)", Map.of(), "--bogus=1");
    assertFails("--opamp-port: needs a value", Map.of(), "--opamp-port");
    assertFails("--opamp-port: given more than once", Map.of(), "--opamp-port", "1", "--opamp-port", "2");
    assertFails("\"4320\": unexpected argument; settings are flags (see --help)", Map.of(), "4320");
    assertFails("--max-message-bytes: -5 is not a size above zero", Map.of(), "--max-message-bytes", "-5");
    assertFails("--ws-ping-interval: \"30\" is not a duration (a whole number with a unit: ms, s, m, h or d, e.g. 30s)",
        Map.of(), "--ws-ping-interval", "30");
    assertFails("--write-queue-max-bytes: \"4GiB\" is too large (at most 2147483647 bytes)",
        Map.of(), "--write-queue-max-bytes", "4GiB");
    assertFails("--node-name: \"a b\" is not a node name (1-63 letters, digits, '.', '_' or '-', "
        + "starting with a letter or digit)", Map.of(), "--node-name", "a b");
  }

  @Test
  void badVariablesAreNamedByTheVariable() {
    assertFails("OPAMP_GATEWAY_OPAMP_PORT: \"x\" is not a port number (1-65535, or 0 for any free port)",
        Map.of("OPAMP_GATEWAY_OPAMP_PORT", "x"));
  }

  @Test
  void unreadableFilesAreNamed() {
    Path missing = dir.resolve("missing");
    assertFails("--config: cannot read " + missing + " (no such file)", Map.of(), "--config", missing.toString());
    assertFails("OPAMP_GATEWAY_CONFIG: cannot read " + missing + " (no such file)",
        Map.of("OPAMP_GATEWAY_CONFIG", missing.toString()));
    assertFails("--opamp-auth-token-file: cannot read " + missing + " (no such file)",
        Map.of(), "--opamp-auth-token-file", missing.toString());
  }

  @Test
  void anEmptyTokenFileIsRefused() throws IOException {
    Path empty = write("empty.token", " \n");
    assertFails("--admin-auth-token-file: the token is empty", Map.of(), "--admin-auth-token-file", empty.toString());
  }

  @Test
  void badSettingsFilesAreNamedWithTheKey() throws IOException {
    Path unknown = write("unknown.yaml", "opamp-prot: 4320\n");
    assertFails("opamp-prot in " + unknown + ": unknown setting (keys are the flag names without \"--\"; see --help)",
        Map.of(), "--config", unknown.toString());
    Path badValue = write("bad-value.yaml", "opamp-port: abc\n");
    assertFails("opamp-port in " + badValue + ": \"abc\" is not a port number (1-65535, or 0 for any free port)",
        Map.of(), "--config", badValue.toString());
    Path noValue = write("no-value.yaml", "opamp-port:\n");
    assertFails("opamp-port in " + noValue + ": has no value (remove the line to keep the default)",
        Map.of(), "--config", noValue.toString());
    Path list = write("list.yaml", "opamp-host: [a, b]\n");
    assertFails("opamp-host in " + list + ": needs a single value, not a list or mapping",
        Map.of(), "--config", list.toString());
    Path notAMapping = write("scalar.yaml", "just text\n");
    assertFails("--config: " + notAMapping + " must be a mapping of setting names to values, such as \"opamp-port: 4320\"",
        Map.of(), "--config", notAMapping.toString());
  }

  @Test
  void brokenYamlIsReportedWithItsLine() throws IOException {
    Path broken = write("broken.yaml", "opamp-port: 1\n  admin-port: 2\n");
    String message = failure(Map.of(), "--config", broken.toString()).getMessage();
    assertTrue(message.startsWith("--config: " + broken + " is not valid YAML (line 2"), message);
    Path twice = write("twice.yaml", "opamp-port: 1\nopamp-port: 2\n");
    message = failure(Map.of(), "--config", twice.toString()).getMessage();
    assertTrue(message.startsWith("--config: " + twice + " is not valid YAML (line 2"), message);
    assertTrue(message.contains("duplicate key"), message);
  }

  @Test
  void anEmptySettingsFileSetsNothing() throws IOException {
    Path empty = write("empty.yaml", "# nothing yet\n");
    assertEquals(GatewaySettings.defaults(), load(Map.of(), "--config", empty.toString()));
  }

  private Path write(String name, String content) throws IOException {
    return Files.writeString(dir.resolve(name), content);
  }

  private static GatewaySettings load(Map<String, String> env, String... args) {
    SettingsLoader.Result result = SettingsLoader.load(args, env);
    assertFalse(result.helpRequested());
    return result.settings();
  }

  private static SettingsException failure(Map<String, String> env, String... args) {
    SettingsException e = assertThrows(SettingsException.class, () -> SettingsLoader.load(args, env));
    assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
    return e;
  }

  private static void assertFails(String expected, Map<String, String> env, String... args) {
    assertEquals(expected, failure(env, args).getMessage());
  }
}
