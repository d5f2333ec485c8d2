package dev.opamp.gateway.config;

import static dev.opamp.gateway.config.Setting.ADMIN_AUTH_TOKEN_FILE;
import static dev.opamp.gateway.config.Setting.AGENT_RETENTION;
import static dev.opamp.gateway.config.Setting.ADMIN_HOST;
import static dev.opamp.gateway.config.Setting.ADMIN_PORT;
import static dev.opamp.gateway.config.Setting.AGENT_CERT_LIFETIME;
import static dev.opamp.gateway.config.Setting.AGENT_CERT_RENEW_AT;
import static dev.opamp.gateway.config.Setting.AGENT_OPAMP_ENDPOINT;
import static dev.opamp.gateway.config.Setting.CA_CERT;
import static dev.opamp.gateway.config.Setting.CA_KEY;
import static dev.opamp.gateway.config.Setting.CSR_AUTO_SELECTOR;
import static dev.opamp.gateway.config.Setting.CSR_POLICY;
import static dev.opamp.gateway.config.Setting.FIRST_MESSAGE_TIMEOUT;
import static dev.opamp.gateway.config.Setting.HEARTBEAT_INTERVAL_SECONDS;
import static dev.opamp.gateway.config.Setting.HTTP_SESSION_TIMEOUT;
import static dev.opamp.gateway.config.Setting.MAX_MESSAGE_BYTES;
import static dev.opamp.gateway.config.Setting.NODE_NAME;
import static dev.opamp.gateway.config.Setting.OPAMP_AUTH_TOKEN_FILE;
import static dev.opamp.gateway.config.Setting.OPAMP_HOST;
import static dev.opamp.gateway.config.Setting.OPAMP_PORT;
import static dev.opamp.gateway.config.Setting.PACKAGE_BASE_URL;
import static dev.opamp.gateway.config.Setting.PACKAGE_MAX_DOWNLOADS;
import static dev.opamp.gateway.config.Setting.PACKAGE_MAX_UPLOAD_BYTES;
import static dev.opamp.gateway.config.Setting.PACKAGE_URL_TTL;
import static dev.opamp.gateway.config.Setting.RECEIVE_BUDGET_BYTES;
import static dev.opamp.gateway.config.Setting.SLOW_CONSUMER_TIMEOUT;
import static dev.opamp.gateway.config.Setting.STORE_PASSWORD_FILE;
import static dev.opamp.gateway.config.Setting.STORE_URL;
import static dev.opamp.gateway.config.Setting.STORE_USER;
import static dev.opamp.gateway.config.Setting.WRITE_QUEUE_MAX_BYTES;
import static dev.opamp.gateway.config.Setting.WS_IDLE_TIMEOUT;
import static dev.opamp.gateway.config.Setting.WS_PING_INTERVAL;
import static dev.opamp.gateway.config.Setting.ADMIN_TLS_CERT;
import static dev.opamp.gateway.config.Setting.ADMIN_TLS_KEY;
import static dev.opamp.gateway.config.Setting.OPAMP_CLIENT_AUTH;
import static dev.opamp.gateway.config.Setting.OPAMP_CLIENT_CA;
import static dev.opamp.gateway.config.Setting.OPAMP_TLS_CERT;
import static dev.opamp.gateway.config.Setting.OPAMP_TLS_KEY;
import static dev.opamp.gateway.config.Setting.TLS_RELOAD_INTERVAL;

import dev.opamp.gateway.tls.ClientAuthentication;
import java.lang.reflect.RecordComponent;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Set;
import java.util.StringJoiner;
import java.util.function.Consumer;

