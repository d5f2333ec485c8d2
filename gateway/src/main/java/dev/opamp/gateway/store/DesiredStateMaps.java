package dev.opamp.gateway.store;

import com.hazelcast.config.Config;
import com.hazelcast.config.InMemoryFormat;
import com.hazelcast.config.MapConfig;
import com.hazelcast.config.MapStoreConfig;
import com.hazelcast.map.MapStoreFactory;
import java.util.List;

/**
 * Makes every Hazelcast map named {@code desired-*} durable: written through to the
 * desired-state database before a write is acknowledged, and loaded back in full (eagerly)
 * when a cluster whose members all stopped starts again.
 *
 * <p>Applied to the member config whether it is the built-in one or the user's file:
 * <ul>
 *   <li>With no map config for {@code desired-*}, one is added: one synchronous backup,
 *       {@code BINARY}, write-through ({@code write-delay-seconds: 0}), {@code EAGER} initial load.
 *   <li>A map config of the user's for {@code desired-*} or a single {@code desired-...} map that
 *       declares no map-store keeps all its choices and gets the same map-store added.
 *   <li>A map config of the user's that declares an enabled map-store of its own is left as is:
 *       that store, not the gateway's database, then keeps those maps.
 * </ul>
 */
public final class DesiredStateMaps {

  /** Every map whose name starts with this is kept in the desired-state database. */
  public static final String PREFIX = "desired-";
  /** The Hazelcast map-config name pattern for them. */
  public static final String NAME_PATTERN = PREFIX + "*";

  private DesiredStateMaps() {
  }

  /** Adds the write-through map-store to the member config as described above. */
  public static void configure(Config config, MapStoreFactory<String, byte[]> factory) {
    List<MapConfig> declared = config.getMapConfigs().values().stream()
        .filter(map -> map.getName().startsWith(PREFIX))
        .toList();
    for (MapConfig map : declared) {
      if (!hasOwnStore(map)) {
        map.setMapStoreConfig(storeConfig(factory));
      }
    }
    if (declared.stream().noneMatch(map -> map.getName().equals(NAME_PATTERN))) {
      config.addMapConfig(new MapConfig(NAME_PATTERN)
          .setBackupCount(1)
          .setInMemoryFormat(InMemoryFormat.BINARY)
          .setMapStoreConfig(storeConfig(factory)));
    }
  }

  private static boolean hasOwnStore(MapConfig map) {
    MapStoreConfig store = map.getMapStoreConfig();
    return store != null && store.isEnabled();
  }

  private static MapStoreConfig storeConfig(MapStoreFactory<String, byte[]> factory) {
    return new MapStoreConfig()
        .setEnabled(true)
        .setFactoryImplementation(factory)
        .setWriteDelaySeconds(0)
        .setInitialLoadMode(MapStoreConfig.InitialLoadMode.EAGER);
  }
}
