package dev.opamp.gateway.store;

import com.hazelcast.map.MapLoader;
import com.hazelcast.map.MapStoreFactory;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.opamp.gateway.config.GatewaySettings;
import dev.opamp.gateway.config.Secrets;
import dev.opamp.gateway.config.SettingsException;
import java.sql.Connection;
import java.sql.Driver;
import java.sql.SQLException;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Level;
import java.util.logging.LogManager;
import java.util.logging.Logger;
import javax.sql.DataSource;

/**
 * The database the desired state (config versions, assignments, rollouts) is written through
 * to: a small connection pool on {@code --store-url}, by default the embedded H2 file
 * {@code <data-dir>/desired-state}, for a cluster one PostgreSQL database shared by every node.
 * Opening it connects once, so a wrong URL, user or password stops the start at once.
 *
 * <p>Each Hazelcast map named {@code desired-*} gets a {@link JdbcMapStore} on this pool
 * through {@link #mapStoreFactory()} (see {@link DesiredStateMaps}). The node opens the store
 * before its Hazelcast member starts and closes it after the member has shut down.
 */
public final class DesiredStateStore implements AutoCloseable {

  /** The setting every start failure names. */
  public static final String LABEL = "--store-url";
  /** Most connections one node holds. */
  public static final int MAX_POOL_SIZE = 8;

  private static final Logger LOG = Logger.getLogger(DesiredStateStore.class.getName());
  // java.util.logging holds loggers weakly; this reference keeps the level set below alive.
  private static final Logger HIKARI = Logger.getLogger("com.zaxxer.hikari");

  private final String url;
  private final Dialect dialect;
  private final HikariDataSource dataSource;
  private final Map<String, String> mapsByTable = new ConcurrentHashMap<>();

  private DesiredStateStore(String url, Dialect dialect, HikariDataSource dataSource) {
    this.url = url;
    this.dialect = dialect;
    this.dataSource = dataSource;
  }

  /**
   * Opens the pool on {@link GatewaySettings#effectiveStoreUrl()} and checks that it connects.
   *
   * @throws SettingsException one line naming {@code --store-url}, e.g.
   *     {@code --store-url: cannot connect to jdbc:postgresql://db:5432/opamp (Connection refused)};
   *     it never holds the password
   */
  public static DesiredStateStore open(GatewaySettings settings) {
    String url = settings.effectiveStoreUrl();
    Dialect dialect = Dialect.of(url).orElseThrow(() -> new SettingsException(LABEL + ": \""
        + Secrets.redactUrl(url) + "\" is neither an H2 nor a PostgreSQL JDBC URL"));
    Properties connection = connectionProperties(settings, dialect);
    // One plain connection first: a failure then gives the driver's own reason, and the pool
    // does not log a stack trace for what is just a wrong setting.
    try {
      checkConnection(connectionUrl(url, dialect), dialect, connection);
    } catch (SQLException | RuntimeException e) {
      throw cannotConnect(url, settings, e);
    }
    quietPoolLogsUnlessConfigured();
    HikariDataSource dataSource;
    try {
      dataSource = new HikariDataSource(poolConfig(url, dialect, connection));
    } catch (RuntimeException e) {
      throw cannotConnect(url, settings, e);
    }
    LOG.info(() -> "desired state is kept in " + Secrets.redactUrl(url));
    return new DesiredStateStore(url, dialect, dataSource);
  }

  private static SettingsException cannotConnect(String url, GatewaySettings settings, Exception e) {
    return new SettingsException(LABEL + ": cannot connect to " + Secrets.redactUrl(url) + " ("
        + reasonOf(e, settings.storePassword()) + ")", e);
  }

  /** The driver's connection properties: user, password and, for PostgreSQL, timeouts. */
  private static Properties connectionProperties(GatewaySettings settings, Dialect dialect) {
    Properties properties = new Properties();
    if (settings.storeUser() != null) {
      properties.setProperty("user", settings.storeUser());
    }
    if (settings.storePassword() != null) {
      properties.setProperty("password", settings.storePassword());
    }
    if (dialect == Dialect.POSTGRESQL) {
      // Defaults only: parameters in the URL win over these.
      properties.setProperty("connectTimeout", "10");
      properties.setProperty("loginTimeout", "15");
      properties.setProperty("socketTimeout", "60");
      properties.setProperty("tcpKeepAlive", "true");
      properties.setProperty("ApplicationName", "opamp-gateway " + settings.nodeName());
    }
    return properties;
  }

