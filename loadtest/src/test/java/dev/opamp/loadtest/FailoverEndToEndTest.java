package dev.opamp.loadtest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The failover scenario against a real two-node cluster (two gateway processes joined over TCP-IP
 * on loopback): 200 agents spread over both, one node SIGKILLed, every agent back on the survivor.
 */
class FailoverEndToEndTest {

  private static final List<String> JVM = List.of("-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
      "-Djava.net.preferIPv4Stack=true", "-Dhazelcast.phone.home.enabled=false",
      "--add-opens", "java.base/java.lang=ALL-UNNAMED",
      "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED",
      "--add-opens", "java.management/sun.management=ALL-UNNAMED",
      "--add-opens", "jdk.management/com.sun.management.internal=ALL-UNNAMED",
      "--add-exports", "java.base/jdk.internal.ref=ALL-UNNAMED");

  @TempDir
  Path dir;
  private final List<Process> nodes = new ArrayList<>();
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  @AfterEach
  void stopNodes() throws InterruptedException {
    for (Process p : nodes) {
      p.destroyForcibly();
      p.waitFor(20, TimeUnit.SECONDS);
    }
  }

  @Test
  @Timeout(value = 90, unit = TimeUnit.SECONDS)
  void agentsOfAKilledNodeReconnectToTheSurvivor() throws Exception {
    int[] ports = freePorts(6);
    int[] member = {ports[0], ports[1]};
    int[] opamp = {ports[2], ports[3]};
    int[] admin = {ports[4], ports[5]};
    String cluster = "loadtest-failover-" + UUID.randomUUID();
    for (int i = 0; i < 2; i++) {
      Path config = Files.writeString(dir.resolve("hazelcast-" + i + ".yaml"), hazelcastYaml(cluster, member, member[i]));
      List<String> command = new ArrayList<>();
      command.add(ProcessHandle.current().info().command().orElse(
          Path.of(System.getProperty("java.home"), "bin", "java").toString()));
      command.addAll(JVM);
      command.addAll(List.of("-cp", System.getProperty("java.class.path"), "dev.opamp.gateway.Main",
          "--opamp-port", String.valueOf(opamp[i]), "--admin-port", String.valueOf(admin[i]),
          "--node-name", "failover" + i, "--data-dir", dir.resolve("data" + i).toString(),
          "--hazelcast-config", config.toString()));
      ProcessBuilder b = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
          .redirectOutput(dir.resolve("node" + i + ".log").toFile());
      b.environment().keySet().removeIf(name -> name.startsWith("OPAMP_GATEWAY_"));
      nodes.add(b.start());
    }
    awaitCluster(admin, 2, Duration.ofSeconds(45));

    String[] args = {
        "--scenario", "failover",
        "--target", "ws://127.0.0.1:" + opamp[0] + "/v1/opamp,ws://127.0.0.1:" + opamp[1] + "/v1/opamp",
        "--gateway-pids", nodes.get(0).pid() + "," + nodes.get(1).pid(),
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
    assertTrue(!nodes.get(1).isAlive() || nodes.get(1).waitFor(10, TimeUnit.SECONDS), "node 1 was killed");
    System.out.println("failover report: " + f.encode());
  }

  private void awaitCluster(int[] admin, int members, Duration timeout) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    String last = "";
    while (System.nanoTime() < deadline) {
      boolean all = true;
      for (int port : admin) {
        try {
          HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
              + "/api/v1/nodes")).timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
          last = r.statusCode() + " " + r.body();
          all &= r.statusCode() == 200 && new JsonObject(r.body()).getJsonArray("nodes").size() == members;
        } catch (IOException | RuntimeException e) {
          last = String.valueOf(e);
          all = false;
        }
      }
      if (all) {
        return;
      }
      for (Process p : nodes) {
        if (!p.isAlive()) {
          fail("a gateway node exited: " + p.exitValue() + "; logs in " + dir);
        }
      }
      Thread.sleep(250);
    }
    fail("the cluster of " + members + " did not form within " + timeout + ": " + last);
  }

  /** Distinct ports below 32000 that were free when probed (bounded attempts). */
  private static int[] freePorts(int n) throws IOException {
    Set<Integer> taken = new HashSet<>();
    int[] out = new int[n];
    int found = 0;
    for (int attempt = 0; attempt < 2000 && found < n; attempt++) {
      int port = ThreadLocalRandom.current().nextInt(20_000, 32_000);
      if (!taken.add(port)) {
        continue;
      }
      try (ServerSocket s = new ServerSocket()) {
        s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
        out[found++] = port;
      } catch (IOException busy) {
        // taken: another
      }
    }
    if (found < n) {
      throw new IOException("no " + n + " free ports below 32000");
    }
    return out;
  }

  private static String hazelcastYaml(String cluster, int[] members, int own) {
    StringBuilder list = new StringBuilder();
    for (int p : members) {
      list.append("          - 127.0.0.1:").append(p).append('\n');
    }
    return """
        hazelcast:
          cluster-name: %s
          network:
            port:
              port: %d
              auto-increment: false
              port-count: 1
            interfaces:
              enabled: true
              interfaces:
                - 127.0.0.1
            join:
              auto-detection:
                enabled: false
              multicast:
                enabled: false
              tcp-ip:
                enabled: true
                connection-timeout-seconds: 2
                member-list:
        %s
          jet:
            enabled: false
          properties:
            hazelcast.phone.home.enabled: false
            hazelcast.shutdownhook.enabled: false
            hazelcast.logging.type: jdk
            hazelcast.socket.bind.any: false
            hazelcast.heartbeat.interval.seconds: 1
            hazelcast.max.no.heartbeat.seconds: 5
            hazelcast.wait.seconds.before.join: 1
            hazelcast.max.wait.seconds.before.join: 5
          map:
            agents:
              backup-count: 1
              in-memory-format: BINARY
            config-blobs:
              backup-count: 1
              in-memory-format: BINARY
        """.formatted(cluster, own, list.toString().stripTrailing());
  }
}