/**
 * Every setting of one gateway node, typed and checked. Built by {@link SettingsLoader} from
 * defaults, a settings file, the environment and flags; tests start from {@link #defaults()}
 * or {@link #builder()} and change what they need:
 * {@code GatewaySettings.builder().opampPort(0).adminPort(0).build()}.
 *
 * <p>The constructor checks each value and the few that depend on each other, throwing a
 * {@link SettingsException} that names the flag. {@link #toString()} never shows a token.
 *
 * @param opampHost address the OpAMP endpoint listens on
 * @param opampPort port of the OpAMP endpoint; 0 picks a free port
 * @param adminHost address the admin API, console and metrics listen on
 * @param adminPort port of the admin endpoint; 0 picks a free port
 * @param nodeName this node's name in the cluster, in agent records and in metrics
 * @param dataDir directory for this node's persisted state
 * @param hazelcastConfig Hazelcast member config file (XML or YAML); {@code null} for the built-in standalone one
 * @param maxMessageBytes largest OpAMP message accepted from an agent
 * @param receiveBudgetBytes node-wide cap on bytes of inbound messages being assembled at once
 * @param wsPingInterval how often an otherwise quiet WebSocket is pinged
 * @param wsIdleTimeout a WebSocket that sends nothing, not even a pong, for this long is closed
 * @param firstMessageTimeout a WebSocket that never sends its first OpAMP message is closed after this
 * @param httpSessionTimeout an HTTP agent that has not polled for this long counts as disconnected
 * @param writeQueueMaxBytes bytes a session may have queued for writing before it counts as full
 * @param slowConsumerTimeout a session whose write queue stays full this long is closed
 * @param opampAuthToken bearer token agents must send; {@code null} for none
 * @param adminAuthToken bearer token admin clients must send; {@code null} for none
 * @param agentRetention how long a disconnected agent stays in the fleet before it is forgotten
 * @param heartbeatIntervalSeconds heartbeat interval the gateway advises agents to use
 * @param storeUrl JDBC URL of the desired-state database; {@code null} for the H2 file
 *     {@code desired-state} under {@code dataDir} (see {@link #effectiveStoreUrl()})
 * @param storeUser user name for the desired-state database; {@code null} for none
 * @param storePassword password for the desired-state database; {@code null} for none
 * @param opampTlsCert PEM certificate chain of the OpAMP port; {@code null} for plain HTTP and WS
 * @param opampTlsKey PEM private key of {@code opampTlsCert}; given with it or not at all
 * @param adminTlsCert PEM certificate chain of the admin port; {@code null} for plain HTTP
 * @param adminTlsKey PEM private key of {@code adminTlsCert}; given with it or not at all
 * @param opampClientAuth whether the OpAMP port asks agents for client certificates (needs its TLS)
 * @param opampClientCa PEM bundle of extra CA certificates client certificates may chain to; {@code null} for none
 * @param tlsReloadInterval how often the TLS files are checked for changes
 * @param caCert PEM certificate of the gateway CA; {@code null} to generate one at the cluster's first start
 * @param caKey PEM private key of the gateway CA; given together with {@code caCert}
 * @param caKeySecretFile file holding the secret that encrypts the stored CA key; {@code null} for
 *     {@code ca-key.secret} under {@code dataDir}, generated if absent
 * @param csrPolicy who signs certificate requests until the API sets a policy: auto, selector or manual
 * @param csrAutoSelector the agents signed at once under the selector policy; {@code null} for none
 * @param agentCertLifetime validity of the certificates issued to agents
 * @param agentCertRenewAt share of a certificate's lifetime after which it is renewed
 * @param agentOpampEndpoint OpAMP URL offered with certificates when no definition names one;
 *     {@code null} to derive it from the OpAMP host and port
 * @param packageMaxUploadBytes largest package file the package API accepts
 * @param packageMaxDownloads package downloads this node serves at once
 * @param packageBaseUrl scheme, host and port of download URLs; {@code null} for the OpAMP listener's
 * @param packageUrlTtl how long a download URL in an offer stays usable
 */
