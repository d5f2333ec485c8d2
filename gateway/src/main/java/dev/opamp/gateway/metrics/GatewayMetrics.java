package dev.opamp.gateway.metrics;

import com.hazelcast.core.HazelcastInstance;
import dev.opamp.gateway.session.SessionRegistry;
import dev.opamp.gateway.session.Transport;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmHeapPressureMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import java.util.function.ToDoubleFunction;

/**
 * The catalogue: every metric the gateway exports is named here, and only here. Names follow
 * Prometheus conventions once rendered (Micrometer adds {@code _total} to counters and the base
 * unit, {@code _bytes} or {@code _seconds}, to gauges and timers that have one). Every meter
 * carries the common tag {@code node}; no tag ever names an agent, so the number of series stays
 * the same whatever the fleet size.
 */
public final class GatewayMetrics implements AutoCloseable {

  /** The tag every meter carries: this gateway node's name. */
  public static final String NODE_TAG = "node";

  // Sessions and traffic (counted where they happen).

  /** Gauge: agent sessions held by this node, by transport. */
  public static final String AGENTS_CONNECTED = "opamp.agents.connected";
  /** Counter: sessions that claimed an agent on this node (connects), by transport. */
  public static final String SESSIONS_OPENED = "opamp.sessions.opened";
  /** Counter: sessions that let their agent go on this node (disconnects), by transport. */
  public static final String SESSIONS_CLOSED = "opamp.sessions.closed";
  /** Counter: AgentToServer messages decoded, by transport. */
  public static final String MESSAGES_RECEIVED = "opamp.messages.received";
  /** Counter: ServerToAgent messages written, by transport. */
  public static final String MESSAGES_SENT = "opamp.messages.sent";
  /** Counter: times a session's write queue filled and the server stopped reading from the agent, by transport. */
  public static final String WRITE_BACKPRESSURE = "opamp.write.backpressure";
  /** Counter: OpAMP payload bytes received (after decompression), by transport. */
  public static final String BYTES_RECEIVED = "opamp.bytes.received";
  /** Counter: OpAMP payload bytes sent (before compression), by transport. */
  public static final String BYTES_SENT = "opamp.bytes.sent";
  /** Counter: protocol errors, by transport and reason (see {@link ErrorReason}). */
  public static final String PROTOCOL_ERRORS = "opamp.protocol.errors";
  /** Counter: ReportFullState requests, by reason (gap, missing_state). */
  public static final String FULL_STATE_REQUESTS = "opamp.full.state.requests";
  /** Counter: instance uids the server assigned, by reason (requested, invalid, duplicate). */
  public static final String UIDS_ASSIGNED = "opamp.instance.uids.assigned";
  /** Counter: writes to the fleet map, by outcome (changed, unchanged, failed). */
  public static final String FLEET_WRITES = "opamp.fleet.writes";
  /** Counter: connections or requests refused before any message, by reason. */
  public static final String CONNECTIONS_REFUSED = "opamp.connections.refused";
  /** Gauge: bytes of inbound messages being assembled or decoded on this node now. */
  public static final String RECEIVE_BUDGET_IN_USE = "opamp.receive.budget.in.use";
  /** Gauge: the node-wide receive budget, in bytes ({@code --receive-budget}). */
  public static final String RECEIVE_BUDGET_LIMIT = "opamp.receive.budget.limit";

  // TLS (see dev.opamp.gateway.tls).

  /** Counter: TLS material put in force without a restart, or refused, by listener and outcome. */
  public static final String TLS_RELOADS = "opamp.tls.reloads";
  /** Gauge: days until the serving certificate expires, by listener; exported only by listeners with TLS. */
  public static final String TLS_CERTIFICATE_EXPIRY = "opamp.tls.certificate.expiry.days";
  /** Counter: client certificates refused at the OpAMP listener's handshake, by reason (untrusted, revoked). */
  public static final String TLS_CLIENT_CERTIFICATES_REFUSED = "opamp.tls.client.certificates.refused";
  /** Counter: TLS handshakes that failed (any reason: no or bad client certificate, plain HTTP, old protocol), by listener. */
  public static final String TLS_HANDSHAKE_FAILURES = "opamp.tls.handshake.failures";
  /** The catalogue names exported only when a listener serves TLS. */
  public static final java.util.Set<String> ONLY_WITH_TLS = java.util.Set.of(TLS_CERTIFICATE_EXPIRY);
  /** Outcomes of {@link #TLS_RELOADS}. */
  public static final String TLS_RELOAD_SUCCESS = "success";
  public static final String TLS_RELOAD_FAILURE = "failure";

