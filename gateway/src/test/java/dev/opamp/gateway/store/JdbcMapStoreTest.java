package dev.opamp.gateway.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.opamp.gateway.config.GatewaySettings;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link JdbcMapStore} against an H2 file in a temporary directory; {@link JdbcMapStorePostgresTest}
 * runs the same tests against PostgreSQL.
 */
class JdbcMapStoreTest {

  private static final AtomicInteger MAPS = new AtomicInteger();

  @TempDir
  Path dir;

  DesiredStateStore store;
  JdbcMapStore map;

  /** The store to test against: the default H2 file under a fresh data dir. */
  DesiredStateStore openStore() throws Exception {
    return DesiredStateStore.open(GatewaySettings.builder().dataDir(dir).build());
  }

  Dialect expectedDialect() {
    return Dialect.H2;
  }

  /** Leaves the database as it was found; the H2 file goes with the temporary directory. */
  void dropTable(String mapName) throws Exception {
  }

  @BeforeEach
  void open() throws Exception {
    store = openStore();
    // A map of its own per test (and per run): a shared PostgreSQL keeps tables between runs.
    map = store.mapStore("desired-test-" + Long.toHexString(System.nanoTime()) + "-" + MAPS.incrementAndGet());
  }

  @AfterEach
  void close() throws Exception {
    if (store == null) {
      return; // skipped before it opened
    }
    try {
      dropTable(map.mapName());
    } finally {
      store.close();
    }
  }

  @Test
  void knowsItsDialectAndNamesTablesAfterMaps() {
    assertEquals(expectedDialect(), store.dialect());
    assertEquals("opamp_desired_configs", JdbcMapStore.tableName("desired-configs"));
    assertEquals("opamp_desired_a_b_c", JdbcMapStore.tableName("Desired-A.b c"));
    assertTrue(map.table().startsWith("opamp_desired_test_"), map.table());
    assertThrows(IllegalArgumentException.class, () -> JdbcMapStore.tableName("desired-" + "x".repeat(60)));
  }

