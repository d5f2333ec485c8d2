package dev.opamp.gateway.cluster;

import com.hazelcast.core.EntryEvent;
import com.hazelcast.map.listener.EntryAddedListener;
import com.hazelcast.map.listener.EntryRemovedListener;
import com.hazelcast.map.listener.EntryUpdatedListener;

/**
 * Runs one action whenever an entry of a map is added, updated or removed anywhere in the
 * cluster: how the desired-state catalogs (configs, packages, connection settings) follow their
 * maps. Hazelcast calls it on its event threads; the action must not block them for long.
 */
public final class MapChanges<K, V>
    implements EntryAddedListener<K, V>, EntryUpdatedListener<K, V>, EntryRemovedListener<K, V> {

  private final Runnable action;

  public MapChanges(Runnable action) {
    this.action = action;
  }

  @Override
  public void entryAdded(EntryEvent<K, V> event) {
    action.run();
  }

  @Override
  public void entryUpdated(EntryEvent<K, V> event) {
    action.run();
  }

  @Override
  public void entryRemoved(EntryEvent<K, V> event) {
    action.run();
  }
}
