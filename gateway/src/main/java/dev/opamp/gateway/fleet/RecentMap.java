package dev.opamp.gateway.fleet;

import java.util.LinkedHashMap;
import java.util.Map;

/** A bounded, thread-safe map of recently used entries; the least recently used is forgotten first. */
final class RecentMap<K, V> {

  private final Map<K, V> entries;

  RecentMap(int capacity) {
    this.entries = new LinkedHashMap<>(16, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<K, V> eldest) {
        return size() > capacity;
      }
    };
  }

  synchronized V get(K key) {
    return entries.get(key);
  }

  synchronized void put(K key, V value) {
    entries.put(key, value);
  }
}
