package dev.opamp.gateway.cluster;

import dev.opamp.gateway.fleet.FleetStore;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hazelcast.map.IMap;
import com.zaxxer.hikari.HikariDataSource;
import dev.opamp.gateway.config.GatewaySettings;
import dev.opamp.gateway.config.SettingsException;
import dev.opamp.gateway.store.Dialect;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClusterNodeTest {

  @TempDir
  Path dir;

  private Vertx vertx;

  @BeforeEach
  void startVertx() {
    vertx = Vertx.vertx();
  }

  @AfterEach
  void closeVertx() throws Exception {
    await(vertx.close());
  }

  @Test
  void startsAStandaloneMemberThatHoldsData() throws Exception {
    Path dataDir = dir.resolve("data");
    GatewaySettings settings = GatewaySettings.defaults().with(b -> b.dataDir(dataDir));
    ClusterNode node = await(ClusterNode.start(vertx, settings));
    try {
      assertTrue(node.isRunning());
      assertTrue(Files.isDirectory(dataDir), "the data directory is created");
      assertEquals(settings.nodeName(), node.nodeName());
      assertEquals("opamp-gateway-" + settings.nodeName(), node.hazelcast().getName());
      assertEquals("opamp-gateway", node.hazelcast().getConfig().getClusterName());
      assertEquals(settings.nodeName(),
          node.hazelcast().getCluster().getLocalMember().getAttribute(ClusterNode.NODE_ATTRIBUTE));
      assertEquals(1, node.hazelcast().getCluster().getMembers().size());

      IMap<String, String> agents = node.hazelcast().getMap(FleetStore.AGENTS_MAP);
      agents.put("0123456789abcdef0123456789abcdef", "record");
      assertEquals("record", agents.get("0123456789abcdef0123456789abcdef"));
      assertEquals(Dialect.H2, node.desiredState().dialect());
    } finally {
      await(node.stop(vertx));
    }
    assertFalse(node.isRunning());
    assertTrue(node.desiredState().dataSource().unwrap(HikariDataSource.class).isClosed(),
        "the desired-state store is closed after the member");
  }

  @Test
  void aMissingHazelcastConfigFailsNamingTheSetting() {
    Path missing = dir.resolve("nowhere.yaml");
    GatewaySettings settings = GatewaySettings.defaults()
        .with(b -> b.dataDir(dir.resolve("data")).hazelcastConfig(missing));
    SettingsException e = startFailure(settings);
    assertEquals("--hazelcast-config: cannot read " + missing + " (no such file)", e.getMessage());
  }

  @Test
  void anInvalidHazelcastConfigFailsNamingTheSetting() throws Exception {
    Path invalid = Files.writeString(dir.resolve("invalid.yaml"), "hazelcast:\n  no-such-section: 1\n");
    GatewaySettings settings = GatewaySettings.defaults()
        .with(b -> b.dataDir(dir.resolve("data")).hazelcastConfig(invalid));
    String message = startFailure(settings).getMessage();
    assertTrue(message.startsWith("--hazelcast-config: " + invalid + " is not a valid Hazelcast member config ("),
        message);
    assertTrue(message.contains("[no-such-section] is not permitted at #/hazelcast"), message);
    assertFalse(message.contains("\n"), message);
  }

  @Test
  void aDataDirThatIsAFileFailsNamingTheSetting() throws Exception {
    Path file = Files.writeString(dir.resolve("file"), "");
    SettingsException e = startFailure(GatewaySettings.defaults().with(b -> b.dataDir(file)));
    assertEquals("--data-dir: " + file + " exists and is not a directory", e.getMessage());
  }

  private SettingsException startFailure(GatewaySettings settings) {
    ExecutionException e = assertThrows(ExecutionException.class, () -> await(ClusterNode.start(vertx, settings)));
    return assertInstanceOf(SettingsException.class, e.getCause());
  }

  private static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }
}
