package dev.opamp.loadtest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.opamp.gateway.testing.ProcessCluster;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The failover scenario against a real two-node cluster (two gateway processes joined over TCP-IP
 * on loopback): 200 agents spread over both, one node SIGKILLed, every agent back on the survivor.
 */
class FailoverEndToEndTest {

  @Test
  @Timeout(value = 120, unit = TimeUnit.SECONDS)
  void agentsOfAKilledNodeReconnectToTheSurvivor() throws Exception {
    try (ProcessCluster cluster = ProcessCluster.start(2)) {
      int[] opamp = {cluster.process(0).opampPort(), cluster.process(1).opampPort()};
      int[] admin = {cluster.process(0).adminPort(), cluster.process(1).adminPort()};
      String[] args = {
          "--scenario", "failover",
          "--target", "ws://127.0.0.1:" + opamp[0] + "/v1/opamp,ws://127.0.0.1:" + opamp[1] + "/v1/opamp",
          "--gateway-pids", cluster.process(0).pid() + "," + cluster.process(1).pid(),
          "--admin", "http://127.0.0.1:" + admin[1] + ",http://127.0.0.1:" + admin[0],
          "--metrics", "none",
          "--agents", "200", "--rate", "400", "--heartbeat", "5s", "--settle", "1s",
          "--connect-timeout", "30s", "--no-progress"};
      Options options = Options.parse(args);
      assertEquals(1, options.killNode);
      JsonObject report = Runner.run(options, args);
      String text = report.encodePrettily();

      JsonObject f = report.getJsonObject("failover");
      assertNotNull(f, text);
      assertEquals(1, f.getInteger("killedNode"), text);
      int onKilled = f.getInteger("agentsOnKilledNode");
      assertTrue(onKilled > 0 && onKilled <= 200, text);
      assertEquals(onKilled, f.getInteger("reconnected"), text);
      assertNotNull(f.getDouble("allReconnectedSeconds"), text);
      assertNotNull(f.getDouble("fleetCountRestoredSeconds"), text);
      assertEquals((long) onKilled, f.getJsonObject("reconnectSeconds").getLong("count"), text);
      assertEquals(0, f.getInteger("lost"), text);
      assertEquals(200, report.getInteger("connected"), text);
      assertTrue(!cluster.process(1).isAlive() || cluster.process(1).process().waitFor(10, TimeUnit.SECONDS),
          "node 1 was killed");
      System.out.println("failover report: " + f.encode());
    }
  }
}
