package dev.opamp.gateway.config;

import java.time.Duration;
import java.util.regex.Pattern;

/**
 * The allowed range of each kind of setting, in one place. {@link GatewaySettings} checks
 * every value against these; {@link SettingValue} checks them earlier, while it still knows
 * where the value came from, so the message can name the flag, variable or file key.
 */
final class SettingRules {

  // Node names end up in agent records, metric labels and the Hazelcast instance name.
  private static final Pattern NODE_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,62}");

  // The two databases the desired state can live in (see dev.opamp.gateway.store).
  static final String H2_PREFIX = "jdbc:h2:";
  static final String POSTGRESQL_PREFIX = "jdbc:postgresql:";

  private SettingRules() {
  }

  static int port(int port, String label) {
    if (port < 0 || port > 65_535) {
      throw new SettingsException(label + ": " + port + " " + notAPort());
    }
    return port;
  }

  static String notAPort() {
    return "is not a port number (1-65535, or 0 for any free port)";
  }

  static String host(String host, String label) {
    if (host == null || host.isBlank() || host.chars().anyMatch(Character::isWhitespace)) {
      throw new SettingsException(label + ": \"" + host + "\" is not a host name or address");
    }
    return host;
  }

  static String nodeName(String name, String label) {
    if (name == null || !NODE_NAME.matcher(name).matches()) {
      throw new SettingsException(label + ": \"" + name
          + "\" is not a node name (1-63 letters, digits, '.', '_' or '-', starting with a letter or digit)");
    }
    return name;
  }

  static long positiveBytes(long bytes, String label) {
    if (bytes <= 0) {
      throw new SettingsException(label + ": " + Units.formatBytes(bytes) + " is not a size above zero");
    }
    return bytes;
  }

  static int positiveCount(int count, String label) {
    if (count <= 0) {
      throw new SettingsException(label + ": " + count + " is not a whole number above zero");
    }
    return count;
  }

  /** An http(s) URL with a host and no query: the start of the URLs agents download packages from. */
  static String baseUrl(String url, String label) {
    if (url == null) {
      return null;
    }
    try {
      java.net.URI uri = new java.net.URI(url);
      if ((!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme())) || uri.getHost() == null
          || uri.getQuery() != null || uri.getFragment() != null) {
        throw new java.net.URISyntaxException(url, "not an http(s) URL with a host");
      }
    } catch (java.net.URISyntaxException e) {
      throw new SettingsException(label + ": \"" + url + "\" is not an http:// or https:// URL with a host (e.g. https://gateway.example.com:4320)");
    }
    return url;
  }

  static Duration positiveDuration(Duration duration, String label) {
    if (duration == null || duration.isNegative() || duration.isZero()) {
      throw new SettingsException(label + ": " + (duration == null ? "nothing" : Units.formatDuration(duration))
          + " is not a duration above zero");
    }
    return duration;
  }

  static long positiveSeconds(long seconds, String label) {
    if (seconds <= 0) {
      throw new SettingsException(label + ": " + seconds + " is not a number of seconds above zero");
    }
    return seconds;
  }

  /**
   * A bearer token must be sendable in an {@code Authorization} header as is. The message
   * never quotes the token: it is a secret.
   */
  static String token(String token, String label) {
    if (token == null) {
      return null;
    }
    if (token.isEmpty()) {
      throw new SettingsException(label + ": the token is empty");
    }
    if (!token.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
      throw new SettingsException(label
          + ": the token may hold only visible ASCII characters (no spaces or line breaks inside it)");
    }
    return token;
  }

  /**
   * A desired-state database URL: H2 or PostgreSQL, and durable. {@code null} means the
   * default H2 file under the data directory. The message shows the URL with any password in
   * it masked.
   */
  static String storeUrl(String url, String label) {
    if (url == null) {
      return null;
    }
    if (!url.startsWith(H2_PREFIX) && !url.startsWith(POSTGRESQL_PREFIX)) {
      throw new SettingsException(label + ": \"" + Secrets.redactUrl(url) + "\" is not a " + H2_PREFIX + " or "
          + POSTGRESQL_PREFIX + " URL");
    }
    if (url.startsWith(H2_PREFIX + "mem:")) {
      throw new SettingsException(label + ": \"" + Secrets.redactUrl(url)
          + "\" is an in-memory database, which would lose the desired state at every restart");
    }
    return url;
  }

  static String storeUser(String user, String label) {
    if (user == null) {
      return null;
    }
    if (user.isBlank() || user.chars().anyMatch(Character::isISOControl)) {
      throw new SettingsException(label + ": \"" + user + "\" is not a user name");
    }
    return user;
  }

  /** Two files that only make sense together (a certificate and its key): both or neither. */
  static void pair(Object first, String firstLabel, Object second, String secondLabel) {
    if ((first == null) != (second == null)) {
      String given = first != null ? firstLabel : secondLabel;
      String missing = first != null ? secondLabel : firstLabel;
      throw new SettingsException(given + ": needs " + missing + " too (a certificate and its key go together)");
    }
  }

  /** A password may hold any characters but must not be empty; it is never quoted. */
  static String password(String password, String label) {
    if (password != null && password.isEmpty()) {
      throw new SettingsException(label + ": the password is empty");
    }
    return password;
  }

  /** The modes of {@code --csr-policy}. */
  static final java.util.List<String> CSR_POLICIES = java.util.List.of("auto", "selector", "manual");

  static String csrPolicy(String mode, String label) {
    if (!CSR_POLICIES.contains(mode)) {
      throw new SettingsException(label + ": \"" + mode + "\" is not a CSR policy (auto, selector or manual)");
    }
    return mode;
  }

  static String selector(String selector, String label) {
    if (selector == null) {
      return null;
    }
    try {
      return dev.opamp.gateway.fleet.Selector.parse(selector).toString();
    } catch (IllegalArgumentException e) {
      throw new SettingsException(label + ": \"" + selector + "\" is not a selector (" + e.getMessage() + ")");
    }
  }

  static double share(double share, String label) {
    if (!(share > 0 && share < 1)) {
      throw new SettingsException(label + ": " + share + " is not a share between 0 and 1 (exclusive)");
    }
    return share;
  }

  static String url(String url, String label) {
    if (url == null) {
      return null;
    }
    if (!url.matches("(?i)(wss?|https?)://[^\\s/]+(/\\S*)?")) {
      throw new SettingsException(label + ": \"" + url + "\" is not a ws://, wss://, http:// or https:// URL");
    }
    return url;
  }
}