  @Test
  void twoMapsMayNotShareATable() {
    store.mapStore("desired-a.b");
    store.mapStore("desired-a.b"); // the same map again is fine
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> store.mapStore("desired-a_b"));
    assertTrue(e.getMessage().contains("opamp_desired_a_b"), e.getMessage());
  }

  @Test
  void anEmptyTableLoadsNothing() {
    assertEquals(List.of(), List.copyOf(toSet(map.loadAllKeys())));
    assertNull(map.load("missing"));
    assertEquals(Map.of(), map.loadAll(List.of("a", "b")));
  }

  @Test
  void storedValuesLoadBack() {
    map.store("config-1", bytes("first"));
    map.store("config-2", new byte[0]);
    assertArrayEquals(bytes("first"), map.load("config-1"));
    assertArrayEquals(new byte[0], map.load("config-2"));
    assertNull(map.load("config-3"));
    Map<String, byte[]> loaded = map.loadAll(List.of("config-1", "config-2", "config-3"));
    assertEquals(Set.of("config-1", "config-2"), loaded.keySet());
    assertArrayEquals(bytes("first"), loaded.get("config-1"));
  }

  @Test
  void storingAgainReplacesTheValue() throws Exception {
    map.store("k", bytes("old"));
    long firstWrite = updatedAt("k");
    Thread.sleep(5);
    map.store("k", bytes("new"));
    assertArrayEquals(bytes("new"), map.load("k"));
    map.storeAll(Map.of("k", bytes("newer"), "other", bytes("x")));
    assertArrayEquals(bytes("newer"), map.load("k"));
    assertEquals(Set.of("k", "other"), toSet(map.loadAllKeys()), "one row per key");
    assertTrue(updatedAt("k") > firstWrite, "updated_at follows the last write");
  }

  @Test
  void deletedKeysAreGone() {
    map.storeAll(Map.of("a", bytes("1"), "b", bytes("2"), "c", bytes("3"), "d", bytes("4")));
    map.delete("a");
    map.delete("never-stored");
    map.deleteAll(List.of("b", "c", "also-never-stored"));
    assertNull(map.load("a"));
    assertEquals(Set.of("d"), toSet(map.loadAllKeys()));
    map.deleteAll(List.of());
    assertEquals(Set.of("d"), toSet(map.loadAllKeys()));
  }

  @Test
  void keysWithAnyCharactersRoundTrip() {
    String odd = "tenant/ünïcode 'quoted' \"double\" ; DROP TABLE x; -- %_*";
    String longest = "k".repeat(JdbcMapStore.MAX_KEY_LENGTH);
    map.storeAll(Map.of(odd, bytes("odd"), longest, bytes("long")));
    assertArrayEquals(bytes("odd"), map.load(odd));
    assertArrayEquals(bytes("long"), map.load(longest));
    assertEquals(Set.of(odd, longest), toSet(map.loadAllKeys()));
    DesiredStateStoreException e = assertThrows(DesiredStateStoreException.class,
        () -> map.store(longest + "k", bytes("too long")));
    assertTrue(e.getMessage().contains("at most 512"), e.getMessage());
  }

  @Test
  void largeValuesRoundTrip() {
    Random random = new Random(42);
    byte[] mebibyte = new byte[1 << 20];
    random.nextBytes(mebibyte);
    map.store("one-mebibyte", mebibyte);
    assertArrayEquals(mebibyte, map.load("one-mebibyte"));

    // More than one batch's worth of bytes in one storeAll.
    Map<String, byte[]> large = new LinkedHashMap<>();
    for (int i = 0; i < 20; i++) {
      byte[] value = new byte[(1 << 20) + i];
      random.nextBytes(value);
      large.put("large-" + i, value);
    }
    map.storeAll(large);
    Map<String, byte[]> loaded = map.loadAll(large.keySet());
    assertEquals(large.keySet(), loaded.keySet());
    large.forEach((key, value) -> assertArrayEquals(value, loaded.get(key), key));
  }

  @Test
  void manyKeysInOneStoreAll() {
    int count = 5 * JdbcMapStore.BATCH_ROWS + 7;
    Map<String, byte[]> entries = new LinkedHashMap<>();
    for (int i = 0; i < count; i++) {
      entries.put("assignment-" + i, bytes("value-" + i));
    }
    map.storeAll(entries);
    Set<String> keys = toSet(map.loadAllKeys());
    assertEquals(entries.keySet(), keys);
    Map<String, byte[]> loaded = map.loadAll(keys);
    assertEquals(count, loaded.size());
    entries.forEach((key, value) -> assertArrayEquals(value, loaded.get(key), key));
    map.deleteAll(List.copyOf(entries.keySet()).subList(0, count - 1));
    assertEquals(Set.of("assignment-" + (count - 1)), toSet(map.loadAllKeys()));
  }

  @Test
  void twoStoresOnOneDatabaseSeeTheSameRows() {
    JdbcMapStore other = new JdbcMapStore(store.dataSource(), store.dialect(), map.mapName());
    map.store("shared", bytes("from the first"));
    assertArrayEquals(bytes("from the first"), other.load("shared"));
    other.store("shared", bytes("from the second"));
    assertArrayEquals(bytes("from the second"), map.load("shared"));
  }

  @Test
  void failuresAreThrownNamingTheMapAndTable() {
    map.store("before", bytes("kept"));
    store.close();
    DesiredStateStoreException e = assertThrows(DesiredStateStoreException.class,
        () -> map.store("after", bytes("not stored")));
    assertTrue(e.getMessage().startsWith(map.mapName() + ": cannot store key \"after\" in table " + map.table()),
        e.getMessage());
    assertThrows(DesiredStateStoreException.class, () -> map.load("before"));
    assertThrows(DesiredStateStoreException.class, map::loadAllKeys);
    assertThrows(DesiredStateStoreException.class, () -> map.delete("before"));
  }

  private long updatedAt(String key) throws Exception {
    try (Connection connection = store.dataSource().getConnection();
        PreparedStatement statement = connection.prepareStatement(
            "SELECT updated_at FROM " + map.table() + " WHERE k = ?")) {
      statement.setString(1, key);
      try (ResultSet rows = statement.executeQuery()) {
        assertTrue(rows.next(), key);
        return rows.getLong(1);
      }
    }
  }

  static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  static Set<String> toSet(Iterable<String> keys) {
    Set<String> set = new HashSet<>();
    keys.forEach(set::add);
    return set;
  }
}