public record GatewaySettings(
    String opampHost,
    int opampPort,
    String adminHost,
    int adminPort,
    String nodeName,
    Path dataDir,
    Path hazelcastConfig,
    long maxMessageBytes,
    long receiveBudgetBytes,
    Duration wsPingInterval,
    Duration wsIdleTimeout,
    Duration firstMessageTimeout,
    Duration httpSessionTimeout,
    int writeQueueMaxBytes,
    Duration slowConsumerTimeout,
    String opampAuthToken,
    String adminAuthToken,
    long heartbeatIntervalSeconds,
    Duration agentRetention,
    String storeUrl,
    String storeUser,
    String storePassword,
    Path opampTlsCert,
    Path opampTlsKey,
    Path adminTlsCert,
    Path adminTlsKey,
    ClientAuthentication opampClientAuth,
    Path opampClientCa,
    Duration tlsReloadInterval,
    Path caCert,
    Path caKey,
    Path caKeySecretFile,
    String csrPolicy,
    String csrAutoSelector,
    Duration agentCertLifetime,
    double agentCertRenewAt,
    String agentOpampEndpoint,
    long packageMaxUploadBytes,
    int packageMaxDownloads,
    String packageBaseUrl,
    Duration packageUrlTtl) {

  private static final Set<String> SECRETS = Set.of("opampAuthToken", "adminAuthToken", "storePassword");

  /** The file name, under {@code dataDir}, of the generated CA key secret. */
  public static final String DEFAULT_CA_SECRET_NAME = "ca-key.secret";

  /** The file name, under {@code dataDir}, of the default H2 desired-state database. */
  public static final String DEFAULT_STORE_NAME = "desired-state";

  /** Checks every value; throws {@link SettingsException} naming the flag of the first bad one. */
  public GatewaySettings {
    SettingRules.host(opampHost, OPAMP_HOST.flag());
    SettingRules.port(opampPort, OPAMP_PORT.flag());
    SettingRules.host(adminHost, ADMIN_HOST.flag());
    SettingRules.port(adminPort, ADMIN_PORT.flag());
    SettingRules.nodeName(nodeName, NODE_NAME.flag());
    Objects.requireNonNull(dataDir, "dataDir");
    SettingRules.positiveBytes(maxMessageBytes, MAX_MESSAGE_BYTES.flag());
    SettingRules.positiveBytes(receiveBudgetBytes, RECEIVE_BUDGET_BYTES.flag());
    SettingRules.positiveDuration(wsPingInterval, WS_PING_INTERVAL.flag());
    SettingRules.positiveDuration(wsIdleTimeout, WS_IDLE_TIMEOUT.flag());
    SettingRules.positiveDuration(firstMessageTimeout, FIRST_MESSAGE_TIMEOUT.flag());
    SettingRules.positiveDuration(httpSessionTimeout, HTTP_SESSION_TIMEOUT.flag());
    SettingRules.positiveBytes(writeQueueMaxBytes, WRITE_QUEUE_MAX_BYTES.flag());
    SettingRules.positiveDuration(slowConsumerTimeout, SLOW_CONSUMER_TIMEOUT.flag());
    SettingRules.token(opampAuthToken, OPAMP_AUTH_TOKEN_FILE.flag());
    SettingRules.token(adminAuthToken, ADMIN_AUTH_TOKEN_FILE.flag());
    SettingRules.positiveSeconds(heartbeatIntervalSeconds, HEARTBEAT_INTERVAL_SECONDS.flag());
    SettingRules.positiveDuration(agentRetention, AGENT_RETENTION.flag());
    SettingRules.storeUrl(storeUrl, STORE_URL.flag());
    SettingRules.storeUser(storeUser, STORE_USER.flag());
    SettingRules.password(storePassword, STORE_PASSWORD_FILE.flag());
    check((caCert == null) == (caKey == null), (caCert == null ? CA_CERT : CA_KEY).flag()
        + ": give --ca-cert and --ca-key together (or neither, to have the gateway generate its CA)");
    SettingRules.csrPolicy(csrPolicy, CSR_POLICY.flag());
    SettingRules.selector(csrAutoSelector, CSR_AUTO_SELECTOR.flag());
    SettingRules.positiveDuration(agentCertLifetime, AGENT_CERT_LIFETIME.flag());
    SettingRules.share(agentCertRenewAt, AGENT_CERT_RENEW_AT.flag());
    SettingRules.url(agentOpampEndpoint, AGENT_OPAMP_ENDPOINT.flag());
    SettingRules.positiveBytes(packageMaxUploadBytes, PACKAGE_MAX_UPLOAD_BYTES.flag());
    SettingRules.positiveCount(packageMaxDownloads, PACKAGE_MAX_DOWNLOADS.flag());
    SettingRules.baseUrl(packageBaseUrl, PACKAGE_BASE_URL.flag());
    SettingRules.positiveDuration(packageUrlTtl, PACKAGE_URL_TTL.flag());
    check(receiveBudgetBytes >= maxMessageBytes, RECEIVE_BUDGET_BYTES.flag() + ": "
        + Units.formatBytes(receiveBudgetBytes) + " is less than " + MAX_MESSAGE_BYTES.flag() + " ("
        + Units.formatBytes(maxMessageBytes) + "), so a message of the largest size could never be received");
    check(wsIdleTimeout.compareTo(wsPingInterval) > 0, WS_IDLE_TIMEOUT.flag() + ": "
        + Units.formatDuration(wsIdleTimeout) + " is not longer than " + WS_PING_INTERVAL.flag() + " ("
        + Units.formatDuration(wsPingInterval) + "), so agents that only answer pings would be closed");
    check(httpSessionTimeout.getSeconds() > heartbeatIntervalSeconds, HTTP_SESSION_TIMEOUT.flag() + ": "
        + Units.formatDuration(httpSessionTimeout) + " is not longer than " + HEARTBEAT_INTERVAL_SECONDS.flag()
        + " (" + heartbeatIntervalSeconds + "), so HTTP agents polling as advised would count as gone");
    SettingRules.pair(opampTlsCert, OPAMP_TLS_CERT.flag(), opampTlsKey, OPAMP_TLS_KEY.flag());
    SettingRules.pair(adminTlsCert, ADMIN_TLS_CERT.flag(), adminTlsKey, ADMIN_TLS_KEY.flag());
    Objects.requireNonNull(opampClientAuth, "opampClientAuth");
    check(opampClientAuth == ClientAuthentication.NONE || opampTlsCert != null, OPAMP_CLIENT_AUTH.flag() + ": "
        + opampClientAuth.label() + " needs TLS on the OpAMP port (" + OPAMP_TLS_CERT.flag() + " and "
        + OPAMP_TLS_KEY.flag() + ")");
    check(opampClientCa == null || opampClientAuth != ClientAuthentication.NONE, OPAMP_CLIENT_CA.flag()
        + ": client certificates are not asked for; set " + OPAMP_CLIENT_AUTH.flag() + " optional or required");
    SettingRules.positiveDuration(tlsReloadInterval, TLS_RELOAD_INTERVAL.flag());
  }

  /** True when the OpAMP port serves HTTPS and WSS. */
  public boolean opampTls() {
    return opampTlsCert != null;
  }

  /** True when the admin port serves HTTPS. */
  public boolean adminTls() {
    return adminTlsCert != null;
  }

  /** All defaults; the node name is derived from the host name and the OpAMP port. */
  public static GatewaySettings defaults() {
    return builder().build();
  }

  /** A builder holding the defaults. */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder holding these settings, to change a few of them. */
  public Builder toBuilder() {
    return new Builder(this);
  }

  /** These settings with some changed: {@code settings.with(b -> b.opampPort(0))}. */
  public GatewaySettings with(Consumer<Builder> changes) {
    Builder builder = toBuilder();
    changes.accept(builder);
    return builder.build();
  }

  /**
   * The desired-state database to use: {@link #storeUrl()}, or when that is not set the H2 file
   * {@code <dataDir>/desired-state} (absolute, as H2 wants).
   */
  public String effectiveStoreUrl() {
    return storeUrl != null ? storeUrl
        : SettingRules.H2_PREFIX + "file:" + dataDir.toAbsolutePath().normalize().resolve(DEFAULT_STORE_NAME);
  }

  /** The CA key secret file: {@link #caKeySecretFile()}, or {@code ca-key.secret} under the data dir. */
  public Path effectiveCaKeySecretFile() {
    return caKeySecretFile != null ? caKeySecretFile : dataDir.resolve(DEFAULT_CA_SECRET_NAME);
  }

  /**
   * Every setting, with {@code ***} in place of each token and password that is set, and of
   * any password written into the store URL.
   */
  @Override
  public String toString() {
    StringJoiner text = new StringJoiner(", ", "GatewaySettings[", "]");
    for (RecordComponent component : GatewaySettings.class.getRecordComponents()) {
      Object value = valueOf(component);
      boolean hidden = SECRETS.contains(component.getName()) && value != null;
      if (component.getName().equals("storeUrl")) {
        value = Secrets.redactUrl(storeUrl);
      }
      text.add(component.getName() + "=" + (hidden ? "***" : value));
    }
    return text.toString();
  }

  private Object valueOf(RecordComponent component) {
    try {
      return component.getAccessor().invoke(this);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void check(boolean holds, String message) {
    if (!holds) {
      throw new SettingsException(message);
    }
  }

  /** Mutable holder for building {@link GatewaySettings}; starts at the defaults. */
  public static final class Builder {
    private String opampHost = "127.0.0.1";
    private int opampPort = 4320;
    private String adminHost = "127.0.0.1";
    private int adminPort = 4321;
    private String nodeName; // null: derived from the host name and OpAMP port at build()
    private Path dataDir = Path.of("./data");
    private Path hazelcastConfig;
    private long maxMessageBytes = 64L << 20; // the OpAMP specification's default limit
    private long receiveBudgetBytes = 256L << 20;
    private Duration wsPingInterval = Duration.ofSeconds(30);
    private Duration wsIdleTimeout = Duration.ofSeconds(90);
    private Duration firstMessageTimeout = Duration.ofSeconds(30);
    private Duration httpSessionTimeout = Duration.ofSeconds(90);
    private int writeQueueMaxBytes = 256 << 10;
    private Duration slowConsumerTimeout = Duration.ofSeconds(60);
    private String opampAuthToken;
    private String adminAuthToken;
    private long heartbeatIntervalSeconds = 30;
    private Duration agentRetention = Duration.ofDays(7);
    private String storeUrl; // null: the H2 file under the data dir
    private String storeUser;
    private String storePassword;
    private Path opampTlsCert;
    private Path opampTlsKey;
    private Path adminTlsCert;
    private Path adminTlsKey;
    private ClientAuthentication opampClientAuth = ClientAuthentication.NONE;
    private Path opampClientCa;
    private Duration tlsReloadInterval = Duration.ofSeconds(5);
    private Path caCert;
    private Path caKey;
    private Path caKeySecretFile;
    private String csrPolicy = "auto";
    private String csrAutoSelector;
    private Duration agentCertLifetime = Duration.ofDays(30);
    private double agentCertRenewAt = 0.66;
    private String agentOpampEndpoint;
    private long packageMaxUploadBytes = 2L << 30;
    private int packageMaxDownloads = 256;
    private String packageBaseUrl;
    private Duration packageUrlTtl = Duration.ofHours(1);

    private Builder() {
    }

    private Builder(GatewaySettings s) {
      opampHost = s.opampHost;
      opampPort = s.opampPort;
      adminHost = s.adminHost;
      adminPort = s.adminPort;
      nodeName = s.nodeName;
      dataDir = s.dataDir;
      hazelcastConfig = s.hazelcastConfig;
      maxMessageBytes = s.maxMessageBytes;
      receiveBudgetBytes = s.receiveBudgetBytes;
      wsPingInterval = s.wsPingInterval;
      wsIdleTimeout = s.wsIdleTimeout;
      firstMessageTimeout = s.firstMessageTimeout;
      httpSessionTimeout = s.httpSessionTimeout;
      writeQueueMaxBytes = s.writeQueueMaxBytes;
      slowConsumerTimeout = s.slowConsumerTimeout;
      opampAuthToken = s.opampAuthToken;
      adminAuthToken = s.adminAuthToken;
      heartbeatIntervalSeconds = s.heartbeatIntervalSeconds;
      agentRetention = s.agentRetention;
      storeUrl = s.storeUrl;
      storeUser = s.storeUser;
      storePassword = s.storePassword;
      opampTlsCert = s.opampTlsCert;
      opampTlsKey = s.opampTlsKey;
      adminTlsCert = s.adminTlsCert;
      adminTlsKey = s.adminTlsKey;
      opampClientAuth = s.opampClientAuth;
      opampClientCa = s.opampClientCa;
      tlsReloadInterval = s.tlsReloadInterval;
      caCert = s.caCert;
      caKey = s.caKey;
      caKeySecretFile = s.caKeySecretFile;
      csrPolicy = s.csrPolicy;
      csrAutoSelector = s.csrAutoSelector;
      agentCertLifetime = s.agentCertLifetime;
      agentCertRenewAt = s.agentCertRenewAt;
      agentOpampEndpoint = s.agentOpampEndpoint;
      packageMaxUploadBytes = s.packageMaxUploadBytes;
      packageMaxDownloads = s.packageMaxDownloads;
      packageBaseUrl = s.packageBaseUrl;
      packageUrlTtl = s.packageUrlTtl;
    }

    public Builder opampHost(String value) {
      opampHost = value;
      return this;
    }

    public Builder opampPort(int value) {
      opampPort = value;
      return this;
    }

    public Builder adminHost(String value) {
      adminHost = value;
      return this;
    }

    public Builder adminPort(int value) {
      adminPort = value;
      return this;
    }

    /** {@code null} derives the name from the host name and OpAMP port again. */
    public Builder nodeName(String value) {
      nodeName = value;
      return this;
    }

    public Builder dataDir(Path value) {
      dataDir = value;
      return this;
    }

    /** {@code null} selects the built-in standalone Hazelcast config. */
    public Builder hazelcastConfig(Path value) {
      hazelcastConfig = value;
      return this;
    }

    public Builder maxMessageBytes(long value) {
      maxMessageBytes = value;
      return this;
    }

    public Builder receiveBudgetBytes(long value) {
      receiveBudgetBytes = value;
      return this;
    }

    public Builder wsPingInterval(Duration value) {
      wsPingInterval = value;
      return this;
    }

    public Builder wsIdleTimeout(Duration value) {
      wsIdleTimeout = value;
      return this;
    }

    public Builder firstMessageTimeout(Duration value) {
      firstMessageTimeout = value;
      return this;
    }

    public Builder httpSessionTimeout(Duration value) {
      httpSessionTimeout = value;
      return this;
    }

    public Builder writeQueueMaxBytes(int value) {
      writeQueueMaxBytes = value;
      return this;
    }

    public Builder slowConsumerTimeout(Duration value) {
      slowConsumerTimeout = value;
      return this;
    }

    /** {@code null} lets agents connect without a token. */
    public Builder opampAuthToken(String value) {
      opampAuthToken = value;
      return this;
    }

    /** {@code null} lets admin clients in without a token. */
    public Builder adminAuthToken(String value) {
      adminAuthToken = value;
      return this;
    }

    public Builder heartbeatIntervalSeconds(long value) {
      heartbeatIntervalSeconds = value;
      return this;
    }

    public Builder agentRetention(Duration value) {
      agentRetention = value;
      return this;
    }

    /** {@code null} selects the H2 file {@code desired-state} under the data dir. */
    public Builder storeUrl(String value) {
      storeUrl = value;
      return this;
    }

    /** {@code null} for none: the URL's or the driver's own. */
    public Builder storeUser(String value) {
      storeUser = value;
      return this;
    }

    /** {@code null} for none. */
    public Builder storePassword(String value) {
      storePassword = value;
      return this;
    }

    /** {@code null} (with the key) for plain HTTP and WS on the OpAMP port. */
    public Builder opampTlsCert(Path value) {
      opampTlsCert = value;
      return this;
    }

    public Builder opampTlsKey(Path value) {
      opampTlsKey = value;
      return this;
    }

    /** {@code null} (with the key) for plain HTTP on the admin port. */
    public Builder adminTlsCert(Path value) {
      adminTlsCert = value;
      return this;
    }

    public Builder adminTlsKey(Path value) {
      adminTlsKey = value;
      return this;
    }

    public Builder opampClientAuth(ClientAuthentication value) {
      opampClientAuth = value;
      return this;
    }

    /** {@code null} for no bundle: client certificates must chain to the gateway CA. */
    public Builder opampClientCa(Path value) {
      opampClientCa = value;
      return this;
    }

    public Builder tlsReloadInterval(Duration value) {
      tlsReloadInterval = value;
      return this;
    }

    /** {@code null} (with {@link #caKey}) has the gateway generate its CA. */
    public Builder caCert(Path value) {
      caCert = value;
      return this;
    }

    public Builder caKey(Path value) {
      caKey = value;
      return this;
    }

    /** {@code null} for {@code ca-key.secret} under the data dir. */
    public Builder caKeySecretFile(Path value) {
      caKeySecretFile = value;
      return this;
    }

    public Builder csrPolicy(String value) {
      csrPolicy = value;
      return this;
    }

    public Builder csrAutoSelector(String value) {
      csrAutoSelector = value;
      return this;
    }

    public Builder agentCertLifetime(Duration value) {
      agentCertLifetime = value;
      return this;
    }

    public Builder agentCertRenewAt(double value) {
      agentCertRenewAt = value;
      return this;
    }

    /** {@code null} derives it from the OpAMP host and port. */
    public Builder agentOpampEndpoint(String value) {
      agentOpampEndpoint = value;
      return this;
    }

    public Builder packageMaxUploadBytes(long value) {
      packageMaxUploadBytes = value;
      return this;
    }

    public Builder packageMaxDownloads(int value) {
      packageMaxDownloads = value;
      return this;
    }

    /** {@code null} uses the OpAMP listener's address. */
    public Builder packageBaseUrl(String value) {
      packageBaseUrl = value;
      return this;
    }

    public Builder packageUrlTtl(Duration value) {
      packageUrlTtl = value;
      return this;
    }

    /** The checked settings; throws {@link SettingsException} naming the first bad value. */
    public GatewaySettings build() {
      String name = nodeName != null ? nodeName : NodeNames.derived(opampPort);
      return new GatewaySettings(opampHost, opampPort, adminHost, adminPort, name, dataDir, hazelcastConfig,
          maxMessageBytes, receiveBudgetBytes, wsPingInterval, wsIdleTimeout, firstMessageTimeout,
          httpSessionTimeout, writeQueueMaxBytes, slowConsumerTimeout, opampAuthToken, adminAuthToken,
          heartbeatIntervalSeconds, agentRetention, storeUrl, storeUser, storePassword,
          opampTlsCert, opampTlsKey, adminTlsCert, adminTlsKey, opampClientAuth, opampClientCa, tlsReloadInterval,
          caCert, caKey, caKeySecretFile, csrPolicy, csrAutoSelector, agentCertLifetime, agentCertRenewAt,
          agentOpampEndpoint, packageMaxUploadBytes, packageMaxDownloads, packageBaseUrl, packageUrlTtl);
    }
  }
}
