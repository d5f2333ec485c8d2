package dev.opamp.gateway.cluster;

import java.util.logging.Level;
import java.util.logging.LogManager;
import java.util.logging.Logger;

/**
 * Keeps Hazelcast's many INFO lines (start banner, partition tables, membership) out of the
 * gateway's log unless the user configured java.util.logging themselves.
 */
final class HazelcastLogging {

  // java.util.logging holds loggers weakly; these references keep the level and filter alive.
  private static final Logger HAZELCAST = Logger.getLogger("com.hazelcast");
  private static final Logger NODE = Logger.getLogger("com.hazelcast.instance.impl.Node");
  private static final String NO_JOIN_WARNING = "No join method is enabled";

  private HazelcastLogging() {
  }

  /**
   * @param standaloneByDesign true for the built-in config, whose "no join method" warning
   *     describes the intended setup; from a user's file the same warning may reveal a mistake
   */
  static synchronized void quietUnlessConfigured(boolean standaloneByDesign) {
    boolean userConfigured = System.getProperty("java.util.logging.config.file") != null
        || System.getProperty("java.util.logging.config.class") != null
        || LogManager.getLogManager().getProperty("com.hazelcast.level") != null;
    if (userConfigured) {
      return;
    }
    if (HAZELCAST.getLevel() == null) {
      HAZELCAST.setLevel(Level.WARNING);
    }
    NODE.setFilter(standaloneByDesign
        ? record -> record.getMessage() == null || !record.getMessage().contains(NO_JOIN_WARNING)
        : null);
  }
}
