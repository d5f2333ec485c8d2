package dev.opamp.gateway.store;

import com.hazelcast.map.MapStore;
import dev.opamp.gateway.config.SettingsException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;
import javax.sql.DataSource;

/**
 * Writes one Hazelcast map through to one table and loads it back: keys are strings, values
 * the protobuf bytes the map holds. The table is {@code opamp_} and the map name with every
 * character but letters, digits and {@code _} turned into {@code _} ({@code desired-configs}
 * becomes {@code opamp_desired_configs}); it has the columns {@code k VARCHAR(512) PRIMARY KEY},
 * {@code v} (BLOB in H2, BYTEA in PostgreSQL) and {@code updated_at BIGINT} (epoch
 * milliseconds of the last write), and is created the first time the store touches it.
 *
 * <p>Every failure is thrown as a {@link DesiredStateStoreException}: Hazelcast then fails the
 * map operation, so a write this store did not commit is never acknowledged. Multi-row writes
 * commit as one transaction.
 */
public final class JdbcMapStore implements MapStore<String, byte[]> {

  /** Longest key the table takes. */
  public static final int MAX_KEY_LENGTH = 512;
  /** Prefix of every table the gateway keeps maps in. */
  public static final String TABLE_PREFIX = "opamp_";

  // PostgreSQL's identifier limit; H2's is larger.
  private static final int MAX_TABLE_NAME = 63;
  private static final Pattern NOT_IDENTIFIER = Pattern.compile("[^a-z0-9_]");
  // Rows per JDBC batch and keys per IN list.
  static final int BATCH_ROWS = 500;
  // Bytes of values per JDBC batch, so that many large values are not sent as one.
  static final long BATCH_BYTES = 16L << 20;

  private final DataSource dataSource;
  private final Dialect dialect;
  private final String mapName;
  private final String table;
  private final String upsert;
  private volatile boolean tableReady;

  /**
   * @param dataSource connections to the database, usually {@link DesiredStateStore#dataSource()}
   * @param dialect the database's dialect
   * @param mapName the Hazelcast map this store backs
   * @throws IllegalArgumentException when the map name makes no valid table name
   */
  public JdbcMapStore(DataSource dataSource, Dialect dialect, String mapName) {
    this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
    this.dialect = Objects.requireNonNull(dialect, "dialect");
    this.mapName = Objects.requireNonNull(mapName, "mapName");
    this.table = tableName(mapName);
    this.upsert = dialect.upsert(table);
  }

  /** The table a map is kept in: {@code desired-configs} → {@code opamp_desired_configs}. */
  public static String tableName(String mapName) {
    String table = TABLE_PREFIX + NOT_IDENTIFIER.matcher(mapName.toLowerCase(Locale.ROOT)).replaceAll("_");
    if (mapName.isEmpty() || table.length() > MAX_TABLE_NAME) {
      throw new IllegalArgumentException("map name \"" + mapName + "\" makes no table name of at most "
          + MAX_TABLE_NAME + " characters");
    }
    return table;
  }

  /** The map this store backs. */
  public String mapName() {
    return mapName;
  }

  /** The table this store writes. */
  public String table() {
    return table;
  }

  @Override
  public void store(String key, byte[] value) {
    storeAll(Collections.singletonMap(key, value));
  }

  @Override
  public void storeAll(Map<String, byte[]> entries) {
    if (entries.isEmpty()) {
      return;
    }
    entries.keySet().forEach(this::checkKey);
    // Sorted, so that two writers touching the same rows lock them in the same order.
    Map<String, byte[]> sorted = new TreeMap<>(entries);
    long now = System.currentTimeMillis();
    inTransaction("store " + describe(entries.keySet()), connection -> {
      try (PreparedStatement statement = connection.prepareStatement(upsert)) {
        int rows = 0;
        long bytes = 0;
        for (Map.Entry<String, byte[]> entry : sorted.entrySet()) {
          byte[] value = Objects.requireNonNull(entry.getValue(), "value");
          statement.setString(1, entry.getKey());
          statement.setBytes(2, value);
          statement.setLong(3, now);
          statement.addBatch();
          rows++;
          bytes += value.length;
          if (rows >= BATCH_ROWS || bytes >= BATCH_BYTES) {
            statement.executeBatch();
            rows = 0;
            bytes = 0;
          }
        }
        if (rows > 0) {
          statement.executeBatch();
        }
      }
    });
  }

  @Override
  public void delete(String key) {
    deleteAll(List.of(key));
  }

