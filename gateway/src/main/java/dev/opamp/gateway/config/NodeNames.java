package dev.opamp.gateway.config;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;

/**
 * The default node name: {@code <host name>-<OpAMP port>}, which is unique per process on a
 * host and stable across restarts (a Kubernetes pod's host name is its StatefulSet name).
 */
final class NodeNames {

  private static final int MAX_HOST_PART = 50;

  private NodeNames() {
  }

  /**
   * With port 0 the port says nothing about which process this is, so a random id takes
   * its place; without a readable host name the whole name is random.
   */
  static String derived(int opampPort) {
    String host = HostName.VALUE;
    if (host == null) {
      return "node-" + shortRandomId();
    }
    return host + "-" + (opampPort == 0 ? shortRandomId() : Integer.toString(opampPort));
  }

  private static String shortRandomId() {
    return UUID.randomUUID().toString().substring(0, 8);
  }

  /** Read once and lazily: the fallback lookup can be slow on a badly configured host. */
  private static final class HostName {
    static final String VALUE = sanitize(read());

    private static String read() {
      // Linux keeps it here; reading it needs no name resolution, unlike InetAddress.
      try {
        return Files.readString(Path.of("/proc/sys/kernel/hostname")).strip();
      } catch (IOException | RuntimeException e) {
        // not Linux: ask the JDK below
      }
      try {
        return InetAddress.getLocalHost().getHostName();
      } catch (IOException | RuntimeException e) {
        return null;
      }
    }

    private static String sanitize(String host) {
      if (host == null) {
        return null;
      }
      String clean = host.replaceAll("[^A-Za-z0-9._-]", "-").replaceAll("^[._-]+", "");
      clean = clean.length() > MAX_HOST_PART ? clean.substring(0, MAX_HOST_PART) : clean;
      return clean.isEmpty() ? null : clean;
    }
  }
}