  private static void checkConnection(String url, Dialect dialect, Properties properties) throws SQLException {
    Driver driver;
    try {
      driver = (Driver) Class.forName(dialect.driverClass()).getDeclaredConstructor().newInstance();
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("the " + dialect + " JDBC driver is missing", e);
    }
    try (Connection connection = driver.connect(url, properties)) {
      if (connection == null) {
        throw new SQLException("the " + dialect + " driver does not accept this URL");
      }
      if (!connection.isValid(5)) {
        throw new SQLException("the connection is not usable");
      }
    }
  }

  private static HikariConfig poolConfig(String url, Dialect dialect, Properties connection) {
    HikariConfig config = new HikariConfig();
    config.setPoolName("opamp-desired-state");
    config.setDriverClassName(dialect.driverClass());
    config.setJdbcUrl(connectionUrl(url, dialect));
    Properties properties = new Properties();
    properties.putAll(connection);
    String user = (String) properties.remove("user");
    String password = (String) properties.remove("password");
    if (user != null) {
      config.setUsername(user);
    }
    if (password != null) {
      config.setPassword(password);
    }
    config.setDataSourceProperties(properties);
    config.setMaximumPoolSize(MAX_POOL_SIZE);
    config.setMinimumIdle(1);
    config.setConnectionTimeout(10_000);
    config.setValidationTimeout(5_000);
    config.setIdleTimeout(300_000);
    config.setMaxLifetime(1_800_000);
    config.setKeepaliveTime(120_000);
    config.setInitializationFailTimeout(1); // one attempt at start, failing the start if it fails
    return config;
  }

  /**
   * An embedded H2 file database would close itself in its own JVM shutdown hook, racing the
   * gateway's orderly stop; the gateway closes it itself (when the pool's last connection goes).
   */
  static String connectionUrl(String url, Dialect dialect) {
    if (dialect == Dialect.H2 && url.startsWith("jdbc:h2:file:") && !url.toUpperCase(Locale.ROOT).contains("DB_CLOSE_ON_EXIT")) {
      return url + ";DB_CLOSE_ON_EXIT=FALSE";
    }
    return url;
  }

  /** The most telling message in a failure's causes: the driver's own, not the pool's wrapper. */
  private static String reasonOf(Throwable error, String password) {
    Throwable telling = error;
    for (Throwable cause = error; cause != null; cause = cause.getCause() == cause ? null : cause.getCause()) {
      if (cause instanceof SQLException && cause.getMessage() != null) {
        telling = cause;
        break;
      }
      if (cause.getMessage() != null) {
        telling = cause; // the deepest message, unless an SQLException comes first
      }
    }
    String reason = SettingsException.reasonOf(telling);
    return password == null || password.isEmpty() ? reason : reason.replace(password, "***");
  }

  private static synchronized void quietPoolLogsUnlessConfigured() {
    boolean userConfigured = System.getProperty("java.util.logging.config.file") != null
        || System.getProperty("java.util.logging.config.class") != null
        || LogManager.getLogManager().getProperty("com.zaxxer.hikari.level") != null;
    if (!userConfigured && HIKARI.getLevel() == null) {
      HIKARI.setLevel(Level.WARNING); // "Starting...", "Start completed." and the like
    }
  }

  /** Which database this is. */
  public Dialect dialect() {
    return dialect;
  }

  /** The URL with any password in it masked, for messages. */
  public String displayUrl() {
    return Secrets.redactUrl(url);
  }

  /** The pooled connections, shared by every map store of this node. */
  public DataSource dataSource() {
    return dataSource;
  }

  /**
   * The store for one map, on this pool. Two map names whose tables would be the same (they
   * differ only in characters a table name cannot hold) are refused.
   *
   * @throws IllegalArgumentException for such a name, or one too long for a table name
   */
  public JdbcMapStore mapStore(String mapName) {
    String table = JdbcMapStore.tableName(mapName);
    String owner = mapsByTable.putIfAbsent(table, mapName);
    if (owner != null && !owner.equals(mapName)) {
      throw new IllegalArgumentException("maps \"" + owner + "\" and \"" + mapName + "\" would share the table "
          + table + "; rename one of them");
    }
    return new JdbcMapStore(dataSource, dialect, mapName);
  }

  /** Gives each map its {@link JdbcMapStore}; for a Hazelcast {@code MapStoreConfig}. */
  public MapStoreFactory<String, byte[]> mapStoreFactory() {
    return new Factory(this);
  }

  private record Factory(DesiredStateStore store) implements MapStoreFactory<String, byte[]> {
    @Override
    public MapLoader<String, byte[]> newMapStore(String mapName, Properties properties) {
      return store.mapStore(mapName);
    }
  }

  /** Closes every connection; for H2 that also closes the database file. */
  @Override
  public void close() {
    dataSource.close();
  }

  @Override
  public String toString() {
    return "DesiredStateStore[" + dialect + ", " + displayUrl() + "]";
  }
}
