package dev.opamp.loadtest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import dev.opamp.gateway.GatewayNode;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The simulator's agents acting as supervised collectors against a real gateway, a small fleet
 * over WebSocket and HTTP: every agent downloads an assigned package through the gateway, checks
 * its hash and reports it INSTALLED; every agent sends a CSR and receives a certificate for its
 * own key.
 */
class SupervisorScenariosEndToEndTest {

  @TempDir
  static Path dataDir;
  private static GatewayNode gateway;

  @BeforeAll
  static void startGateway() throws Exception {
    gateway = LocalGateway.start(dataDir);
  }

  @AfterAll
  static void stopGateway() throws Exception {
    LocalGateway.stop(gateway);
  }

  private static JsonObject run(String scenario, String... more) throws Exception {
    String[] base = {
        "--scenario", scenario,
        "--target", "ws://127.0.0.1:" + gateway.opampPort() + "/v1/opamp",
        "--admin", "http://127.0.0.1:" + gateway.adminPort(),
        "--agents", "200", "--transport", "mix", "--http-percent", "25",
        "--rate", "500", "--heartbeat", "2s", "--settle", "0s",
        "--fanout-timeout", "60s", "--connect-timeout", "40s", "--no-progress"};
    String[] args = java.util.stream.Stream.concat(java.util.Arrays.stream(base), java.util.Arrays.stream(more))
        .toArray(String[]::new);
    return Runner.run(Options.parse(args), args);
  }

  @Test
  @Timeout(value = 120, unit = TimeUnit.SECONDS)
  void everyAgentDownloadsAndInstallsTheAssignedPackage() throws Exception {
    JsonObject report = run("packages", "--package-mib", "1");
    JsonObject p = report.getJsonObject("packages");
    assertEquals(201, p.getInteger("uploadStatus"), report.encodePrettily());
    assertEquals(200, p.getInteger("installed"), report.encodePrettily());
    assertEquals(0, p.getInteger("failed"), report.encodePrettily());
    assertNotNull(p.getDouble("allInstalledMs"), report.encodePrettily());
    assertEquals(200L << 20, p.getLong("downloadedBytes"), report.encodePrettily());
    assertEquals(0L, report.getLong("errors"), report.encodePrettily());
  }

  @Test
  @Timeout(value = 120, unit = TimeUnit.SECONDS)
  void everyAgentGetsACertificateForItsOwnKey() throws Exception {
    JsonObject report = run("credentials");
    JsonObject c = report.getJsonObject("credentials");
    assertEquals(200, c.getInteger("requested"), report.encodePrettily());
    assertEquals(200, c.getInteger("certified"), report.encodePrettily());
    assertEquals(0, c.getInteger("refused"), report.encodePrettily());
    assertNotNull(c.getDouble("allCertifiedMs"), report.encodePrettily());
    assertNotNull(c.getDouble("p99Ms"), report.encodePrettily());
    assertEquals(0L, report.getLong("errors"), report.encodePrettily());
  }
}