  @Override
  public void deleteAll(Collection<String> keys) {
    if (keys.isEmpty()) {
      return;
    }
    TreeSet<String> sorted = new TreeSet<>(keys);
    inTransaction("delete " + describe(keys), connection -> {
      try (PreparedStatement statement = connection.prepareStatement("DELETE FROM " + table + " WHERE k = ?")) {
        int rows = 0;
        for (String key : sorted) {
          statement.setString(1, key);
          statement.addBatch();
          if (++rows >= BATCH_ROWS) {
            statement.executeBatch();
            rows = 0;
          }
        }
        if (rows > 0) {
          statement.executeBatch();
        }
      }
    });
  }

  @Override
  public byte[] load(String key) {
    return loadAll(List.of(key)).get(key);
  }

  @Override
  public Map<String, byte[]> loadAll(Collection<String> keys) {
    Map<String, byte[]> found = new HashMap<>();
    if (keys.isEmpty()) {
      return found;
    }
    List<String> all = new ArrayList<>(keys);
    withConnection("load " + describe(keys), connection -> {
      for (int from = 0; from < all.size(); from += BATCH_ROWS) {
        List<String> chunk = all.subList(from, Math.min(all.size(), from + BATCH_ROWS));
        String sql = "SELECT k, v FROM " + table + " WHERE k IN ("
            + String.join(", ", Collections.nCopies(chunk.size(), "?")) + ")";
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
          for (int i = 0; i < chunk.size(); i++) {
            statement.setString(i + 1, chunk.get(i));
          }
          try (ResultSet rows = statement.executeQuery()) {
            while (rows.next()) {
              found.put(rows.getString(1), rows.getBytes(2));
            }
          }
        }
      }
    });
    return found;
  }

  /** Every key in the table, read at once (desired state is configs and assignments, not telemetry). */
  @Override
  public Iterable<String> loadAllKeys() {
    List<String> keys = new ArrayList<>();
    withConnection("list the keys", connection -> {
      try (Statement statement = connection.createStatement();
          ResultSet rows = statement.executeQuery("SELECT k FROM " + table)) {
        while (rows.next()) {
          keys.add(rows.getString(1));
        }
      }
    });
    return keys;
  }

  @Override
  public String toString() {
    return "JdbcMapStore[" + mapName + " -> " + table + ", " + dialect + "]";
  }

  private interface Work {
    void run(Connection connection) throws SQLException;
  }

  private void inTransaction(String what, Work work) {
    withConnection(what, connection -> {
      boolean autoCommit = connection.getAutoCommit();
      connection.setAutoCommit(false);
      try {
        work.run(connection);
        connection.commit();
      } catch (SQLException | RuntimeException e) {
        rollbackQuietly(connection, e);
        throw e;
      } finally {
        connection.setAutoCommit(autoCommit);
      }
    });
  }

  private void withConnection(String what, Work work) {
    try (Connection connection = dataSource.getConnection()) {
      ensureTable(connection);
      work.run(connection);
    } catch (SQLException | RuntimeException e) {
      if (e instanceof DesiredStateStoreException failure) {
        throw failure;
      }
      throw new DesiredStateStoreException(mapName + ": cannot " + what + " in table " + table + " ("
          + SettingsException.reasonOf(e) + ")", e);
    }
  }

  private void ensureTable(Connection connection) throws SQLException {
    if (tableReady) {
      return;
    }
    try (Statement statement = connection.createStatement()) {
      statement.execute(dialect.createTable(table));
    } catch (SQLException e) {
      // Two nodes creating the table at once can collide inside PostgreSQL's catalog even with
      // IF NOT EXISTS; if the table is there now, the other one won.
      if (!tableExists(connection)) {
        throw e;
      }
    }
    tableReady = true;
  }

  private boolean tableExists(Connection connection) {
    try (Statement statement = connection.createStatement()) {
      if (!connection.getAutoCommit()) {
        connection.rollback(); // a failed statement leaves a PostgreSQL transaction unusable
      }
      statement.executeQuery("SELECT k FROM " + table + " WHERE 1 = 0").close();
      return true;
    } catch (SQLException e) {
      return false;
    }
  }

  private void checkKey(String key) {
    if (key == null || key.length() > MAX_KEY_LENGTH) {
      throw new DesiredStateStoreException(mapName + ": cannot store a key of "
          + (key == null ? "null" : key.length() + " characters") + " in table " + table
          + " (at most " + MAX_KEY_LENGTH + ")", null);
    }
  }

  private static void rollbackQuietly(Connection connection, Exception failure) {
    try {
      connection.rollback();
    } catch (SQLException e) {
      failure.addSuppressed(e);
    }
  }

  private static String describe(Collection<String> keys) {
    if (keys.size() == 1) {
      return "key \"" + keys.iterator().next() + "\"";
    }
    return keys.size() + " keys";
  }
}
