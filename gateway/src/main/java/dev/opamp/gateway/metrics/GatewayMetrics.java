package dev.opamp.gateway.metrics;

import dev.opamp.gateway.session.SessionRegistry;
import dev.opamp.gateway.session.Transport;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The catalogue: every metric the gateway exports is named here, and only here. Names follow
 * Prometheus conventions once rendered (Micrometer adds {@code _total} to counters).
 */
public final class GatewayMetrics implements AutoCloseable {

  /** Gauge: agent sessions held by this node, by transport. */
  public static final String AGENTS_CONNECTED = "opamp.agents.connected";
  /** Counter: AgentToServer messages decoded, by transport. */
  public static final String MESSAGES_RECEIVED = "opamp.messages.received";
  /** Counter: ServerToAgent messages written, by transport. */
  public static final String MESSAGES_SENT = "opamp.messages.sent";
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
    TEXT_FRAME("text_frame");

    private final String tag;

    ErrorReason(String tag) {
      this.tag = tag;
    }

    public String tag() {
      return tag;
    }
  }

  private final PrometheusMeterRegistry registry;
  private final List<AutoCloseable> binders;
  private final Map<Transport, Counter> received = new EnumMap<>(Transport.class);
  private final Map<Transport, Counter> sent = new EnumMap<>(Transport.class);
  private final Map<Transport, Counter> bytesIn = new EnumMap<>(Transport.class);
  private final Map<Transport, Counter> bytesOut = new EnumMap<>(Transport.class);
  private final Map<String, Counter> tagged = new ConcurrentHashMap<>();

  public GatewayMetrics(SessionRegistry sessions) {
    this.registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    for (Transport t : Transport.values()) {
      Gauge.builder(AGENTS_CONNECTED, sessions, s -> s.connected(t))
          .description("Agent sessions held by this node")
          .tag("transport", t.label())
          .register(registry);
      received.put(t, counter(MESSAGES_RECEIVED, "AgentToServer messages decoded", "transport", t.label()));
      sent.put(t, counter(MESSAGES_SENT, "ServerToAgent messages written", "transport", t.label()));
      bytesIn.put(t, counter(BYTES_RECEIVED, "OpAMP payload bytes received, after decompression", "transport", t.label()));
      bytesOut.put(t, counter(BYTES_SENT, "OpAMP payload bytes sent, before compression", "transport", t.label()));
    }
    JvmGcMetrics gc = new JvmGcMetrics();
    gc.bindTo(registry);
    new JvmMemoryMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    this.binders = List.of(gc);
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

  public void protocolError(Transport t, ErrorReason reason) {
    tagged(PROTOCOL_ERRORS, "Protocol errors", "transport", t.label(), "reason", reason.tag()).increment();
  }

  public void connectionRefused(String reason) {
    tagged(CONNECTIONS_REFUSED, "Connections or requests refused before any message", "reason", reason).increment();
  }

  public void fullStateRequested(String reason) {
    tagged(FULL_STATE_REQUESTS, "ReportFullState requests sent to agents", "reason", reason).increment();
  }

  public void uidAssigned(String reason) {
    tagged(UIDS_ASSIGNED, "Instance uids assigned by the server", "reason", reason).increment();
  }

  public void fleetWrite(String outcome) {
    tagged(FLEET_WRITES, "Writes of agent records to the fleet map", "outcome", outcome).increment();
  }

  /** Registers the gauge of the node-wide receive budget. */
  public void receiveBudget(java.util.function.LongSupplier inUse) {
    Gauge.builder(RECEIVE_BUDGET_IN_USE, inUse::getAsLong)
        .description("Bytes of inbound messages being assembled or decoded now")
        .baseUnit("bytes")
        .register(registry);
  }

  private Counter tagged(String name, String description, String... tags) {
    String key = name + String.join("|", tags);
    return tagged.computeIfAbsent(key, k -> counter(name, description, tags));
  }

  private Counter counter(String name, String description, String... tags) {
    return Counter.builder(name).description(description).tags(tags).register(registry);
  }

  @Override
  public void close() {
    for (AutoCloseable b : binders) {
      try {
        b.close();
      } catch (Exception ignored) {
        // closing a binder only stops its listeners
      }
    }
    registry.close();
  }
}
