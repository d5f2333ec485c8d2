package dev.opamp.gateway.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hazelcast.map.IMap;
import dev.opamp.gateway.GatewayNode;
import dev.opamp.gateway.config.GatewaySettings;
import dev.opamp.gateway.config.SettingsException;
import dev.opamp.gateway.testing.GatewayProcess;
import dev.opamp.gateway.testing.TestCluster;
import dev.opamp.gateway.testing.TestGateway;
import java.nio.charset.StandardCharsets;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code desired-*} maps outlive their nodes: what a node put is there, read eagerly from
 * the database, when a fresh node starts on the same store after every node stopped.
 */
class DesiredStateRestartTest {

  @TempDir
  Path dir;

  @Test
  void desiredMapsSurviveARestartOnTheSameDataDir() throws Exception {
    GatewaySettings.Builder settings = TestGateway.testSettings().dataDir(dir.resolve("data"));
    survivesARestart(settings, "desired-test");
    assertTrue(Files.exists(dir.resolve("data/desired-state.mv.db")), "kept in the H2 file under the data dir");
  }

  @Test
  void desiredMapsSurviveARestartOnPostgres() throws Exception {
    GatewaySettings.Builder settings = TestPostgres.use(TestGateway.testSettings());
    String mapName = "desired-test-" + Long.toHexString(System.nanoTime());
    try {
      survivesARestart(settings, mapName);
    } finally {
      try (DesiredStateStore store = DesiredStateStore.open(settings.build())) {
        TestPostgres.dropTable(store, mapName);
      }
    }
  }

  @Test
  void aClusterOnPostgresKeepsDesiredStateThroughNodeLossAndAFullRestart() throws Exception {
    TestPostgres.require();
    String mapName = "desired-test-" + Long.toHexString(System.nanoTime());
    Map<String, byte[]> expected = new LinkedHashMap<>();
    try {
      try (TestCluster cluster = TestCluster.start(3, TestPostgres::use)) {
        IMap<String, byte[]> map = cluster.node(0).node().cluster().hazelcast().getMap(mapName);
        for (int i = 0; i < 200; i++) {
          expected.put("config-" + i, bytes("body " + i));
        }
        map.putAll(expected);
        cluster.stop(1);
        cluster.awaitMembers(2, TestCluster.START_TIMEOUT);
        IMap<String, byte[]> survivor = cluster.node(2).node().cluster().hazelcast().getMap(mapName);
        assertEquals(expected.size(), survivor.size(), "nothing lost with a node");
        survivor.put("config-0", bytes("changed after the loss"));
        expected.put("config-0", bytes("changed after the loss"));
        survivor.remove("config-1");
        expected.remove("config-1");
      }
      // A new cluster of fresh members, on the same database.
      try (TestCluster cluster = TestCluster.start(2, TestPostgres::use)) {
        IMap<String, byte[]> map = cluster.node(1).node().cluster().hazelcast().getMap(mapName);
        assertEquals(expected.size(), map.size());
        Map<String, byte[]> loaded = map.getAll(expected.keySet());
        expected.forEach((key, value) -> assertArrayEquals(value, loaded.get(key), key));
      }
    } finally {
      try (DesiredStateStore store = DesiredStateStore.open(TestPostgres.use(GatewaySettings.builder()).build())) {
        TestPostgres.dropTable(store, mapName);
      }
    }
  }

  @Test
  void configsVersionsAndRolloutsSurviveAFullRestartOnH2() throws Exception {
    configsSurviveARestart(TestGateway.testSettings().dataDir(dir.resolve("data")));
  }

  @Test
  void configsVersionsAndRolloutsSurviveAFullRestartOnPostgres() throws Exception {
    configsSurviveARestart(TestPostgres.use(TestGateway.testSettings()));
  }