  // The agents this node holds, by what their records store (a live census, AgentCensus).

  /** Gauge: agents connected to this node, by stored health. */
  public static final String AGENTS_HEALTH = "opamp.agents.health";
  /** Gauge: agents connected to this node, by stored remote-config status. */
  public static final String AGENTS_REMOTE_CONFIG = "opamp.agents.remote.config";
  /** Gauge: seconds since this node's census was last brought up to date (0: it is kept live). */
  public static final String AGENTS_CENSUS_AGE = "opamp.agents.census.age";

  // Desired state.

  /** Gauge: rollouts in the cluster by state; the same on every node (aggregate with max). */
  public static final String ROLLOUTS = "opamp.rollouts";

  // Credentials.

  /** Counter: agent certificates this node signed, by mode (auto, selector, manual, renewal, rotation). */
  public static final String CREDENTIAL_SIGNINGS = "opamp.credentials.signings";
  /** Counter: certificate requests refused, by reason (not_pem, bad_signature, unsupported_key, ...). */
  public static final String CSR_REJECTIONS = "opamp.credentials.csr.rejections";
  /** Counter: agent certificates replaced before expiry, by trigger (renewal, forced). */
  public static final String CERTIFICATE_ROTATIONS = "opamp.credentials.rotations";
  /** Counter: agent certificates revoked through this node. */
  public static final String CERTIFICATE_REVOCATIONS = "opamp.credentials.revocations";
  /**
   * Gauge: days until the nearest expiry among the agents' current certificates whose record this
   * node holds the primary copy of (aggregate with min); NaN when there is none.
   */
  public static final String AGENT_CERTIFICATE_EXPIRY = "opamp.credentials.agent.certificate.expiry.days";

  // Packages.

  /** Counter: PackagesAvailable offers sent to agents. */
  public static final String PACKAGE_OFFERS = "opamp.package.offers";
  /** Counter: package statuses agents reported, by state (installed, install_pending, installing, install_failed, downloading). */
  public static final String PACKAGE_STATUSES = "opamp.package.statuses";
  /** Counter: package file bytes sent to agents. */
  public static final String PACKAGE_DOWNLOAD_BYTES = "opamp.package.download.bytes";
  /** Gauge: package downloads in progress on this node. */
  public static final String PACKAGE_DOWNLOADS_ACTIVE = "opamp.package.downloads.active";
  /** Counter: package downloads refused, by reason (token, busy, not_found, range). */
  public static final String PACKAGE_DOWNLOADS_REFUSED = "opamp.package.downloads.refused";

  // The cluster, as this member sees it.

  /** Gauge: members of the cluster this node sees, itself included. */
  public static final String CLUSTER_MEMBERS = "opamp.cluster.members";
  /** Gauge: partitions whose primary replica this node owns. */
  public static final String CLUSTER_PARTITIONS_OWNED = "opamp.cluster.partitions.owned";
  /** Counter: partition replica migrations to this node, by outcome (completed, failed). */
  public static final String CLUSTER_MIGRATIONS = "opamp.cluster.migrations";
  /** Gauge: entries whose primary replica this node owns, by map (agents, config-blobs). */
  public static final String CLUSTER_OWNED_ENTRIES = "opamp.cluster.owned.entries";

  // Event loops.

  /** Timer (histogram): delay between a probe being queued on an event loop and it running. */
  public static final String EVENT_LOOP_DELAY = "opamp.event.loop.delay";
  /** Gauge: how long the oldest probe still queued on an event loop has waited (0 when none). */
  public static final String EVENT_LOOP_STALL = "opamp.event.loop.stall";

