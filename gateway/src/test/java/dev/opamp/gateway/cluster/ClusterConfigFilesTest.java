package dev.opamp.gateway.cluster;

import dev.opamp.gateway.fleet.FleetStore;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hazelcast.config.Config;
import com.hazelcast.config.MapConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/** The member configs users copy from {@code cluster-config/} must stay loadable and consistent. */
class ClusterConfigFilesTest {

  // Maven runs tests with the module directory as the working directory.
  private static final Path CLUSTER_CONFIG = Path.of("..", "cluster-config");

  @TestFactory
  Stream<DynamicTest> everyMemberConfigLoads() throws IOException {
    List<Path> files;
    try (Stream<Path> listing = Files.list(CLUSTER_CONFIG)) {
      files = listing.filter(ClusterConfigFilesTest::isMemberConfig).sorted().toList();
    }
    assertTrue(files.size() >= 2, "expected the example configs in " + CLUSTER_CONFIG.toAbsolutePath());
    return files.stream().map(file -> DynamicTest.dynamicTest(file.getFileName().toString(), () -> {
      Config config = MemberConfig.fromFile(file);
      assertEquals("opamp-gateway", config.getClusterName(), "cluster name");
      assertStandardMaps(config);
    }));
  }

  @Test
  void standaloneFileIsTheBuiltInConfig() {
    Config file = MemberConfig.fromFile(CLUSTER_CONFIG.resolve("standalone.yaml"));
    Config builtIn = MemberConfig.builtIn();
    assertEquals(builtIn.getClusterName(), file.getClusterName());
    assertEquals(builtIn.getNetworkConfig().getPort(), file.getNetworkConfig().getPort());
    assertEquals(builtIn.getNetworkConfig().getPortCount(), file.getNetworkConfig().getPortCount());
    assertEquals(builtIn.getNetworkConfig().getInterfaces(), file.getNetworkConfig().getInterfaces());
    assertEquals(builtIn.getNetworkConfig().getJoin(), file.getNetworkConfig().getJoin());
    assertEquals(builtIn.getJetConfig().isEnabled(), file.getJetConfig().isEnabled());
    assertEquals(builtIn.getProperties(), file.getProperties());
    assertEquals(builtIn.getMapConfigs(), file.getMapConfigs());
  }

  @Test
  void tcpIpExampleListsThreeMembers() {
    Config config = MemberConfig.fromFile(CLUSTER_CONFIG.resolve("tcp-ip-members.yaml"));
    var join = config.getNetworkConfig().getJoin();
    assertTrue(join.getTcpIpConfig().isEnabled());
    assertFalse(join.getMulticastConfig().isEnabled());
    assertFalse(join.getAutoDetectionConfig().isEnabled());
    assertEquals(3, join.getTcpIpConfig().getMembers().size());
  }

  private static boolean isMemberConfig(Path file) {
    String name = file.getFileName().toString();
    return name.endsWith(".yaml") || name.endsWith(".yml") || name.endsWith(".xml");
  }

  private static void assertStandardMaps(Config config) {
    for (String name : List.of(FleetStore.AGENTS_MAP, FleetStore.CONFIG_BLOBS_MAP)) {
      MapConfig map = config.getMapConfigOrNull(name);
      assertTrue(map != null, "map " + name + " is configured");
      assertEquals(1, map.getBackupCount(), name + " backup-count");
    }
  }
}
