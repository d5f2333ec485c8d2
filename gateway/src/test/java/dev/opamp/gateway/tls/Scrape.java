package dev.opamp.gateway.tls;

import dev.opamp.gateway.testing.TestGateway;

/** Reads one series from a gateway's {@code /metrics}. */
final class Scrape {

  private Scrape() {}

  /** The value of {@code name} with these label pairs (others ignored); NaN when there is no such series. */
  static double value(TestGateway gateway, String name, String... labels) throws Exception {
    var response = gateway.adminGet("/metrics");
    if (response.statusCode() != 200) {
      throw new AssertionError("/metrics answered " + response.statusCode());
    }
    for (String line : response.bodyAsString().split("\n")) {
      if (!line.startsWith(name + "{") && !line.startsWith(name + " ")) {
        continue;
      }
      boolean matches = true;
      for (int i = 0; i < labels.length; i += 2) {
        matches &= line.contains(labels[i] + "=\"" + labels[i + 1] + "\"");
      }
      if (matches) {
        return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      }
    }
    return Double.NaN;
  }
}
