package dev.opamp.gateway.config;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * The catalogue of settings a user can give: one constant per flag, in the order {@code --help}
 * lists them. The constant's name is the environment variable's suffix and, in lower case
 * with dashes, the flag and the settings-file key, so the three spellings cannot drift apart.
 */
enum Setting {
  OPAMP_HOST("HOST", "Address the OpAMP endpoint listens on",
      s -> s.opampHost(), (b, v) -> b.opampHost(v.host())),
  OPAMP_PORT("PORT", "OpAMP port, for WebSocket and HTTP; 0 picks a free one",
      s -> Integer.toString(s.opampPort()), (b, v) -> b.opampPort(v.port())),
  ADMIN_HOST("HOST", "Address the admin API and metrics listen on",
      s -> s.adminHost(), (b, v) -> b.adminHost(v.host())),
  ADMIN_PORT("PORT", "Admin port (API, metrics, probes); 0 picks a free one",
      s -> Integer.toString(s.adminPort()), (b, v) -> b.adminPort(v.port())),
  NODE_NAME("NAME", "This node's name in the cluster, agent records and metrics",
      s -> "<host name>-<opamp port>", (b, v) -> b.nodeName(v.nodeName())),
  DATA_DIR("DIR", "Directory for this node's persisted state",
      s -> s.dataDir().toString(), (b, v) -> b.dataDir(v.path())),
  HAZELCAST_CONFIG("FILE", "Hazelcast member config file, XML or YAML",
      s -> "built-in standalone config", (b, v) -> b.hazelcastConfig(v.path())),
  MAX_MESSAGE_BYTES("SIZE", "Largest OpAMP message accepted from an agent",
      s -> Units.formatBytes(s.maxMessageBytes()), (b, v) -> b.maxMessageBytes(v.bytes())),
  RECEIVE_BUDGET_BYTES("SIZE", "Node-wide limit on inbound message bytes being assembled",
      s -> Units.formatBytes(s.receiveBudgetBytes()), (b, v) -> b.receiveBudgetBytes(v.bytes())),
  WS_PING_INTERVAL("DURATION", "How often a quiet WebSocket is pinged",
      s -> Units.formatDuration(s.wsPingInterval()), (b, v) -> b.wsPingInterval(v.duration())),
  WS_IDLE_TIMEOUT("DURATION", "Close a WebSocket silent this long (not even a pong)",
      s -> Units.formatDuration(s.wsIdleTimeout()), (b, v) -> b.wsIdleTimeout(v.duration())),
  FIRST_MESSAGE_TIMEOUT("DURATION", "Close a WebSocket whose first OpAMP message is this late",
      s -> Units.formatDuration(s.firstMessageTimeout()), (b, v) -> b.firstMessageTimeout(v.duration())),
  HTTP_SESSION_TIMEOUT("DURATION", "An HTTP agent silent this long counts as disconnected",
      s -> Units.formatDuration(s.httpSessionTimeout()), (b, v) -> b.httpSessionTimeout(v.duration())),
  WRITE_QUEUE_MAX_BYTES("SIZE", "Bytes a session may queue for sending before it is full",
      s -> Units.formatBytes(s.writeQueueMaxBytes()), (b, v) -> b.writeQueueMaxBytes(v.intBytes())),
  SLOW_CONSUMER_TIMEOUT("DURATION", "Close a session whose write queue stays full for this long",
      s -> Units.formatDuration(s.slowConsumerTimeout()), (b, v) -> b.slowConsumerTimeout(v.duration())),
  OPAMP_AUTH_TOKEN_FILE("FILE", "File holding the bearer token agents must send",
      s -> "none, agents need no token", (b, v) -> b.opampAuthToken(v.tokenFromFile())),
  ADMIN_AUTH_TOKEN_FILE("FILE", "File holding the bearer token admin clients must send",
      s -> "none, admin clients need no token", (b, v) -> b.adminAuthToken(v.tokenFromFile())),
  OPAMP_TLS_CERT("FILE", "PEM certificate chain of the OpAMP port; with --opamp-tls-key it serves HTTPS and WSS",
      s -> "none, plain HTTP and WS", (b, v) -> b.opampTlsCert(v.path())),
  OPAMP_TLS_KEY("FILE", "PEM private key of --opamp-tls-cert (unencrypted; protect the file)",
      s -> "none", (b, v) -> b.opampTlsKey(v.path())),
  ADMIN_TLS_CERT("FILE", "PEM certificate chain of the admin port; with --admin-tls-key it serves HTTPS",
      s -> "none, plain HTTP", (b, v) -> b.adminTlsCert(v.path())),
  ADMIN_TLS_KEY("FILE", "PEM private key of --admin-tls-cert (unencrypted; protect the file)",
      s -> "none", (b, v) -> b.adminTlsKey(v.path())),
  OPAMP_CLIENT_AUTH("MODE", "Client certificates on the OpAMP port: none, optional or required (needs --opamp-tls-cert)",
      s -> s.opampClientAuth().label(), (b, v) -> b.opampClientAuth(v.clientAuthentication())),
  OPAMP_CLIENT_CA("FILE", "PEM bundle of CA certificates agents' client certificates may chain to, "
      + "besides the gateway CA (needs --opamp-client-auth)",
      s -> "none, the gateway CA only", (b, v) -> b.opampClientCa(v.path())),
  TLS_RELOAD_INTERVAL("DURATION", "How often the TLS files are checked for changes, which apply without a restart",
      s -> Units.formatDuration(s.tlsReloadInterval()), (b, v) -> b.tlsReloadInterval(v.duration())),
  HEARTBEAT_INTERVAL_SECONDS("SECONDS", "Heartbeat and poll interval agents are expected to keep",
      s -> Long.toString(s.heartbeatIntervalSeconds()), (b, v) -> b.heartbeatIntervalSeconds(v.seconds())),
  AGENT_RETENTION("DURATION", "How long a disconnected agent stays listed before it is forgotten",
      s -> Units.formatDuration(s.agentRetention()), (b, v) -> b.agentRetention(v.duration())),
  STORE_URL("URL", "JDBC URL of the desired-state database (config versions, assignments, rollouts): "
      + "jdbc:h2:file:... for one node, jdbc:postgresql://host:port/db shared by every node of a cluster",
      s -> "jdbc:h2:file:<data-dir>/desired-state", (b, v) -> b.storeUrl(v.storeUrl())),
  STORE_USER("NAME", "User name for --store-url",
      s -> "none (the URL's or the driver's own)", (b, v) -> b.storeUser(v.storeUser())),
  STORE_PASSWORD_FILE("FILE", "File holding the password for --store-url (the whole file but its final line break)",
      s -> "none", (b, v) -> b.storePassword(v.secretFromFile())),
  CA_CERT("FILE", "PEM certificate of the gateway CA that signs agent certificates (with --ca-key)",
      s -> "generated at the cluster's first start", (b, v) -> b.caCert(v.path())),
  CA_KEY("FILE", "PEM private key of the gateway CA (with --ca-cert)",
      s -> "generated at the cluster's first start", (b, v) -> b.caKey(v.path())),
  CA_KEY_SECRET_FILE("FILE", "File holding the secret that encrypts the stored CA key; every node of a cluster needs the same",
      s -> "<data-dir>/ca-key.secret, generated if absent", (b, v) -> b.caKeySecretFile(v.path())),
  CSR_POLICY("MODE", "Who signs agents' certificate requests: auto, selector (auto for --csr-auto-selector, "
      + "others wait) or manual (an operator approves); the API can change it later",
      s -> s.csrPolicy(), (b, v) -> b.csrPolicy(v.csrPolicy())),
  CSR_AUTO_SELECTOR("SELECTOR", "Agents whose requests are signed at once under --csr-policy selector",
      s -> "none", (b, v) -> b.csrAutoSelector(v.selector())),
  AGENT_CERT_LIFETIME("DURATION", "Validity of the certificates the gateway CA issues to agents",
      s -> Units.formatDuration(s.agentCertLifetime()), (b, v) -> b.agentCertLifetime(v.duration())),
  AGENT_CERT_RENEW_AT("SHARE", "Share of a certificate's lifetime after which it is renewed (0-1, exclusive)",
      s -> Double.toString(s.agentCertRenewAt()), (b, v) -> b.agentCertRenewAt(v.share())),
  AGENT_OPAMP_ENDPOINT("URL", "OpAMP URL offered to agents with their certificate when no connection-settings "
      + "definition names one",
      s -> "ws(s)://<opamp-host>:<opamp port>/v1/opamp", (b, v) -> b.agentOpampEndpoint(v.url())),
  PACKAGE_MAX_UPLOAD_BYTES("SIZE", "Largest package file accepted by the package API",
      s -> Units.formatBytes(s.packageMaxUploadBytes()), (b, v) -> b.packageMaxUploadBytes(v.bytes())),
  PACKAGE_MAX_DOWNLOADS("COUNT", "Package downloads served at once by this node; more are answered 503 with Retry-After",
      s -> Integer.toString(s.packageMaxDownloads()), (b, v) -> b.packageMaxDownloads(v.count())),
  PACKAGE_BASE_URL("URL", "Scheme, host and port agents download packages from (this node's OpAMP listener)",
      s -> "http(s)://<opamp host>:<opamp port>", (b, v) -> b.packageBaseUrl(v.baseUrl())),
  PACKAGE_URL_TTL("DURATION", "How long a package download URL in an offer stays usable",
      s -> Units.formatDuration(s.packageUrlTtl()), (b, v) -> b.packageUrlTtl(v.duration()));

