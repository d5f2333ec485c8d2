package dev.opamp.gateway.store;

import com.zaxxer.hikari.HikariDataSource;
import dev.opamp.gateway.config.GatewaySettings;

/**
 * Every {@link JdbcMapStoreTest} against the PostgreSQL named by {@code OPAMP_TEST_POSTGRES_URL}
 * (skipped without it, failing under CI; see {@link TestPostgres}).
 */
class JdbcMapStorePostgresTest extends JdbcMapStoreTest {

  @Override
  DesiredStateStore openStore() {
    return DesiredStateStore.open(TestPostgres.use(GatewaySettings.builder()).build());
  }

  @Override
  Dialect expectedDialect() {
    return Dialect.POSTGRESQL;
  }

  @Override
  void dropTable(String mapName) throws Exception {
    if (!store.dataSource().unwrap(HikariDataSource.class).isClosed()) {
      TestPostgres.dropTable(store, mapName);
      return;
    }
    try (DesiredStateStore fresh = openStore()) { // the test closed its own
      TestPostgres.dropTable(fresh, mapName);
    }
  }
}
