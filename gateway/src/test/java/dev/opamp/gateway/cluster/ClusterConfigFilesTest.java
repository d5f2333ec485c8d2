package dev.opamp.gateway.cluster;

import dev.opamp.gateway.fleet.FleetStore;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hazelcast.config.Config;
import com.hazelcast.config.InMemoryFormat;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.KubernetesConfig;
import com.hazelcast.config.MapConfig;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import dev.opamp.gateway.config.GatewaySettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/** The member configs users copy from {@code cluster-config/} must stay loadable and consistent. */
class ClusterConfigFilesTest {

  // Maven runs tests with the module directory as the working directory.
  private static final Path CLUSTER_CONFIG = Path.of("..", "cluster-config");

  /** The agents map's split-brain merge policy: after a heal, the latest report of an agent wins. */
  private static final String AGENTS_MERGE_POLICY = "com.hazelcast.spi.merge.LatestUpdateMergePolicy";

  @TestFactory
  Stream<DynamicTest> everyMemberConfigLoads() throws IOException {
    List<Path> files = memberConfigs();
    return files.stream().map(file -> DynamicTest.dynamicTest(file.getFileName().toString(), () -> {
      Config config = MemberConfig.fromFile(file);
      assertEquals("opamp-gateway", config.getClusterName(), "cluster name");
      assertStandardMaps(config);
      assertFalse(config.getJetConfig().isEnabled(), "jet");
      assertEquals("false", config.getProperty("hazelcast.phone.home.enabled"), "phone home");
      assertEquals("false", config.getProperty("hazelcast.shutdownhook.enabled"), "shutdown hook");
      assertExactlyOneJoin(config.getNetworkConfig().getJoin(), file);
    }));
  }

