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

  /** Loads (or creates) the cluster's signing secret. */
  public Future<Void> start(Vertx vertx, HazelcastInstance hazelcast) {
    return vertx.executeBlocking(() -> {
      tokens = DownloadTokens.fromCluster(hazelcast);
      return null;
    }, false);
  }

  /**
   * Sets the default base once the OpAMP listener is bound, unless one was configured:
   * {@code scheme} is https when the listener serves TLS.
   */
  public void listening(String scheme, String host, int port) {
    if (configuredBase != null) {
      return;
    }
    String shown = host;
    if (host.equals("0.0.0.0") || host.equals("::") || host.equals("[::]")) {
      try {
        shown = InetAddress.getLocalHost().getHostName();
      } catch (UnknownHostException e) {
        shown = "127.0.0.1";
      }
    } else if (host.contains(":") && !host.startsWith("[")) {
      shown = "[" + host + "]";
    }
    base = scheme + "://" + shown + ":" + port;
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