  /** Prefix of every environment variable the gateway reads. */
  static final String ENV_PREFIX = "OPAMP_GATEWAY_";

  private final String paramLabel;
  private final String description;
  private final Function<GatewaySettings, String> shownDefault;
  private final BiConsumer<GatewaySettings.Builder, SettingValue> apply;

  Setting(String paramLabel, String description, Function<GatewaySettings, String> shownDefault,
      BiConsumer<GatewaySettings.Builder, SettingValue> apply) {
    this.paramLabel = paramLabel;
    this.description = description;
    this.shownDefault = shownDefault;
    this.apply = apply;
  }

  /** The settings-file key: {@code opamp-port}. */
  String key() {
    return name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  /** The command-line flag: {@code --opamp-port}. */
  String flag() {
    return "--" + key();
  }

  /** The environment variable: {@code OPAMP_GATEWAY_OPAMP_PORT}. */
  String envVariable() {
    return ENV_PREFIX + name();
  }

  String paramLabel() {
    return paramLabel;
  }

  /** The {@code --help} text: a one-line description, then the default taken from {@code defaults}. */
  String[] help(GatewaySettings defaults) {
    return new String[] {description, "Default: " + shownDefault.apply(defaults)};
  }

  /** Parses and checks {@code value}, then stores it in {@code builder}. */
  void applyTo(GatewaySettings.Builder builder, SettingValue value) {
    apply.accept(builder, value);
  }

  static Optional<Setting> forKey(String key) {
    return Arrays.stream(values()).filter(s -> s.key().equals(key)).findFirst();
  }
}
