package dev.opamp.gateway.cluster;

import dev.opamp.gateway.fleet.FleetStore;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hazelcast.config.Config;
import com.hazelcast.config.InMemoryFormat;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.MapConfig;
import com.hazelcast.config.MapStoreConfig;
import com.hazelcast.map.MapStoreFactory;
import dev.opamp.gateway.config.GatewaySettings;
import dev.opamp.gateway.config.SettingsException;
import dev.opamp.gateway.store.DesiredStateMaps;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MemberConfigTest {

  @TempDir
  Path dir;

  @Test
  void theBuiltInConfigIsALoopbackClusterOfOne() {
    Config config = MemberConfig.forNode(GatewaySettings.builder().nodeName("n1").build());
    assertEquals("opamp-gateway", config.getClusterName());
    assertEquals("opamp-gateway-n1", config.getInstanceName());
    assertEquals("n1", config.getMemberAttributeConfig().getAttributes().get(ClusterNode.NODE_ATTRIBUTE));
    assertEquals(5701, config.getNetworkConfig().getPort());
    assertTrue(config.getNetworkConfig().isPortAutoIncrement());
    assertEquals(List.of("127.0.0.1"), List.copyOf(config.getNetworkConfig().getInterfaces().getInterfaces()));
    JoinConfig join = config.getNetworkConfig().getJoin();
    assertFalse(join.getAutoDetectionConfig().isEnabled());
    assertFalse(join.getMulticastConfig().isEnabled());
    assertFalse(join.getTcpIpConfig().isEnabled());
    assertFalse(config.getJetConfig().isEnabled());
    assertEquals("false", config.getProperty("hazelcast.phone.home.enabled"));
    assertEquals("false", config.getProperty("hazelcast.shutdownhook.enabled"));
    for (String map : List.of(FleetStore.AGENTS_MAP, FleetStore.CONFIG_BLOBS_MAP)) {
      MapConfig mapConfig = config.getMapConfigOrNull(map);
      assertEquals(1, mapConfig.getBackupCount(), map);
      assertEquals(InMemoryFormat.BINARY, mapConfig.getInMemoryFormat(), map);
    }
    // After a split brain heals, an agent's most recent report wins.
    MapConfig agents = config.getMapConfig(FleetStore.AGENTS_MAP);
    assertEquals("com.hazelcast.spi.merge.LatestUpdateMergePolicy", agents.getMergePolicyConfig().getPolicy());
    assertTrue(agents.isPerEntryStatsEnabled(), "the merge policy needs per-entry update times");
  }

  @Test
  void aUsersFileKeepsItsChoicesButNotTheShutdownHook() throws Exception {
    Path file = Files.writeString(dir.resolve("member.xml"), """
        <hazelcast xmlns="http://www.hazelcast.com/schema/config">
          <cluster-name>mine</cluster-name>
          <properties>
            <property name="hazelcast.phone.home.enabled">true</property>
            <property name="hazelcast.shutdownhook.enabled">true</property>
          </properties>
        </hazelcast>
        """);
    Config config = MemberConfig.forNode(GatewaySettings.builder().nodeName("n2").hazelcastConfig(file).build());
    assertEquals("mine", config.getClusterName());
    assertEquals("opamp-gateway-n2", config.getInstanceName());
    assertEquals("true", config.getProperty("hazelcast.phone.home.enabled"));
    assertEquals("false", config.getProperty("hazelcast.shutdownhook.enabled"));
  }

  @Test
  void desiredMapsAreWrittenThroughWhicheverConfigIsUsed() throws Exception {
    MapStoreFactory<String, byte[]> factory = (name, properties) -> null;
    Path file = Files.writeString(dir.resolve("member.yaml"), """
        hazelcast:
          cluster-name: mine
          map:
            agents:
              backup-count: 2
        """);
    for (Path hazelcastConfig : new Path[] {null, file}) {
      Config config = MemberConfig.forNode(
          GatewaySettings.builder().nodeName("n3").hazelcastConfig(hazelcastConfig).build(), factory);
      MapConfig map = config.getMapConfigOrNull("desired-configs");
      assertEquals(DesiredStateMaps.NAME_PATTERN, map.getName(), String.valueOf(hazelcastConfig));
      assertEquals(1, map.getBackupCount());
      assertEquals(InMemoryFormat.BINARY, map.getInMemoryFormat());
      MapStoreConfig store = map.getMapStoreConfig();
      assertTrue(store.isEnabled());
      assertSame(factory, store.getFactoryImplementation());
      assertEquals(0, store.getWriteDelaySeconds());
      assertEquals(MapStoreConfig.InitialLoadMode.EAGER, store.getInitialLoadMode());
      assertFalse(config.getMapConfigOrNull(FleetStore.AGENTS_MAP).getMapStoreConfig().isEnabled());
    }
  }

  @Test
  void onlyXmlAndYamlFilesAreAccepted() throws Exception {
    Path json = Files.writeString(dir.resolve("member.json"), "{}");
    SettingsException e = assertThrows(SettingsException.class,
        () -> MemberConfig.fromFile(json));
    assertEquals("--hazelcast-config: " + json + " must be a .xml, .yaml or .yml file", e.getMessage());
  }
}
