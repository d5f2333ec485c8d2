package dev.opamp.gateway.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Free loopback ports for tests that must name a port before the server binds it (Hazelcast
 * member lists, flags of a child process). Ports are drawn at random below Linux's ephemeral
 * range (32768 and up), where outgoing connections (Hazelcast's among them) take their local
 * ports, and each is probed by binding it; all probes of one call stay open until every port is
 * chosen, so one call never returns a port twice. Another process may still bind a port between
 * the probe and its use: a rare, loud failure.
 */
public final class FreePorts {

  private static final int LOWEST = 20_000;
  private static final int HIGHEST = 32_000;

  private FreePorts() {}

  /** {@code count} distinct ports that were free on 127.0.0.1 a moment ago. */
  public static int[] take(int count) {
    List<ServerSocket> probes = new ArrayList<>(count);
    try {
      int[] ports = new int[count];
      int found = 0;
      for (int attempt = 0; found < count && attempt < 10_000; attempt++) {
        int candidate = LOWEST + ThreadLocalRandom.current().nextInt(HIGHEST - LOWEST);
        try {
          ServerSocket probe = new ServerSocket(candidate, 1, InetAddress.getLoopbackAddress());
          probes.add(probe);
          ports[found++] = candidate;
        } catch (IOException taken) {
          // in use: draw another
        }
      }
      if (found < count) {
        throw new IOException("no " + count + " free ports between " + LOWEST + " and " + HIGHEST);
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
