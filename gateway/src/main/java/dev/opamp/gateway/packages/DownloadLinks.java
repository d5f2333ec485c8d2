package dev.opamp.gateway.packages;

import com.hazelcast.core.HazelcastInstance;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;

/**
 * The download URLs put in offers: {@code <base>/v1/packages/<sha256>?agent=<key>&expires=<s>&token=<t>}
 * where the base is {@code --package-base-url}, or else this node's OpAMP listener.
 */
public final class DownloadLinks {

  /** Where downloads are served on the OpAMP port. */
  public static final String PATH = "/v1/packages/";

  private final Duration ttl;
  private final String configuredBase;
  private volatile String base;
  /** How URLs name the OpAMP listener's host (resolved on a worker: a wildcard needs a lookup). */
  private volatile String listenerHost;
  private volatile DownloadTokens tokens;

  /**
   * @param ttl how long a URL stays usable after the offer
   * @param configuredBase {@code --package-base-url}; null to use the OpAMP listener's address
   */
  public DownloadLinks(Duration ttl, String configuredBase) {
    this.ttl = ttl;
    this.configuredBase = configuredBase == null ? null : stripSlash(configuredBase);
    this.base = this.configuredBase;
  }

  /**
   * Loads (or creates) the cluster's signing secret and works out how URLs name
   * {@code opampHost}, the OpAMP listener's host, on a worker thread.
   */
  public Future<Void> start(Vertx vertx, HazelcastInstance hazelcast, String opampHost) {
    return vertx.executeBlocking(() -> {
      tokens = DownloadTokens.fromCluster(hazelcast);
      listenerHost = shownHost(opampHost);
      return null;
    }, false);
  }

  /**
   * Sets the default base once the OpAMP listener is bound, unless one was configured:
   * {@code scheme} is https when the listener serves TLS.
   */
  public void listening(String scheme, int port) {
    if (configuredBase == null) {
      base = scheme + "://" + listenerHost + ":" + port;
    }
  }

  /** A wildcard address becomes this host's name (a DNS lookup: blocking); IPv6 goes in brackets. */
  private static String shownHost(String host) {
    if (host.equals("0.0.0.0") || host.equals("::") || host.equals("[::]")) {
      try {
        return InetAddress.getLocalHost().getHostName();
      } catch (UnknownHostException e) {
        return "127.0.0.1";
      }
    }
    return host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
  }

  DownloadTokens tokens() {
    return tokens;
  }

  /** A URL for {@code agentKey} alone to fetch the file {@code hex}, valid for the TTL from now. */
  public String url(String agentKey, String hex) {
    long expires = System.currentTimeMillis() / 1000 + ttl.toSeconds();
    return base + PATH + hex + "?agent=" + agentKey + "&expires=" + expires + "&token="
        + tokens.sign(agentKey, hex, expires);
  }

  private static String stripSlash(String url) {
    return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
  }
}
