package dev.opamp.gateway.fleet;

import java.util.LinkedHashMap;
import java.util.Map;

/** A bounded, thread-safe set of recently seen keys; the oldest is forgotten first. */
final class RecentKeys {

  private final Map<String, Boolean> keys;

  RecentKeys(int capacity) {
    this.keys = new LinkedHashMap<>(16, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
        return size() > capacity;
      }
    };
  }

  synchronized boolean contains(String key) {
    return keys.get(key) != null;
  }

  synchronized void add(String key) {
    keys.put(key, Boolean.TRUE);
  }
}
