package dev.opamp.gateway.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;

/**
 * Free loopback ports for tests that must name a port before the server binds it (Hazelcast
 * member lists, flags of a child process). Each port is probed with {@code ServerSocket(0)}; all
 * probes of one call stay open until every port is chosen, so one call never returns a port twice.
 * Another process may still take a port between the probe and its use: a rare, loud failure.
 */
public final class FreePorts {

  private FreePorts() {}

  /** {@code count} distinct ports that were free on 127.0.0.1 a moment ago. */
  public static int[] take(int count) {
    List<ServerSocket> probes = new ArrayList<>(count);
    try {
      int[] ports = new int[count];
      for (int i = 0; i < count; i++) {
        ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        probes.add(probe);
        ports[i] = probe.getLocalPort();
      }
      return ports;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot probe for free loopback ports", e);
    } finally {
      for (ServerSocket probe : probes) {
        try {
          probe.close();
        } catch (IOException ignored) {
          // closing a probe that never accepted cannot lose anything
        }
      }
    }
  }

  public static int take() {
    return take(1)[0];
  }
}
