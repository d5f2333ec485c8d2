package dev.opamp.gateway.store;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.opamp.gateway.config.GatewaySettings;
import java.sql.Connection;
import java.sql.Statement;

/**
 * The PostgreSQL database the tests may use, named by {@code OPAMP_TEST_POSTGRES_URL},
 * {@code OPAMP_TEST_POSTGRES_USER} and {@code OPAMP_TEST_POSTGRES_PASSWORD}
 * ({@code eval "$(bash .ci/test-postgres)"} starts one and prints them). Without them the
 * PostgreSQL tests are skipped, except under CI ({@code CI=true}), where they fail: CI
 * installs PostgreSQL, so a missing one is a broken build, not a reason to test less.
 */
final class TestPostgres {

  static final String URL = "OPAMP_TEST_POSTGRES_URL";
  static final String USER = "OPAMP_TEST_POSTGRES_USER";
  static final String PASSWORD = "OPAMP_TEST_POSTGRES_PASSWORD";

  private TestPostgres() {
  }

  /** Skips the calling test (fails it under CI) when no PostgreSQL is configured. */
  static void require() {
    String url = System.getenv(URL);
    if (url != null && !url.isBlank()) {
      return;
    }
    if ("true".equals(System.getenv("CI"))) {
      fail(URL + " is not set but CI=true: .ci/run must start PostgreSQL and export " + URL + ", " + USER
          + " and " + PASSWORD + " (see .ci/test-postgres)");
    }
    assumeTrue(false, "PostgreSQL tests skipped: " + URL + " is not set (eval \"$(bash .ci/test-postgres)\" "
        + "starts a local PostgreSQL and sets it, with " + USER + " and " + PASSWORD + ")");
  }

  /**
   * {@code builder} pointed at the test database, with the CA key secret every test node on it
   * shares: the database outlives each test's data dir, and so does the CA stored in it.
   */
  static GatewaySettings.Builder use(GatewaySettings.Builder builder) {
    require();
    return builder.storeUrl(System.getenv(URL))
        .storeUser(blankToNull(System.getenv(USER)))
        .storePassword(blankToNull(System.getenv(PASSWORD)))
        .caKeySecretFile(sharedCaSecret());
  }

  private static java.nio.file.Path sharedCaSecret() {
    java.nio.file.Path file = java.nio.file.Path.of(System.getProperty("java.io.tmpdir"),
        "opamp-gateway-test-postgres-ca.secret");
    try {
      java.nio.file.Files.writeString(file, "opamp-gateway-test-postgres-ca-secret\n");
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    return file;
  }

  /** Drops a test map's table, so that test runs leave nothing behind in the shared database. */
  static void dropTable(DesiredStateStore store, String mapName) throws Exception {
    try (Connection connection = store.dataSource().getConnection();
        Statement statement = connection.createStatement()) {
      statement.execute("DROP TABLE IF EXISTS " + JdbcMapStore.tableName(mapName));
    }
  }

  private static String blankToNull(String value) {
    return value == null || value.isBlank() ? null : value;
  }
}