  /**
   * Some mistakes only show when a member starts (a merge policy whose map lacks what the
   * policy needs, for one): start a member from each file, as the gateway would, with its
   * discovery switched off so that it joins nothing, and write a record.
   */
  @TestFactory
  Stream<DynamicTest> everyMemberConfigStartsAMember() throws IOException {
    return memberConfigs().stream().map(file -> DynamicTest.dynamicTest(file.getFileName().toString(), () -> {
      GatewaySettings settings = GatewaySettings.builder().nodeName("files-test").hazelcastConfig(file).build();
      Config config = MemberConfig.forNode(settings);
      config.setClusterName("cluster-config-test-" + UUID.randomUUID());
      JoinConfig join = config.getNetworkConfig().getJoin();
      join.getAutoDetectionConfig().setEnabled(false);
      join.getMulticastConfig().setEnabled(false);
      join.getTcpIpConfig().setEnabled(false);
      join.getKubernetesConfig().setEnabled(false);
      config.getNetworkConfig().setPortAutoIncrement(true).setPortCount(100);
      config.getNetworkConfig().getInterfaces().setEnabled(true).setInterfaces(List.of("127.0.0.1"));
      config.setProperty("hazelcast.socket.bind.any", "false");
      HazelcastInstance member = Hazelcast.newHazelcastInstance(config);
      try {
        IMap<String, String> agents = member.getMap(FleetStore.AGENTS_MAP);
        agents.put("0123456789abcdef0123456789abcdef", "record");
        assertEquals("record", agents.get("0123456789abcdef0123456789abcdef"));
        member.getMap(FleetStore.CONFIG_BLOBS_MAP).put("sha256", "body");
      } finally {
        member.shutdown();
      }
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

  @Test
  void kubernetesExampleDiscoversThroughTheHeadlessService() {
    Config config = MemberConfig.fromFile(CLUSTER_CONFIG.resolve("kubernetes-members.yaml"));
    JoinConfig join = config.getNetworkConfig().getJoin();
    KubernetesConfig kubernetes = join.getKubernetesConfig();
    assertTrue(kubernetes.isEnabled(), "kubernetes discovery");
    assertEquals("opamp-gateway-hazelcast", kubernetes.getProperty("service-name"));
    // The namespace comes from the pod (KUBERNETES_NAMESPACE or the service account), not the file.
    assertNull(kubernetes.getProperty("namespace"));
    assertFalse(join.getTcpIpConfig().isEnabled());
    assertFalse(join.getMulticastConfig().isEnabled());
    assertFalse(join.getAutoDetectionConfig().isEnabled());
    assertEquals(5701, config.getNetworkConfig().getPort());
    assertFalse(config.getNetworkConfig().isPortAutoIncrement(), "one member per pod, always on 5701");
  }

  @Test
  void multiMemberExamplesGuardDesiredStateByMajority() {
    for (String file : List.of("tcp-ip-members.yaml", "kubernetes-members.yaml")) {
      Config config = MemberConfig.fromFile(CLUSTER_CONFIG.resolve(file));
      String rule = config.getMapConfig("desired-configs").getSplitBrainProtectionName();
      assertEquals("desired-state-majority", rule, file);
      var protection = config.getSplitBrainProtectionConfig(rule);
      assertTrue(protection.isEnabled(), file);
      assertEquals(2, protection.getMinimumClusterSize(), file + ": a majority of three");
      assertNull(config.getMapConfig("agents").getSplitBrainProtectionName(),
          file + ": agents keep reporting on both sides of a split");
    }
  }

  private static List<Path> memberConfigs() throws IOException {
    List<Path> files;
    try (Stream<Path> listing = Files.list(CLUSTER_CONFIG)) {
      files = listing.filter(ClusterConfigFilesTest::isMemberConfig).sorted().toList();
    }
    assertTrue(files.size() >= 3, "expected the example configs in " + CLUSTER_CONFIG.toAbsolutePath());
    return files;
  }

  /** Exactly one way of finding peers is on (or none, for the standalone member). */
  private static void assertExactlyOneJoin(JoinConfig join, Path file) {
    assertFalse(join.getAutoDetectionConfig().isEnabled(), "auto-detection must be off explicitly");
    assertFalse(join.getMulticastConfig().isEnabled(), "multicast");
    long enabled = Stream.of(join.getTcpIpConfig().isEnabled(), join.getKubernetesConfig().isEnabled(),
        join.getAwsConfig().isEnabled(), join.getGcpConfig().isEnabled(), join.getAzureConfig().isEnabled(),
        join.getEurekaConfig().isEnabled(), join.getDiscoveryConfig().isEnabled())
        .filter(Boolean::booleanValue).count();
    boolean standalone = file.getFileName().toString().equals("standalone.yaml");
    assertEquals(standalone ? 0 : 1, enabled, "ways of finding peers");
  }

  private static boolean isMemberConfig(Path file) {
    String name = file.getFileName().toString();
    return Files.isRegularFile(file) && (name.endsWith(".yaml") || name.endsWith(".yml") || name.endsWith(".xml"));
  }

  private static void assertStandardMaps(Config config) {
    for (String name : List.of(FleetStore.AGENTS_MAP, FleetStore.CONFIG_BLOBS_MAP)) {
      MapConfig map = config.getMapConfigOrNull(name);
      assertTrue(map != null, "map " + name + " is configured");
      assertEquals(1, map.getBackupCount(), name + " backup-count");
      assertEquals(0, map.getAsyncBackupCount(), name + " async-backup-count");
      assertEquals(InMemoryFormat.BINARY, map.getInMemoryFormat(), name + " in-memory-format");
    }
    MapConfig agents = config.getMapConfig(FleetStore.AGENTS_MAP);
    assertEquals(AGENTS_MERGE_POLICY, agents.getMergePolicyConfig().getPolicy(), "agents merge-policy");
    // LatestUpdateMergePolicy compares update times, which Hazelcast keeps only with per-entry stats.
    assertTrue(agents.isPerEntryStatsEnabled(), "agents per-entry-stats-enabled");
  }
}
