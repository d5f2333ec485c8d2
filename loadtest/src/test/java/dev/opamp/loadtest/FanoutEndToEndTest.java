package dev.opamp.loadtest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.opamp.gateway.GatewayNode;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The simulator against a real gateway: 1 000 WebSocket agents and 250 polling over HTTP connect,
 * one config is pushed to all of them through the admin API, and every one reports it APPLIED.
 */
class FanoutEndToEndTest {

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

  @Test
  @Timeout(value = 120, unit = TimeUnit.SECONDS)
  void everyAgentConnectsAndAppliesTheConfigPushedToTheFleet() throws Exception {
    Path reportFile = dataDir.resolve("report.json");
    String[] args = {
        "--scenario", "fanout",
        "--target", "ws://127.0.0.1:" + gateway.opampPort() + "/v1/opamp",
        "--admin", "http://127.0.0.1:" + gateway.adminPort(),
        "--agents", "1250", "--transport", "mix", "--http-percent", "20",
        "--rate", "1000", "--heartbeat", "2s", "--settle", "0s",
        "--fanout-timeout", "30s", "--connect-timeout", "40s",
        "--report", reportFile.toString(), "--no-progress"};
    Options options = Options.parse(args);
    JsonObject report = Runner.run(options, args);
    Report.write(report, options.report);

    assertEquals(1250, report.getInteger("agents"));
    assertEquals(1250, report.getInteger("connected"), report.encodePrettily());
    assertEquals(0L, report.getLong("errors"), report.encodePrettily());
    assertNotNull(report.getDouble("connectSeconds"), report.encodePrettily());
    JsonObject fanout = report.getJsonObject("fanout");
    assertEquals(201, fanout.getInteger("putStatus"), report.encodePrettily());
    assertEquals(1250, fanout.getInteger("applied"), report.encodePrettily());
    assertEquals(0, fanout.getInteger("failed"));
    assertNotNull(fanout.getDouble("allAppliedMs"));
    assertNotNull(fanout.getDouble("p50Ms"));
    assertTrue(fanout.getDouble("p99Ms") <= fanout.getDouble("allAppliedMs") + 1);
    assertTrue(report.getJsonObject("gateway").containsKey("heapBytesPerAgent"), report.encodePrettily());
    assertEquals(1250, report.getJsonObject("gateway").getLong("agentsConnected"));

    JsonObject written = new JsonObject(Files.readString(reportFile));
    assertEquals(1250, written.getJsonObject("fanout").getInteger("applied"));
  }
}