  /** Through the REST API: configs, versions, an override and a rollout's history outlive every node. */
  private static void configsSurviveARestart(GatewaySettings.Builder settings) throws Exception {
    String name = "kept-" + Long.toHexString(System.nanoTime());
    String rollout;
    try (TestGateway first = TestGateway.start(settings.build())) {
      for (String body : List.of("v: 1\n", "v: 2\n")) {
        var saved = first.adminPut("/api/v1/configs/" + name, new JsonObject()
            .put("selector", "service.name=" + name).put("files", new JsonObject().put("collector.yaml", body))
            .put("message", "version " + body.strip()).put("deploy", body.contains("1")));
        assertEquals(201, saved.statusCode(), saved.bodyAsString());
      }
      var started = first.adminPost("/api/v1/rollouts", new JsonObject().put("config", name).put("version", 2)
          .put("strategy", new JsonObject().put("waitSeconds", 0).put("healthySeconds", 0)));
      assertEquals(201, started.statusCode(), started.bodyAsString());
      rollout = started.bodyAsJsonObject().getString("id");
      // No agent runs it: the rollout has nothing to wait for and completes.
      long deadline = System.nanoTime() + 20_000_000_000L;
      while (!"completed".equals(first.adminJson("/api/v1/rollouts/" + rollout).getString("state"))) {
        assertTrue(System.nanoTime() < deadline, "the empty rollout completes");
        Thread.sleep(100);
      }
    }
    try (TestGateway second = TestGateway.start(settings.nodeName("restarted-" + Long.toHexString(System.nanoTime()))
        .build())) {
      JsonObject config = second.adminJson("/api/v1/configs/" + name);
      assertEquals(2, config.getInteger("version"));
      assertEquals(2, config.getInteger("activeVersion"), "the completed rollout's activation is kept");
      assertEquals(List.of(1, 2), config.getJsonArray("versions").getList());
      assertEquals("version v: 1", second.adminJson("/api/v1/configs/" + name + "/versions/1").getString("message"));
      JsonObject history = second.adminJson("/api/v1/rollouts/" + rollout);
      assertEquals("completed", history.getString("state"));
      assertEquals(name, history.getString("config"));
    }
  }

  private static void survivesARestart(GatewaySettings.Builder settings, String mapName) throws Exception {
    byte[] mebibyte = new byte[1 << 20];
    new Random(7).nextBytes(mebibyte);
    Map<String, byte[]> many = new LinkedHashMap<>();
    for (int i = 0; i < 300; i++) {
      many.put("assignment-" + i, bytes("agent-group-" + i));
    }
    try (TestGateway first = TestGateway.start(settings.build())) {
      IMap<String, byte[]> map = first.node().cluster().hazelcast().getMap(mapName);
      assertEquals(0, map.size(), "a fresh store starts empty");
      map.put("config-1", bytes("version 1"));
      map.set("config-1", bytes("version 2"));
      map.put("large", mebibyte);
      map.putAll(many);
      map.put("removed", bytes("soon gone"));
      map.remove("removed");
      map.put("deleted", bytes("soon gone"));
      map.delete("deleted");
    }

    // Every node of the "cluster" (here: the only one) is gone; nothing is left in memory.
    try (TestGateway second = TestGateway.start(settings.nodeName("restarted").build())) {
      IMap<String, byte[]> map = second.node().cluster().hazelcast().getMap(mapName);
      assertEquals(many.size() + 2, map.size(), "every entry is loaded at once (EAGER)");
      assertArrayEquals(bytes("version 2"), map.get("config-1"));
      assertArrayEquals(mebibyte, map.get("large"));
      many.forEach((key, value) -> assertArrayEquals(value, map.get(key), key));
      assertNull(map.get("removed"));
      assertNull(map.get("deleted"));
    }
  }

  @Test
  void aBadStoreUrlFailsTheStartNamingTheSetting() throws Exception {
    GatewaySettings settings = TestGateway.testSettings()
        .storeUrl("jdbc:postgresql://127.0.0.1:1/opamp").storeUser("opamp").storePassword("hunter2").build();
    ExecutionException e = assertThrows(ExecutionException.class,
        () -> GatewayNode.start(settings).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS));
    String message = assertInstanceOf(SettingsException.class, e.getCause()).getMessage();
    assertTrue(message.startsWith("--store-url: cannot connect to jdbc:postgresql://127.0.0.1:1/opamp ("), message);
    assertFalse(message.contains("\n") || message.contains("hunter2"), message);
  }

  @Test
  void theGatewayProcessExitsWithOneLineNamingTheStoreUrl() throws Exception {
    Path password = Files.writeString(dir.resolve("store.password"), "hunter2\n");
    try (GatewayProcess process = GatewayProcess.launch(dir, "bad-store", null, 0, 0,
        "--store-url", "jdbc:postgresql://127.0.0.1:1/opamp", "--store-user", "opamp",
        "--store-password-file", password.toString())) {
      assertTrue(process.process().waitFor(60, TimeUnit.SECONDS), "the process exits");
      assertEquals(2, process.process().exitValue(), process.log());
      String log = process.log();
      List<String> lines = log.lines().filter(line -> line.contains("--store-url")).toList();
      assertEquals(1, lines.size(), log);
      assertTrue(lines.get(0).startsWith("opamp-gateway: --store-url: cannot connect to "
          + "jdbc:postgresql://127.0.0.1:1/opamp (Connection to 127.0.0.1:1 refused"), log);
      assertFalse(log.contains("hunter2"), log);
      assertFalse(log.contains("\tat "), "no stack trace: " + log);
    }
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }
}
