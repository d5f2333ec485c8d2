package dev.opamp.gateway.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.opamp.gateway.config.GatewaySettings;
import dev.opamp.gateway.config.SettingsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DesiredStateStoreTest {

  @TempDir
  Path dir;

  @Test
  void theDefaultIsAnH2FileInTheDataDir() throws Exception {
    try (DesiredStateStore store = DesiredStateStore.open(GatewaySettings.builder().dataDir(dir).build())) {
      assertEquals(Dialect.H2, store.dialect());
      assertEquals("jdbc:h2:file:" + dir.toAbsolutePath() + "/desired-state", store.displayUrl());
      store.mapStore("desired-configs").store("k", new byte[] {1});
    }
    assertTrue(Files.exists(dir.resolve("desired-state.mv.db")), "the database file is in the data dir");
    try (DesiredStateStore reopened = DesiredStateStore.open(GatewaySettings.builder().dataDir(dir).build())) {
      assertEquals(1, reopened.mapStore("desired-configs").load("k")[0], "closing released the file");
    }
  }

  @Test
  void dialectsComeFromTheUrl() {
    assertEquals(Optional.of(Dialect.H2), Dialect.of("jdbc:h2:file:/x"));
    assertEquals(Optional.of(Dialect.H2), Dialect.of("jdbc:h2:tcp://db/x"));
    assertEquals(Optional.of(Dialect.POSTGRESQL), Dialect.of("jdbc:postgresql://db:5432/opamp"));
    assertEquals(Optional.empty(), Dialect.of("jdbc:mysql://db/opamp"));
  }

  @Test
  void anEmbeddedH2FileIsClosedByTheGatewayNotByItsOwnHook() {
    assertEquals("jdbc:h2:file:/x;DB_CLOSE_ON_EXIT=FALSE", DesiredStateStore.connectionUrl("jdbc:h2:file:/x", Dialect.H2));
    assertEquals("jdbc:h2:file:/x;db_close_on_exit=true",
        DesiredStateStore.connectionUrl("jdbc:h2:file:/x;db_close_on_exit=true", Dialect.H2));
    assertEquals("jdbc:h2:tcp://db/x", DesiredStateStore.connectionUrl("jdbc:h2:tcp://db/x", Dialect.H2));
    assertEquals("jdbc:postgresql://db/x", DesiredStateStore.connectionUrl("jdbc:postgresql://db/x", Dialect.POSTGRESQL));
  }

  @Test
  void anUnreachableDatabaseFailsInOneLineNamingTheSettingButNotThePassword() {
    // Nothing listens on port 1 of loopback: the connection is refused at once.
    GatewaySettings settings = GatewaySettings.builder().dataDir(dir)
        .storeUrl("jdbc:postgresql://127.0.0.1:1/opamp?password=in-the-url")
        .storeUser("opamp").storePassword("hunter2").build();
    SettingsException e = assertThrows(SettingsException.class, () -> DesiredStateStore.open(settings));
    String message = e.getMessage();
    assertTrue(message.startsWith("--store-url: cannot connect to jdbc:postgresql://127.0.0.1:1/opamp?password=*** ("),
        message);
    assertTrue(message.contains("refused"), message);
    assertFalse(message.contains("hunter2") || message.contains("in-the-url"), message);
    assertFalse(message.contains("\n"), message);
  }

  @Test
  void anUnusableH2FileFailsNamingTheSetting() throws Exception {
    Path notADirectory = Files.writeString(dir.resolve("file"), "");
    GatewaySettings settings = GatewaySettings.builder().dataDir(dir)
        .storeUrl("jdbc:h2:file:" + notADirectory.toAbsolutePath() + "/state").build();
    String message = assertThrows(SettingsException.class, () -> DesiredStateStore.open(settings)).getMessage();
    assertTrue(message.startsWith("--store-url: cannot connect to jdbc:h2:file:" + notADirectory.toAbsolutePath()
        + "/state ("), message);
  }

  @Test
  void aWrongPostgresPasswordFailsNamingTheSetting() {
    GatewaySettings settings = TestPostgres.use(GatewaySettings.builder().dataDir(dir))
        .storePassword("not-the-password").build();
    String message = assertThrows(SettingsException.class, () -> DesiredStateStore.open(settings)).getMessage();
    assertTrue(message.startsWith("--store-url: cannot connect to " + System.getenv(TestPostgres.URL) + " ("),
        message);
    assertTrue(message.contains("password authentication failed"), message);
    assertFalse(message.contains("not-the-password"), message);
  }

  @Test
  void postgresIsTheDialectOfAPostgresUrl() throws Exception {
    try (DesiredStateStore store = DesiredStateStore.open(TestPostgres.use(GatewaySettings.builder()).build())) {
      assertEquals(Dialect.POSTGRESQL, store.dialect());
    }
  }
}
