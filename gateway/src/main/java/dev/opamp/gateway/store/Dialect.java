package dev.opamp.gateway.store;

import java.util.Optional;

/**
 * The SQL that differs between the two databases the desired state can live in. Everything
 * else {@link JdbcMapStore} sends is plain SQL both accept.
 */
public enum Dialect {
  /** An embedded H2 file (the single-node default) or an H2 server. */
  H2("jdbc:h2:", "org.h2.Driver", "BLOB") {
    @Override
    String upsert(String table) {
      return "MERGE INTO " + table + " (k, v, updated_at) KEY (k) VALUES (?, ?, ?)";
    }
  },
  /** A PostgreSQL database, shared by every node of a cluster. */
  POSTGRESQL("jdbc:postgresql:", "org.postgresql.Driver", "BYTEA") {
    @Override
    String upsert(String table) {
      return "INSERT INTO " + table + " (k, v, updated_at) VALUES (?, ?, ?)"
          + " ON CONFLICT (k) DO UPDATE SET v = EXCLUDED.v, updated_at = EXCLUDED.updated_at";
    }
  };

  private final String urlPrefix;
  private final String driverClass;
  private final String bytesType;

  Dialect(String urlPrefix, String driverClass, String bytesType) {
    this.urlPrefix = urlPrefix;
    this.driverClass = driverClass;
    this.bytesType = bytesType;
  }

  /** The dialect a JDBC URL speaks, if it is one of these. */
  public static Optional<Dialect> of(String jdbcUrl) {
    for (Dialect dialect : values()) {
      if (jdbcUrl != null && jdbcUrl.startsWith(dialect.urlPrefix)) {
        return Optional.of(dialect);
      }
    }
    return Optional.empty();
  }

  /** The driver class, named so the pool does not depend on driver discovery (shaded jars). */
  String driverClass() {
    return driverClass;
  }

  /** {@code CREATE TABLE IF NOT EXISTS} for one map's table. */
  String createTable(String table) {
    return "CREATE TABLE IF NOT EXISTS " + table + " (k VARCHAR(" + JdbcMapStore.MAX_KEY_LENGTH
        + ") PRIMARY KEY, v " + bytesType + " NOT NULL, updated_at BIGINT NOT NULL)";
  }

  /** Inserts a row or replaces the one with the same key; parameters k, v, updated_at. */
  abstract String upsert(String table);
}
