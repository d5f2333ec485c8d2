package dev.opamp.loadtest;

import java.util.ArrayList;
import java.util.List;

/**
 * The local addresses agents connect from. One address carries at most ~28 000 connections (the
 * ephemeral port range), and well before that the kernel's search for a free port on connect
 * grows costly: with most ports of one address to one server in use, each connect walks past the
 * used ones, which took a third of the simulator's CPU at 19 000 agents. So against a loopback
 * server the simulator spreads agents over 127.0.0.2, 127.0.0.3, … one per
 * {@link Options#AGENTS_PER_SOURCE_ADDRESS} agents, unless told which. An empty list lets the OS
 * choose (the only choice for a server on another host).
 */
final class SourceAddresses {

  private SourceAddresses() {}

  /**
   * {@code 127.0.0.2-127.0.0.9}, {@code 127.0.0.2,127.0.0.5}, or null for the automatic choice
   * for {@code agents} agents in all processes, connecting to loopback servers or not.
   */
  static List<String> parse(String text, int agents, boolean loopbackTargets) {
    if (text == null || text.isBlank()) {
      if (!loopbackTargets || agents <= Options.AGENTS_PER_SOURCE_ADDRESS) {
        return List.of();
      }
      int n = (agents + Options.AGENTS_PER_SOURCE_ADDRESS - 1) / Options.AGENTS_PER_SOURCE_ADDRESS;
      List<String> auto = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        auto.add("127.0.0." + (2 + i));
      }
      return auto;
    }
    List<String> out = new ArrayList<>();
    for (String part : text.split(",")) {
      part = part.trim();
      if (part.isEmpty()) {
        continue;
      }
      int dash = part.indexOf('-');
      if (dash < 0) {
        toInt(part);
        out.add(part);
        continue;
      }
      long from = toInt(part.substring(0, dash).trim());
      long to = toInt(part.substring(dash + 1).trim());
      if (to < from || to - from > 65_535) {
        throw new IllegalArgumentException("--source-addresses: bad range '" + part + "'");
      }
      for (long a = from; a <= to; a++) {
        out.add(((a >> 24) & 255) + "." + ((a >> 16) & 255) + "." + ((a >> 8) & 255) + "." + (a & 255));
      }
    }
    if (out.isEmpty()) {
      throw new IllegalArgumentException("--source-addresses: no address in '" + text + "'");
    }
    return out;
  }

  private static long toInt(String ipv4) {
    String[] p = ipv4.split("\\.");
    if (p.length != 4) {
      throw new IllegalArgumentException("--source-addresses: '" + ipv4 + "' is not an IPv4 address");
    }
    long v = 0;
    for (String s : p) {
      int b;
      try {
        b = Integer.parseInt(s);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("--source-addresses: '" + ipv4 + "' is not an IPv4 address");
      }
      if (b < 0 || b > 255) {
        throw new IllegalArgumentException("--source-addresses: '" + ipv4 + "' is not an IPv4 address");
      }
      v = (v << 8) | b;
    }
    return v;
  }
}