  /** How often the rollout census counts the cluster's rollouts by state. */
  public static final Duration CENSUS_INTERVAL = Duration.ofSeconds(10);
  /** How often each event loop is probed. */
  public static final Duration PROBE_INTERVAL = Duration.ofMillis(500);
  /** Bucket bounds of {@link #EVENT_LOOP_DELAY}; the stall alert's 100 ms threshold is one. */
  static final Duration[] DELAY_BUCKETS = {Duration.ofMillis(1), Duration.ofMillis(5), Duration.ofMillis(10),
      Duration.ofMillis(25), Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250),
      Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofSeconds(5)};

  /** Why a message or connection was refused; the {@code reason} tag of the error counters. */
  public enum ErrorReason {
    BAD_HEADER("bad_header"),
    UNDECODABLE("undecodable"),
    OVERSIZE("oversize"),
    BAD_GZIP("bad_gzip"),
    BUDGET_EXHAUSTED("budget_exhausted"),
    SLOW_CONSUMER("slow_consumer"),
    IDLE("idle"),
    NO_FIRST_MESSAGE("no_first_message"),
    OVERSIZE_OUTBOUND("oversize_outbound"),
    WRONG_CONTENT_TYPE("wrong_content_type"),
    UNAUTHORIZED("unauthorized"),
    TEXT_FRAME("text_frame"),
    /** The client certificate names another agent than the message's instance uid. */
    CERTIFICATE_MISMATCH("certificate_mismatch");

    private final String tag;

    ErrorReason(String tag) {
      this.tag = tag;
    }

    public String tag() {
      return tag;
    }
  }

  /**
   * The tag values each tagged counter starts with at zero, so that dashboards and {@code rate()}
   * see a series before the first event; other values still count when they occur. Protocol
   * errors start with every {@link ErrorReason} but {@code unauthorized} (a refusal) and
   * {@code idle} (not counted today).
   */
  static final List<String> REFUSAL_REASONS = List.of("unauthorized", "draining", "certificate_revoked");
  static final List<String> FULL_STATE_REASONS = List.of("gap", "missing_state");
  static final List<String> SIGNING_MODES = List.of("auto", "selector", "manual", "renewal", "rotation");
  static final List<String> CSR_REJECTION_REASONS =
      List.of("not_pem", "bad_signature", "unsupported_key", "weak_key", "subject_mismatch", "rejected");
  static final List<String> ROTATION_TRIGGERS = List.of("renewal", "forced");
  static final List<String> UID_REASONS = List.of("requested", "invalid", "duplicate");
  static final List<String> FLEET_WRITE_OUTCOMES = List.of("changed", "unchanged", "failed");
  static final List<String> TLS_LISTENERS = List.of("opamp", "admin");
  static final List<String> TLS_REFUSAL_REASONS = List.of("untrusted", "revoked");
  static final List<String> PACKAGE_STATES =
      List.of("installed", "install_pending", "installing", "install_failed", "downloading");
  static final List<String> DOWNLOAD_REFUSALS = List.of("token", "busy", "not_found", "range");

  private final PrometheusMeterRegistry registry;
  private final String nodeName;
  private final AgentCensus census = new AgentCensus();
  private final List<AutoCloseable> binders = new ArrayList<>();
  private final List<AutoCloseable> sampling = new ArrayList<>();
  private final Map<Transport, Counter> received = new EnumMap<>(Transport.class);
  private final Map<Transport, Counter> sent = new EnumMap<>(Transport.class);
  private final Map<Transport, Counter> bytesIn = new EnumMap<>(Transport.class);
  private final Map<Transport, Counter> bytesOut = new EnumMap<>(Transport.class);
  private final Map<Transport, Counter> backpressure = new EnumMap<>(Transport.class);
  private final Map<String, Counter> tagged = new ConcurrentHashMap<>();
  private final Counter revocations;
  private final Counter packageOffers;
  private final Counter packageBytes;

  public GatewayMetrics(SessionRegistry sessions, String nodeName) {
    this.registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    this.nodeName = nodeName;
    // Before any meter: common tags only apply to meters registered after them.
    registry.config().commonTags(NODE_TAG, nodeName);
    for (String health : AgentCensus.HEALTH) {
      gauge(registry, AGENTS_HEALTH, "Agents connected to this node, by stored health",
          census, c -> c.health(health), "health", health);
    }
    for (String status : AgentCensus.REMOTE_CONFIG) {
      gauge(registry, AGENTS_REMOTE_CONFIG, "Agents connected to this node, by stored remote-config status",
          census, c -> c.remoteConfig(status), "status", status);
    }
    Gauge.builder(AGENTS_CENSUS_AGE, () -> 0)
        .description("Seconds since this node's census of its agents was brought up to date (0: it is kept live)")
        .baseUnit("seconds")
        .register(registry);
    for (Transport t : Transport.values()) {
      Gauge.builder(AGENTS_CONNECTED, sessions, s -> s.connected(t))
          .description("Agent sessions held by this node")
          .tag("transport", t.label())
          .register(registry);
      FunctionCounter.builder(SESSIONS_OPENED, sessions, s -> s.opened(t))
          .description("Sessions that claimed an agent on this node (connects)")
          .tag("transport", t.label())
          .register(registry);
      FunctionCounter.builder(SESSIONS_CLOSED, sessions, s -> s.closed(t))
          .description("Sessions that let their agent go on this node (disconnects)")
          .tag("transport", t.label())
          .register(registry);
      received.put(t, counter(MESSAGES_RECEIVED, "AgentToServer messages decoded", "transport", t.label()));
      sent.put(t, counter(MESSAGES_SENT, "ServerToAgent messages written", "transport", t.label()));
      bytesIn.put(t, counter(BYTES_RECEIVED, "OpAMP payload bytes received, after decompression", "transport", t.label()));
      bytesOut.put(t, counter(BYTES_SENT, "OpAMP payload bytes sent, before compression", "transport", t.label()));
      backpressure.put(t, counter(WRITE_BACKPRESSURE,
          "Times a session's write queue filled and reading from the agent stopped", "transport", t.label()));
      for (ErrorReason reason : ErrorReason.values()) {
        if (reason != ErrorReason.UNAUTHORIZED && reason != ErrorReason.IDLE) {
          protocolErrors(t, reason);
        }
      }
    }
    REFUSAL_REASONS.forEach(this::refusals);
    FULL_STATE_REASONS.forEach(this::fullStateRequests);
    UID_REASONS.forEach(this::uidsAssigned);
    FLEET_WRITE_OUTCOMES.forEach(this::fleetWrites);
    SIGNING_MODES.forEach(this::signings);
    CSR_REJECTION_REASONS.forEach(this::csrRejections);
    ROTATION_TRIGGERS.forEach(this::rotations);
    revocations = counter(CERTIFICATE_REVOCATIONS, "Agent certificates revoked");
    for (String listener : TLS_LISTENERS) {
      tlsReloads(listener, TLS_RELOAD_SUCCESS);
      tlsReloads(listener, TLS_RELOAD_FAILURE);
      tlsHandshakeFailures(listener);
    }
    TLS_REFUSAL_REASONS.forEach(this::tlsRefusals);
    PACKAGE_STATES.forEach(this::packageStatuses);
    DOWNLOAD_REFUSALS.forEach(this::downloadRefusals);
    packageOffers = counter(PACKAGE_OFFERS, "PackagesAvailable offers sent to agents");
    packageBytes = Counter.builder(PACKAGE_DOWNLOAD_BYTES).description("Package file bytes sent to agents")
        .baseUnit("bytes").register(registry);
    bindJvm();
  }

  private void bindJvm() {
    JvmGcMetrics gc = new JvmGcMetrics();
    gc.bindTo(registry);
    binders.add(gc);
    JvmHeapPressureMetrics pressure = new JvmHeapPressureMetrics();
    pressure.bindTo(registry);
    binders.add(pressure);
    new JvmMemoryMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ClassLoaderMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new FileDescriptorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
  }

  public MeterRegistry registry() {
    return registry;
  }

  /** The Prometheus text exposition of every meter. */
  public String scrape() {
    return registry.scrape();
  }

  public void messageReceived(Transport t, long bytes) {
    received.get(t).increment();
    bytesIn.get(t).increment(bytes);
  }

  public void messageSent(Transport t, long bytes) {
    sent.get(t).increment();
    bytesOut.get(t).increment(bytes);
  }

  /** A session's write queue filled: the agent reads slower than the server writes. */
  public void writeBackpressure(Transport t) {
    backpressure.get(t).increment();
  }

  public void protocolError(Transport t, ErrorReason reason) {
    protocolErrors(t, reason).increment();
  }

  public void connectionRefused(String reason) {
    refusals(reason).increment();
  }

  public void fullStateRequested(String reason) {
    fullStateRequests(reason).increment();
  }

  public void uidAssigned(String reason) {
    uidsAssigned(reason).increment();
  }

  public void fleetWrite(String outcome) {
    fleetWrites(outcome).increment();
  }

  /** TLS material of a listener was put in force ({@link #TLS_RELOAD_SUCCESS}) or refused. */
  public void tlsReload(String listener, String outcome) {
    tlsReloads(listener, outcome).increment();
  }

  /** A client certificate was refused at the handshake: {@code untrusted} or {@code revoked}. */
  public void tlsClientRefused(String reason) {
    tlsRefusals(reason).increment();
  }

  public void tlsHandshakeFailed(String listener) {
    tlsHandshakeFailures(listener).increment();
  }

  /** Registers the gauge of the days left before a listener's serving certificate expires. */
  public void tlsCertificateExpiry(String listener, java.util.function.DoubleSupplier days) {
    Gauge.builder(TLS_CERTIFICATE_EXPIRY, days::getAsDouble)
        .description("Days until the listener's serving TLS certificate expires (negative once expired)")
        .tag("listener", listener)
        .strongReference(true)
        .register(registry);
  }

  /** An agent certificate was signed; {@code mode} says why (auto, selector, manual, renewal, rotation). */
  public void certificateSigned(String mode) {
    signings(mode).increment();
  }

  public void csrRejected(String reason) {
    csrRejections(reason).increment();
  }

  /** A current certificate was replaced before expiry; {@code trigger} is renewal or forced. */
  public void certificateRotated(String trigger) {
    rotations(trigger).increment();
  }

  public void certificatesRevoked(int count) {
    revocations.increment(count);
  }

  /** Registers the gauge of days to the nearest agent-certificate expiry (NaN: none). */
  public void agentCertificateExpiry(java.util.function.DoubleSupplier days) {
    Gauge.builder(AGENT_CERTIFICATE_EXPIRY, days::getAsDouble)
        .description("Days until the nearest expiry among agents' current certificates held here (min across nodes)")
        .strongReference(true)
        .register(registry);
  }

  public void packagesOffered() {
    packageOffers.increment();
  }

  public void packageStatusReported(String state) {
    packageStatuses(state).increment();
  }

  public void packageDownloadBytes(long bytes) {
    packageBytes.increment(bytes);
  }

  public void packageDownloadRefused(String reason) {
    downloadRefusals(reason).increment();
  }

  /** Registers the gauge of package downloads in progress on this node. */
  public void packageDownloadsActive(java.util.function.IntSupplier active) {
    Gauge.builder(PACKAGE_DOWNLOADS_ACTIVE, active::getAsInt)
        .description("Package downloads in progress on this node")
        .register(registry);
  }

  /** Registers the gauge of the node-wide receive budget. */
  public void receiveBudget(LongSupplier inUse) {
    Gauge.builder(RECEIVE_BUDGET_IN_USE, inUse::getAsLong)
        .description("Bytes of inbound messages being assembled or decoded now")
        .baseUnit("bytes")
        .register(registry);
  }

  /** The live count of this node's agents by stored health and remote-config status. */
  public AgentCensus census() {
    return census;
  }

  /** Registers the gauge of the receive budget's size, so dashboards can show how full it is. */
  public void receiveBudgetLimit(long bytes) {
    Gauge.builder(RECEIVE_BUDGET_LIMIT, () -> bytes)
        .description("The node-wide receive budget")
        .baseUnit("bytes")
        .register(registry);
  }

  /**
   * Starts what is sampled rather than counted: the cluster gauges and migration counter, the
   * census of the cluster's rollouts (every {@link #CENSUS_INTERVAL}, on a worker thread) and the
   * event-loop probe. {@link #stopSampling()} (or {@link #close()}) ends it.
   */
  public synchronized void startSampling(Vertx vertx, HazelcastInstance hazelcast) {
    ClusterMeters cluster = new ClusterMeters(hazelcast);
    sampling.add(cluster.bindTo(registry));
    RolloutCensus rollouts = new RolloutCensus(vertx, hazelcast, CENSUS_INTERVAL);
    rollouts.bindTo(registry);
    sampling.add(rollouts);
    EventLoopProbe probe = EventLoopProbe.forVertx(vertx, PROBE_INTERVAL, registry);
    if (probe != null) {
      sampling.add(probe);
    }
  }

  /** Stops the periodic census, the event-loop probe and the cluster listeners; idempotent. */
  public synchronized void stopSampling() {
    for (AutoCloseable c : sampling) {
      closeQuietly(c);
    }
    sampling.clear();
  }

  static Timer.Builder eventLoopDelay() {
    return Timer.builder(EVENT_LOOP_DELAY)
        .description("Delay between a probe task being queued on an event loop and it running")
        .serviceLevelObjectives(DELAY_BUCKETS)
        .maximumExpectedValue(DELAY_BUCKETS[DELAY_BUCKETS.length - 1]);
  }

  static <T> void gauge(MeterRegistry registry, String name, String description, T source,
      ToDoubleFunction<T> value, String... tags) {
    Gauge.builder(name, source, value).description(description).tags(tags).strongReference(true).register(registry);
  }

  private Counter protocolErrors(Transport t, ErrorReason reason) {
    return tagged(PROTOCOL_ERRORS, "Protocol errors", "transport", t.label(), "reason", reason.tag());
  }

  private Counter refusals(String reason) {
    return tagged(CONNECTIONS_REFUSED, "Connections or requests refused before any message", "reason", reason);
  }

  private Counter packageStatuses(String state) {
    return tagged(PACKAGE_STATUSES, "Package statuses agents reported", "state", state);
  }

  private Counter downloadRefusals(String reason) {
    return tagged(PACKAGE_DOWNLOADS_REFUSED, "Package downloads refused", "reason", reason);
  }

  private Counter fullStateRequests(String reason) {
    return tagged(FULL_STATE_REQUESTS, "ReportFullState requests sent to agents", "reason", reason);
  }

  private Counter uidsAssigned(String reason) {
    return tagged(UIDS_ASSIGNED, "Instance uids assigned by the server", "reason", reason);
  }

  private Counter fleetWrites(String outcome) {
    return tagged(FLEET_WRITES, "Writes of agent records to the fleet map", "outcome", outcome);
  }

  private Counter tlsReloads(String listener, String outcome) {
    return tagged(TLS_RELOADS, "TLS material reloads without a restart", "listener", listener, "outcome", outcome);
  }

  private Counter tlsRefusals(String reason) {
    return tagged(TLS_CLIENT_CERTIFICATES_REFUSED, "Client certificates refused at the handshake", "reason", reason);
  }

  private Counter tlsHandshakeFailures(String listener) {
    return tagged(TLS_HANDSHAKE_FAILURES, "TLS handshakes that failed", "listener", listener);
  }

  private Counter signings(String mode) {
    return tagged(CREDENTIAL_SIGNINGS, "Agent certificates signed", "mode", mode);
  }

  private Counter csrRejections(String reason) {
    return tagged(CSR_REJECTIONS, "Certificate requests refused", "reason", reason);
  }

  private Counter rotations(String trigger) {
    return tagged(CERTIFICATE_ROTATIONS, "Agent certificates replaced before expiry", "trigger", trigger);
  }

  private Counter tagged(String name, String description, String... tags) {
    String key = name + "|" + String.join("|", tags);
    return tagged.computeIfAbsent(key, k -> counter(name, description, tags));
  }

  private Counter counter(String name, String description, String... tags) {
    return Counter.builder(name).description(description).tags(tags).register(registry);
  }

  private static void closeQuietly(AutoCloseable c) {
    try {
      c.close();
    } catch (Exception ignored) {
      // closing a binder or sampler only stops its listeners and timers
    }
  }

  @Override
  public void close() {
    stopSampling();
    binders.forEach(GatewayMetrics::closeQuietly);
    registry.close();
  }
}
