package dev.opamp.loadtest;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;

/**
 * The OpAMP endpoints agents connect to, spread round-robin by agent index the way a load
 * balancer would spread them. Each target is known in both forms, WebSocket and HTTP.
 */
final class Targets {

  /** One endpoint: host, port and path, and whether it is TLS. */
  record Target(String host, int port, String path, boolean tls) {
    String wsUrl() {
      return (tls ? "wss://" : "ws://") + host + ":" + port + path;
    }

    String httpUrl() {
      return (tls ? "https://" : "http://") + host + ":" + port + path;
    }
  }

  private final List<Target> targets;

  private Targets(List<Target> targets) {
    this.targets = List.copyOf(targets);
  }

  static Targets parse(List<String> urls) {
    if (urls == null || urls.isEmpty()) {
      throw new IllegalArgumentException("--target: at least one URL");
    }
    List<Target> list = new ArrayList<>();
    for (String text : urls) {
      URI uri;
      try {
        uri = URI.create(text.trim());
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("--target: '" + text + "' is not a URL");
      }
      String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(java.util.Locale.ROOT);
      boolean tls = switch (scheme) {
        case "ws", "http" -> false;
        case "wss", "https" -> true;
        default -> throw new IllegalArgumentException("--target: '" + text + "' must start with ws://, wss://, http:// or https://");
      };
      if (uri.getHost() == null) {
        throw new IllegalArgumentException("--target: '" + text + "' has no host");
      }
      int port = uri.getPort() > 0 ? uri.getPort() : (tls ? 443 : 80);
      String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/v1/opamp" : uri.getRawPath();
      list.add(new Target(uri.getHost(), port, path, tls));
    }
    return new Targets(list);
  }

  /** The target of the agent with this global index. */
  Target forAgent(int globalIndex) {
    return targets.get(indexForAgent(globalIndex));
  }

  int indexForAgent(int globalIndex) {
    return globalIndex % targets.size();
  }

  Target get(int index) {
    return targets.get(index);
  }

  int size() {
    return targets.size();
  }

  List<Target> all() {
    return targets;
  }

  /** Whether every target is an IPv4 loopback server (reachable from 127.0.0.2 and the like). */
  boolean allLoopback() {
    return targets.stream().allMatch(t -> t.host().startsWith("127.") || t.host().equalsIgnoreCase("localhost"));
  }
}
