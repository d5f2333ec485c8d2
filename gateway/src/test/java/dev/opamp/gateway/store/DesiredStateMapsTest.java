package dev.opamp.gateway.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hazelcast.config.Config;
import com.hazelcast.config.InMemoryFormat;
import com.hazelcast.config.MapConfig;
import com.hazelcast.config.MapStoreConfig;
import com.hazelcast.map.MapStoreFactory;
import org.junit.jupiter.api.Test;

class DesiredStateMapsTest {

  private static final MapStoreFactory<String, byte[]> FACTORY = (name, properties) -> null;

  @Test
  void desiredMapsAreWrittenThroughAndLoadedEagerly() {
    Config config = new Config();
    DesiredStateMaps.configure(config, FACTORY);
    for (String name : new String[] {"desired-configs", "desired-assignments", "desired-rollouts"}) {
      MapConfig map = config.findMapConfig(name);
      assertEquals("desired-*", map.getName(), name);
      assertEquals(1, map.getBackupCount());
      assertEquals(InMemoryFormat.BINARY, map.getInMemoryFormat());
      assertWrittenThrough(map.getMapStoreConfig());
    }
    assertFalse(config.findMapConfig("agents").getMapStoreConfig().isEnabled(), "other maps are untouched");
  }

  @Test
  void aUsersDesiredMapKeepsItsChoicesAndGetsTheStore() {
    Config config = new Config();
    config.addMapConfig(new MapConfig("desired-configs").setBackupCount(2).setInMemoryFormat(InMemoryFormat.OBJECT));
    DesiredStateMaps.configure(config, FACTORY);
    MapConfig map = config.findMapConfig("desired-configs");
    assertEquals(2, map.getBackupCount());
    assertEquals(InMemoryFormat.OBJECT, map.getInMemoryFormat());
    assertWrittenThrough(map.getMapStoreConfig());
    assertEquals("desired-*", config.findMapConfig("desired-rollouts").getName(), "the pattern is still added");
  }

  @Test
  void aUsersOwnMapStoreIsLeftAsIs() {
    Config config = new Config();
    MapStoreConfig theirs = new MapStoreConfig().setEnabled(true).setClassName("com.example.TheirStore")
        .setWriteDelaySeconds(5);
    config.addMapConfig(new MapConfig("desired-*").setBackupCount(2).setMapStoreConfig(theirs));
    DesiredStateMaps.configure(config, FACTORY);
    MapConfig map = config.getMapConfigOrNull("desired-configs");
    assertEquals("desired-*", map.getName());
    assertEquals(2, map.getBackupCount());
    assertSame(theirs, map.getMapStoreConfig());
    assertEquals("com.example.TheirStore", map.getMapStoreConfig().getClassName());
    assertNull(map.getMapStoreConfig().getFactoryImplementation());
    assertEquals(5, map.getMapStoreConfig().getWriteDelaySeconds());
  }

  private static void assertWrittenThrough(MapStoreConfig store) {
    assertTrue(store.isEnabled());
    assertSame(FACTORY, store.getFactoryImplementation());
    assertEquals(0, store.getWriteDelaySeconds());
    assertEquals(MapStoreConfig.InitialLoadMode.EAGER, store.getInitialLoadMode());
  }
}
