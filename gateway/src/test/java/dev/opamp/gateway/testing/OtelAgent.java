package dev.opamp.gateway.testing;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageOrBuilder;
import com.google.protobuf.TextFormat;
import dev.opamp.gateway.proto.AgentConfigFile;
import dev.opamp.gateway.proto.AgentRemoteConfig;
import dev.opamp.gateway.proto.AgentToServer;
import dev.opamp.gateway.proto.ServerErrorResponse;
import dev.opamp.gateway.proto.ServerToAgent;
import io.opentelemetry.opamp.client.OpampClient;
import io.opentelemetry.opamp.client.OpampClientBuilder;
import io.opentelemetry.opamp.client.internal.connectivity.http.HttpSender;
import io.opentelemetry.opamp.client.internal.connectivity.http.OkHttpSender;
import io.opentelemetry.opamp.client.internal.connectivity.websocket.OkHttpWebSocket;
import io.opentelemetry.opamp.client.internal.connectivity.websocket.WebSocket;
import io.opentelemetry.opamp.client.internal.request.delay.PeriodicDelay;
import io.opentelemetry.opamp.client.internal.request.delay.RetryPeriodicDelay;
import io.opentelemetry.opamp.client.internal.request.service.HttpRequestService;
import io.opentelemetry.opamp.client.internal.request.service.WebSocketRequestService;
import io.opentelemetry.opamp.client.internal.response.MessageData;
import io.opentelemetry.opamp.client.internal.state.State;
import io.opentelemetry.opamp.client.request.service.RequestService;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import okhttp3.OkHttpClient;

/**
 * A real third-party OpAMP agent for tests: the OpenTelemetry Java OpAMP client
 * ({@code io.opentelemetry.contrib:opentelemetry-opamp-client:1.53.0-alpha}), wrapped so that a
 * test can start it against a server, see every message it sends and receives (decoded with our
 * own {@code dev.opamp.gateway.proto} classes), wait for conditions, and stop it.
 *
 * <pre>{@code
 * try (OtelAgent agent = OtelAgent.builder("ws://127.0.0.1:" + port + "/v1/opamp")
 *         .serviceName("checkout")
 *         .nonIdentifyingAttribute("host.name", "box-1")
 *         .effectiveConfig("collector.yaml", "receivers: {otlp: {}}\n")
 *         .start()) {
 *   agent.awaitConnected(Duration.ofSeconds(5));
 *   AgentToServer first = agent.awaitSent(0, Duration.ofSeconds(5));
 *   ...
 * }
 * }</pre>
 *
 * <p>The scheme picks the transport: {@code http://} (plain HTTP polling) or {@code ws://}
 * (WebSocket). Recording happens at the transport boundary (a recording {@code HttpSender} /
 * {@code WebSocket} around the client's OkHttp ones), so what {@link #sent()} shows is exactly the
 * bytes the client put on the wire, and {@link #received()} exactly what the server answered.
 *
 * <h2>How the client behaves</h2>
 *
 * <p>Read from the client's 1.53.0-alpha source; everything marked (T) is also pinned down by
 * {@code OtelAgentTest} against a real socket.
 *
 * <p><b>What it sends.</b> The client only ever fills these AgentToServer fields: {@code
 * instance_uid}, {@code sequence_num}, {@code capabilities} (these three in every message),
 * {@code agent_description}, {@code effective_config}, {@code remote_config_status} and {@code
 * agent_disconnect}. It never sets {@code flags} (so never RequestInstanceUid) (T), health,
 * package statuses, custom capabilities or messages, available components, or connection-settings
 * request or status, and it has no heartbeat of its own.
 *
 * <ul>
 *   <li><b>capabilities</b> are only the bits its builder was asked for: AcceptsRemoteConfig and
 *       ReportsRemoteConfig ({@code enableRemoteConfig()}), ReportsEffectiveConfig ({@code
 *       enableEffectiveConfigReporting()}) (T). <b>ReportsStatus (0x1) is never set</b>, although
 *       the specification requires it of every agent: a server must not ignore the status of an
 *       agent without that bit. With neither option the value is 0, so the field is absent from
 *       the encoded message.
 *   <li><b>instance_uid</b> is 16 bytes, a UUID v7 made by the client unless its builder is given
 *       one; this wrapper makes it with the client's own generator so it is known in advance (T).
 *   <li><b>sequence_num</b> starts at 1 and grows by one each time a message is <i>built</i>, even
 *       when that message is then not delivered (T; see below).
 *   <li><b>The first message</b> (sequence 1) carries the three parts it can compress (T): {@code
 *       agent_description} (identifying and non-identifying attributes), {@code effective_config}
 *       (whatever the effective-config state returns, if one was given, whether or not
 *       ReportsEffectiveConfig is declared (T)) and {@code remote_config_status} (an <i>empty</i>
 *       message, present even when remote config is not enabled (T)).
 *   <li><b>Later messages</b> carry only uid, sequence and capabilities (T), plus what changed:
 *       {@code setAgentDescription} / {@code setRemoteConfigStatus} with a value different from the
 *       current one, or the effective-config state's {@code notifyUpdate()}. Each change sends a
 *       message at once (T), carrying just that part. The client never re-reads the effective
 *       config by itself.
 * </ul>
 *
 * <p><b>What it does with a ServerToAgent.</b> It ignores the reply's {@code instance_uid}
 * entirely (no check that it matches) and acts on three things only:
 *
 * <ul>
 *   <li>{@code flags & ReportFullState}: the <i>next</i> message it builds carries description,
 *       effective config and remote-config status again. It does not send that message because of
 *       the flag: over HTTP it goes out at the next poll (T); over WebSocket only when something
 *       else makes the client send (T; here {@link #sendStatusNow()}). ReportAvailableComponents
 *       is ignored.
 *   <li>{@code agent_identification.new_instance_uid}, if non-empty: adopted as is (no length
 *       check) for every later message (T); nothing extra is sent for it (T).
 *   <li>{@code remote_config}: handed to {@code Callbacks.onMessage}, whose MessageData carries
 *       nothing else (T). Connection settings, packages, commands and custom messages are ignored
 *       and reach no callback.
 * </ul>
 *
 * <p>A reply with {@code error_response} is an error <i>instead of</i> a message: its flags,
 * identification and remote config are ignored; {@code Callbacks.onErrorResponse} is called (T);
 * the parts of the failed message are merged into the next one, which therefore repeats its
 * description and effective config under the next sequence number (T). UNAVAILABLE makes the
 * client back off: over HTTP the next request waits {@code retry_info.retry_after_nanoseconds}
 * (T), or the retry interval doubling per failure without retry info; over WebSocket the client
 * closes the socket with code 1000 and reconnects after that delay (T). BAD_REQUEST and UNKNOWN
 * change nothing else: the next HTTP poll comes at the normal interval (T).
 *
 * <p><b>HTTP.</b> Each message is a {@code POST} to the endpoint with {@code Content-Type:
 * application/x-protobuf}, a {@code Content-Length}, an uncompressed body and OkHttp's own {@code
 * Accept-Encoding: gzip} (OkHttp inflates a gzip response itself) (T); <b>no {@code
 * OpAMP-Instance-UID} header</b> (T) and no authentication. The first request goes out at start
 * (T). After each request the client schedules the next one a polling interval later (30 s by
 * default; here {@link Builder#pollingInterval}, 1 s unless set) (T); a state change sends at once
 * and restarts that timer. It waits up to 30 s for a response. An offered {@code
 * heartbeat_interval_seconds} is ignored: the interval never changes. {@code onConnect} is
 * called for every response whatever its status (T). A 2xx body is decoded as ServerToAgent (the
 * response Content-Type is not checked; an empty body is an empty message). A non-2xx status
 * calls neither onMessage nor onErrorResponse but merges the failed message's parts into the next
 * one (T) — even for 413, whose content the specification says must not be resent; 503 and 429
 * also switch to the retry delay, honouring {@code Retry-After} in seconds or as an HTTP date. A
 * connection failure (or an undecodable body) calls {@code onConnectFailed}, switches to the
 * retry delay and <b>loses that message's parts</b>: the next one carries only uid, the already
 * advanced sequence and capabilities (T) — a server sees sequence 2 without ever having had a
 * description, and must ask for ReportFullState.
 *
 * <p><b>WebSocket.</b> An OkHttp WebSocket (upgrade request with {@code
 * Sec-WebSocket-Extensions: permessage-deflate}, no subprotocol, no Content-Type, no uid header
 * (T)); each message is one binary frame: the varint header 0 (a single 0 byte) then the
 * AgentToServer bytes (T). For incoming frames the client reads a varint, skips it <i>whatever
 * its value</i> (a non-zero header is not rejected (T)) and decodes the rest. The client builds
 * its first message before the socket is open, so that message (sequence 1, with description and
 * effective config) is <b>built and dropped</b> ({@link #dropped()}) (T); once the socket opens it
 * sends a fresh one, sequence 2, with only uid, sequence and capabilities (T). A server therefore
 * never sees this agent's description on WebSocket unless it answers ReportFullState <i>and</i>
 * the agent later sends for another reason: there is no periodic traffic on WebSocket at all (T).
 * A remote config offer is such a reason when the agent applies it and reports its status.
 *
 * <ul>
 *   <li>Connection lost (EOF, reset): {@code onConnectFailed}, then a reconnect after the retry
 *       delay (here 1 s, doubling while it keeps failing) (T). On the new connection it sends
 *       nothing until a state change, and then without the full state (T).
 *   <li><b>Server-initiated close frame: the client gets stuck.</b> It never answers the close
 *       (the server sees 1006 once it gives up), OkHttp reports neither closed nor failed, the
 *       client never reconnects, and every later message is dropped (T). To make this client go
 *       away and come back (draining a node, say), send {@code error_response} UNAVAILABLE with
 *       {@code retry_info}: it then closes by itself and reconnects after the delay (T).
 * </ul>
 *
 * <p><b>Stopping.</b> {@code OpampClient.close()} puts {@code agent_disconnect} into the next
 * message. Over WebSocket that message is sent at once, then the socket is closed with code 1000
 * (T). Over HTTP the client only shuts its executor down: the already scheduled poll still runs
 * and carries the disconnect at the next polling tick (T), and nothing follows it (T). If the
 * client is closed while a request is in flight, the next poll cannot be scheduled any more and
 * <b>the disconnect is never sent</b> (T; {@link #closeNow()}). {@link #close()} here avoids that
 * by waiting until no request is in flight, then waits for the disconnect, then frees OkHttp's
 * threads.
 *
 * <p>All recording methods are thread-safe and return snapshots. {@link #await} and the {@code
 * await*} helpers re-check their condition at least every 20 ms, so a condition may also look at
 * state outside this class (what a test server recorded, say).
 */
public final class OtelAgent implements AutoCloseable {

  /** The MIME type this wrapper gives every effective-config file. */
  public static final String YAML_CONTENT_TYPE = "text/yaml";

  /** How the agent talks to the server, from the endpoint's scheme. */
  public enum Transport {
    HTTP,
    WEBSOCKET
  }

  /** What happened, in order; {@link Event#detail()} holds the message or value. */
  public enum EventKind {
    /** An AgentToServer reached the server (HTTP: a response came back; WebSocket: queued). */
    SENT,
    /** An AgentToServer the client built but could not deliver. */
    DROPPED,
    /** A ServerToAgent from the server (HTTP: a 2xx body; WebSocket: a frame's payload). */
    RECEIVED,
    /** An HTTP response status (Integer). */
    HTTP_STATUS,
    /** The client's onConnect callback. */
    CONNECTED,
    /** The client's onConnectFailed callback (the Throwable, or null). */
    CONNECT_FAILED,
    /** The client's onErrorResponse callback (our ServerErrorResponse). */
    ERROR_RESPONSE,
    /** The client's onMessage callback with a remote config (our AgentRemoteConfig). */
    REMOTE_CONFIG,
    /** The WebSocket opened. */
    SOCKET_OPEN,
    /** The WebSocket closed or failed (a String saying which). */
    SOCKET_CLOSED,
    /** Bytes from the server that our classes could not decode (a String). */
    UNDECODABLE
  }

  /** One recorded event. */
  public record Event(EventKind kind, long nanoTime, Object detail) {
    @Override
    public String toString() {
      Object d = detail instanceof MessageOrBuilder ? oneLine((MessageOrBuilder) detail) : detail;
      return kind + (d == null ? "" : " " + d);
    }
  }

  /** Starts describing an agent that will talk to {@code endpoint} (http:// or ws://). */
  public static Builder builder(String endpoint) {
    return new Builder(endpoint);
  }

  /** Configures and starts an {@link OtelAgent}. */
  public static final class Builder {
    private final String endpoint;
    private final Map<String, String> identifying = new LinkedHashMap<>();
    private final Map<String, String> nonIdentifying = new LinkedHashMap<>();
    private final Map<String, String> effectiveConfig = new LinkedHashMap<>();
    private boolean reportEffectiveConfig = true;
    private boolean acceptRemoteConfig = false;
    private Duration pollingInterval = Duration.ofSeconds(1);
    private Duration retryInterval = Duration.ofSeconds(1);
    private UUID instanceUid;

    private Builder(String endpoint) {
      this.endpoint = Objects.requireNonNull(endpoint);
    }

    /** The {@code service.name} identifying attribute. */
    public Builder serviceName(String serviceName) {
      return identifyingAttribute("service.name", serviceName);
    }

    /** Any identifying attribute (string valued). */
    public Builder identifyingAttribute(String key, String value) {
      identifying.put(key, value);
      return this;
    }

    /** A non-identifying attribute (string valued). */
    public Builder nonIdentifyingAttribute(String key, String value) {
      nonIdentifying.put(key, value);
      return this;
    }

    /** Several non-identifying attributes. */
    public Builder nonIdentifyingAttributes(Map<String, String> attributes) {
      nonIdentifying.putAll(attributes);
      return this;
    }

    /**
     * One effective-config file: name → YAML body (sent as {@value #YAML_CONTENT_TYPE}). With no
     * file at all the agent reports an empty effective config (the field is still present).
     */
    public Builder effectiveConfig(String fileName, String yamlBody) {
      effectiveConfig.put(fileName, yamlBody);
      return this;
    }

    /** Several effective-config files: name → YAML body. */
    public Builder effectiveConfig(Map<String, String> files) {
      effectiveConfig.putAll(files);
      return this;
    }

    /**
     * Whether to declare ReportsEffectiveConfig (default true). The configured files are sent
     * either way: the client does not tie the two together.
     */
    public Builder reportEffectiveConfig(boolean report) {
      this.reportEffectiveConfig = report;
      return this;
    }

    /**
     * Declares AcceptsRemoteConfig and ReportsRemoteConfig (default off) and applies what the
     * server offers: the offered files replace the effective config (bodies read as UTF-8), which
     * is then reported, and the remote-config status becomes APPLIED with the offered hash.
     */
    public Builder acceptRemoteConfig(boolean accept) {
      this.acceptRemoteConfig = accept;
      return this;
    }

    /** HTTP only: time between polls (client default 30 s; here 1 s unless set). */
    public Builder pollingInterval(Duration interval) {
      this.pollingInterval = Objects.requireNonNull(interval);
      return this;
    }

    /**
     * First retry delay after a failure or an UNAVAILABLE answer without retry info; the client
     * doubles it on each further failure (client default 30 s; here 1 s unless set).
     */
    public Builder retryInterval(Duration interval) {
      this.retryInterval = Objects.requireNonNull(interval);
      return this;
    }

    /** A fixed instance uid instead of a fresh UUID v7. */
    public Builder instanceUid(UUID uid) {
      this.instanceUid = uid;
      return this;
    }

    /** Builds the client and starts it: the first message is built at once. */
    public OtelAgent start() {
      return new OtelAgent(this);
    }
  }

  private final Transport transport;
  private final String endpoint;
  private final Duration pollingInterval;
  private final boolean acceptRemoteConfig;
  private final UUID initialUid;
  private final OkHttpClient okHttp;
  private final EffectiveConfigState configState;
  private final OpampClient client;
  private final Map<String, String> identifying;
  private final AtomicBoolean closed = new AtomicBoolean();

  private final Object lock = new Object();
  private long version; // guarded by lock; bumped on every recorded event
  private final List<Event> events = new ArrayList<>();
  private final List<AgentToServer> sent = new ArrayList<>();
  private final List<AgentToServer> dropped = new ArrayList<>();
  private final List<ServerToAgent> received = new ArrayList<>();
  private final List<ServerErrorResponse> errorResponses = new ArrayList<>();
  private final List<AgentRemoteConfig> remoteConfigs = new ArrayList<>();
  private final List<Throwable> connectFailures = new ArrayList<>();
  private final List<Integer> httpStatuses = new ArrayList<>();
  private int connects;
  private byte[] currentUid;
  private int httpInFlight; // guarded by lock: requests sent whose response the client still holds
  private long httpSettledNanos = System.nanoTime(); // guarded by lock
  private final AtomicBoolean clientClosed = new AtomicBoolean();

  private OtelAgent(Builder b) {
    String scheme = b.endpoint.substring(0, Math.max(0, b.endpoint.indexOf(':')));
    switch (scheme.toLowerCase(java.util.Locale.ROOT)) {
      case "http":
      case "https":
        transport = Transport.HTTP;
        break;
      case "ws":
      case "wss":
        transport = Transport.WEBSOCKET;
        break;
      default:
        throw new IllegalArgumentException("endpoint must be http(s):// or ws(s)://: " + b.endpoint);
    }
    endpoint = b.endpoint;
    pollingInterval = b.pollingInterval;
    acceptRemoteConfig = b.acceptRemoteConfig;
    identifying = Map.copyOf(b.identifying);
    byte[] uid =
        b.instanceUid != null ? toBytes(b.instanceUid) : OpampClientBuilder.createRandomInstanceUid();
    initialUid = toUuid(uid);
    currentUid = uid.clone();
    configState = new EffectiveConfigState(b.effectiveConfig);
    okHttp = new OkHttpClient.Builder().build();

    RequestService service;
    if (transport == Transport.HTTP) {
      service =
          HttpRequestService.create(
              new RecordingHttpSender(OkHttpSender.create(endpoint, okHttp)),
              PeriodicDelay.ofFixedDuration(b.pollingInterval),
              RetryPeriodicDelay.create(b.retryInterval));
    } else {
      service =
          WebSocketRequestService.create(
              new RecordingWebSocket(OkHttpWebSocket.create(endpoint, okHttp)),
              RetryPeriodicDelay.create(b.retryInterval));
    }

    OpampClientBuilder cb =
        OpampClient.builder()
            .setRequestService(service)
            .setInstanceUid(uid)
            .setEffectiveConfigState(configState);
    b.identifying.forEach(cb::putIdentifyingAttribute);
    b.nonIdentifying.forEach(cb::putNonIdentifyingAttribute);
    if (b.reportEffectiveConfig) {
      cb.enableEffectiveConfigReporting();
    }
    if (b.acceptRemoteConfig) {
      cb.enableRemoteConfig();
    }
    client = cb.build(new RecordingCallbacks());
  }

  // ---------------------------------------------------------------------------------------
  // Identity
  // ---------------------------------------------------------------------------------------

  public Transport transport() {
    return transport;
  }

  public String endpoint() {
    return endpoint;
  }

  /** The uid the agent started with. */
  public UUID initialInstanceUid() {
    return initialUid;
  }

  /**
   * The uid the client uses now: the initial one, or the last {@code new_instance_uid} it
   * adopted (tracked with the client's own rule: a non-empty value in a reply without error).
   */
  public UUID instanceUid() {
    return toUuid(instanceUidBytes());
  }

  /** {@link #instanceUid()} as 32 lower-case hex digits. */
  public String instanceUidHex() {
    return HexFormat.of().formatHex(instanceUidBytes());
  }

  /** {@link #instanceUid()} as its raw bytes (normally 16). */
  public byte[] instanceUidBytes() {
    synchronized (lock) {
      return currentUid.clone();
    }
  }

  /** {@link #instanceUidBytes()} as a protobuf ByteString, to compare with message fields. */
  public ByteString instanceUidByteString() {
    return ByteString.copyFrom(instanceUidBytes());
  }

  /** The identifying attributes it was started with. */
  public Map<String, String> identifyingAttributes() {
    return identifying;
  }

  // ---------------------------------------------------------------------------------------
  // Driving the agent
  // ---------------------------------------------------------------------------------------

  /** The effective config it reports now (file name → YAML). */
  public Map<String, String> effectiveConfig() {
    return configState.files();
  }

  /** Replaces the effective config and reports it at once. */
  public void setEffectiveConfig(Map<String, String> files) {
    configState.replace(files);
    configState.notifyUpdate();
  }

  /**
   * Makes the client send a message now, carrying its effective config and anything pending
   * (for example the full state a ReportFullState asked for). This is the only way to make the
   * WebSocket client speak without changing its state.
   */
  public void sendStatusNow() {
    configState.notifyUpdate();
  }

  /**
   * Replaces the non-identifying attributes (identifying ones stay); the client sends the new
   * description at once if it differs.
   */
  public void setNonIdentifyingAttributes(Map<String, String> attributes) {
    opamp.proto.AgentDescription.Builder d = new opamp.proto.AgentDescription.Builder();
    List<opamp.proto.KeyValue> ids = new ArrayList<>();
    identifying.forEach((k, v) -> ids.add(wireKeyValue(k, v)));
    List<opamp.proto.KeyValue> others = new ArrayList<>();
    attributes.forEach((k, v) -> others.add(wireKeyValue(k, v)));
    client.setAgentDescription(d.identifying_attributes(ids).non_identifying_attributes(others).build());
  }

  // ---------------------------------------------------------------------------------------
  // What happened
  // ---------------------------------------------------------------------------------------

  /** Every AgentToServer that reached the transport, in order. */
  public List<AgentToServer> sent() {
    synchronized (lock) {
      return List.copyOf(sent);
    }
  }

  /** Every AgentToServer the client built but could not deliver, in order. */
  public List<AgentToServer> dropped() {
    synchronized (lock) {
      return List.copyOf(dropped);
    }
  }

  /** Every ServerToAgent received, in order. */
  public List<ServerToAgent> received() {
    synchronized (lock) {
      return List.copyOf(received);
    }
  }

  /** The error responses handed to the client's onErrorResponse. */
  public List<ServerErrorResponse> errorResponses() {
    synchronized (lock) {
      return List.copyOf(errorResponses);
    }
  }

  /** The remote configs handed to the client's onMessage. */
  public List<AgentRemoteConfig> remoteConfigs() {
    synchronized (lock) {
      return List.copyOf(remoteConfigs);
    }
  }

  /** The client's onConnectFailed calls (a null cause is kept as null). */
  public List<Throwable> connectFailures() {
    synchronized (lock) {
      return Collections.unmodifiableList(new ArrayList<>(connectFailures));
    }
  }

  /** How many times onConnect was called (HTTP: once per response; WebSocket: per open). */
  public int connectCount() {
    synchronized (lock) {
      return connects;
    }
  }

  /** HTTP only: the status of every response. */
  public List<Integer> httpStatuses() {
    synchronized (lock) {
      return List.copyOf(httpStatuses);
    }
  }

  /** Everything, in order. */
  public List<Event> events() {
    synchronized (lock) {
      return List.copyOf(events);
    }
  }

  /** A readable account of {@link #events()}, for assertion messages. */
  public String describeTraffic() {
    StringBuilder sb = new StringBuilder("OtelAgent ").append(transport).append(' ').append(endpoint);
    sb.append(" uid=").append(instanceUidHex());
    for (Event e : events()) {
      sb.append("\n  ").append(e);
    }
    return sb.toString();
  }

  // ---------------------------------------------------------------------------------------
  // Waiting
  // ---------------------------------------------------------------------------------------

  /** Waits until {@code condition} holds; false on timeout. */
  public boolean await(Duration timeout, BooleanSupplier condition) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      long seen;
      synchronized (lock) {
        seen = version;
      }
      if (condition.getAsBoolean()) {
        return true;
      }
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        return false;
      }
      synchronized (lock) {
        if (version == seen) {
          try {
            lock.wait(Math.max(1, Math.min(20, TimeUnit.NANOSECONDS.toMillis(left))));
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while waiting", e);
          }
        }
      }
    }
  }

  /** Waits until {@code condition} holds, or fails with {@code what} and the traffic so far. */
  public void awaitOrFail(Duration timeout, String what, BooleanSupplier condition) {
    if (!await(timeout, condition)) {
      throw new AssertionError("timed out after " + timeout + " waiting for " + what + "\n" + describeTraffic());
    }
  }

  /** Waits for the {@code index}-th (0-based) sent message. */
  public AgentToServer awaitSent(int index, Duration timeout) {
    awaitOrFail(timeout, "sent message #" + index, () -> sentCount() > index);
    return sent().get(index);
  }

  /** Waits for the first sent message matching {@code test}. */
  public AgentToServer awaitSent(Duration timeout, Predicate<AgentToServer> test) {
    AgentToServer[] hit = new AgentToServer[1];
    awaitOrFail(timeout, "a sent message matching the test", () -> (hit[0] = first(sent(), test)) != null);
    return hit[0];
  }

  /** Waits for the {@code index}-th (0-based) received message. */
  public ServerToAgent awaitReceived(int index, Duration timeout) {
    awaitOrFail(timeout, "received message #" + index, () -> received().size() > index);
    return received().get(index);
  }

  /** Waits for the first received message matching {@code test}. */
  public ServerToAgent awaitReceived(Duration timeout, Predicate<ServerToAgent> test) {
    ServerToAgent[] hit = new ServerToAgent[1];
    awaitOrFail(
        timeout, "a received message matching the test", () -> (hit[0] = first(received(), test)) != null);
    return hit[0];
  }

  /** Waits for onConnect. */
  public void awaitConnected(Duration timeout) {
    awaitOrFail(timeout, "onConnect", () -> connectCount() > 0);
  }

  public int sentCount() {
    synchronized (lock) {
      return sent.size();
    }
  }

  private static <T> T first(List<T> items, Predicate<T> test) {
    for (T item : items) {
      if (test.test(item)) {
        return item;
      }
    }
    return null;
  }

  // ---------------------------------------------------------------------------------------
  // Stopping
  // ---------------------------------------------------------------------------------------

  /**
   * Stops the client the way it stops itself ({@code OpampClient.close()}) and waits until its
   * disconnect message is delivered or dropped, then frees OkHttp's threads and connections. Safe
   * to call twice, and after {@link #closeNow()}.
   *
   * <p>Over HTTP it first waits (up to 35 s) until no request is in flight, because the client
   * loses its disconnect when closed during a request (see the class comment); the disconnect
   * then goes out at the next polling tick, and this waits for it up to the polling interval
   * plus 5 s. Over WebSocket the disconnect is sent at once and this waits up to 5 s for the
   * socket to close.
   */
  @Override
  public void close() {
    try {
      if (!clientClosed.get()) {
        if (transport == Transport.HTTP) {
          await(Duration.ofSeconds(35), this::httpIdle);
        }
        closeNow();
        Duration wait =
            transport == Transport.HTTP ? pollingInterval.plusSeconds(5) : Duration.ofSeconds(5);
        // A dropped disconnect means the socket was not open: no close handshake to wait for.
        await(
            wait,
            () ->
                disconnectSent()
                    ? transport == Transport.HTTP || socketClosedSinceOpen()
                    : disconnectDropped());
      }
    } finally {
      if (closed.compareAndSet(false, true)) {
        okHttp.dispatcher().executorService().shutdown();
        okHttp.connectionPool().evictAll();
      }
    }
  }

  /**
   * The client's own {@code close()}, at once and without waiting for anything: over HTTP, if a
   * request is in flight, its disconnect message is never sent. Call {@link #close()} afterwards
   * to free OkHttp's resources.
   */
  public void closeNow() {
    if (clientClosed.compareAndSet(false, true)) {
      try {
        client.close();
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }
  }

  /** No HTTP request in flight, and the last one finished at least 50 ms ago. */
  private boolean httpIdle() {
    synchronized (lock) {
      return httpInFlight == 0
          && System.nanoTime() - httpSettledNanos > TimeUnit.MILLISECONDS.toNanos(50);
    }
  }

  private void httpRequestStarted() {
    synchronized (lock) {
      httpInFlight++;
    }
  }

  private void httpRequestSettled() {
    synchronized (lock) {
      httpInFlight--;
      httpSettledNanos = System.nanoTime();
      version++;
      lock.notifyAll();
    }
  }

  /** Whether a message with {@code agent_disconnect} reached the transport. */
  public boolean disconnectSent() {
    synchronized (lock) {
      return sent.stream().anyMatch(AgentToServer::hasAgentDisconnect);
    }
  }

  private boolean disconnectDropped() {
    synchronized (lock) {
      return dropped.stream().anyMatch(AgentToServer::hasAgentDisconnect);
    }
  }

  private boolean socketClosedSinceOpen() {
    synchronized (lock) {
      for (int i = events.size() - 1; i >= 0; i--) {
        EventKind k = events.get(i).kind();
        if (k == EventKind.SOCKET_CLOSED) {
          return true;
        }
        if (k == EventKind.SOCKET_OPEN) {
          return false;
        }
      }
      return true; // never opened
    }
  }

  // ---------------------------------------------------------------------------------------
  // Recording
  // ---------------------------------------------------------------------------------------

  private void record(EventKind kind, Object detail) {
    synchronized (lock) {
      events.add(new Event(kind, System.nanoTime(), detail));
      switch (kind) {
        case SENT:
          sent.add((AgentToServer) detail);
          break;
        case DROPPED:
          dropped.add((AgentToServer) detail);
          break;
        case RECEIVED:
          ServerToAgent s = (ServerToAgent) detail;
          received.add(s);
          // The client's own rule (OpampClientImpl.handleAgentIdentification), applied only to
          // replies without error_response.
          if (!s.hasErrorResponse()
              && s.hasAgentIdentification()
              && !s.getAgentIdentification().getNewInstanceUid().isEmpty()) {
            currentUid = s.getAgentIdentification().getNewInstanceUid().toByteArray();
          }
          break;
        case HTTP_STATUS:
          httpStatuses.add((Integer) detail);
          break;
        case CONNECTED:
          connects++;
          break;
        case CONNECT_FAILED:
          connectFailures.add((Throwable) detail);
          break;
        case ERROR_RESPONSE:
          errorResponses.add((ServerErrorResponse) detail);
          break;
        case REMOTE_CONFIG:
          remoteConfigs.add((AgentRemoteConfig) detail);
          break;
        default:
          break;
      }
      version++;
      lock.notifyAll();
    }
  }

  private void recordAgentToServer(EventKind kind, byte[] body) {
    try {
      record(kind, AgentToServer.parseFrom(body));
    } catch (InvalidProtocolBufferException e) {
      record(EventKind.UNDECODABLE, "AgentToServer from the client: " + e.getMessage());
    }
  }

  private void recordServerToAgent(byte[] body) {
    try {
      record(EventKind.RECEIVED, ServerToAgent.parseFrom(body));
    } catch (InvalidProtocolBufferException e) {
      record(EventKind.UNDECODABLE, "ServerToAgent: " + e.getMessage());
    }
  }

  /** Wraps the client's HTTP sender to see each request body and response. */
  private final class RecordingHttpSender implements HttpSender {
    private final HttpSender delegate;

    RecordingHttpSender(HttpSender delegate) {
      this.delegate = delegate;
    }

    @Override
    public CompletableFuture<Response> send(BodyWriter writer, int contentLength) {
      ByteArrayOutputStream buffer = new ByteArrayOutputStream(contentLength);
      try {
        writer.writeTo(buffer);
      } catch (IOException e) {
        return CompletableFuture.failedFuture(e);
      }
      byte[] body = buffer.toByteArray();
      httpRequestStarted();
      return delegate
          .send(out -> out.write(body), body.length)
          .handle(
              (response, failure) -> {
                if (failure != null) {
                  httpRequestSettled();
                  recordAgentToServer(EventKind.DROPPED, body);
                  throw failure instanceof RuntimeException
                      ? (RuntimeException) failure
                      : new java.util.concurrent.CompletionException(failure);
                }
                recordAgentToServer(EventKind.SENT, body);
                record(EventKind.HTTP_STATUS, response.statusCode());
                return new RecordingResponse(response);
              });
    }
  }

  /** Reads a response body once, records it, and hands the client the same bytes. */
  private final class RecordingResponse implements HttpSender.Response {
    private final HttpSender.Response delegate;

    RecordingResponse(HttpSender.Response delegate) {
      this.delegate = delegate;
    }

    @Override
    public int statusCode() {
      return delegate.statusCode();
    }

    @Override
    public String statusMessage() {
      return delegate.statusMessage();
    }

    @Override
    public InputStream bodyInputStream() {
      byte[] body;
      try (InputStream in = delegate.bodyInputStream()) {
        body = in.readAllBytes();
      } catch (IOException e) {
        record(EventKind.UNDECODABLE, "HTTP body could not be read: " + e);
        return new InputStream() {
          @Override
          public int read() throws IOException {
            throw e;
          }
        };
      }
      recordServerToAgent(body);
      return new ByteArrayInputStream(body);
    }

    @Override
    public String getHeader(String name) {
      return delegate.getHeader(name);
    }

    /** The client closes the response once it has handled it, just before its next poll is scheduled. */
    @Override
    public void close() throws IOException {
      try {
        delegate.close();
      } finally {
        httpRequestSettled();
      }
    }
  }

  /** Wraps the client's WebSocket to see each frame, and open / close. */
  private final class RecordingWebSocket implements WebSocket {
    private final WebSocket delegate;

    RecordingWebSocket(WebSocket delegate) {
      this.delegate = delegate;
    }

    @Override
    public void open(Listener listener) {
      delegate.open(
          new Listener() {
            @Override
            public void onOpen() {
              record(EventKind.SOCKET_OPEN, null);
              listener.onOpen();
            }

            @Override
            public void onClosing() {
              listener.onClosing();
            }

            @Override
            public void onClosed() {
              record(EventKind.SOCKET_CLOSED, "closed");
              listener.onClosed();
            }

            @Override
            public void onMessage(byte[] data) {
              int headerLength = varintLength(data);
              if (headerLength < 0 || data[0] != 0) {
                record(EventKind.UNDECODABLE, "frame header is not the single byte 0: " + HexFormat.of().formatHex(data, 0, Math.min(data.length, 10)));
              }
              if (headerLength > 0) {
                recordServerToAgent(java.util.Arrays.copyOfRange(data, headerLength, data.length));
              }
              listener.onMessage(data);
            }

            @Override
            public void onFailure(Throwable t) {
              record(EventKind.SOCKET_CLOSED, "failed: " + t);
              listener.onFailure(t);
            }
          });
    }

    @Override
    public void close(int code, String reason) {
      delegate.close(code, reason);
    }

    @Override
    public boolean send(byte[] frame) {
      boolean queued = delegate.send(frame);
      int headerLength = varintLength(frame);
      byte[] payload =
          headerLength > 0 ? java.util.Arrays.copyOfRange(frame, headerLength, frame.length) : frame;
      recordAgentToServer(queued ? EventKind.SENT : EventKind.DROPPED, payload);
      return queued;
    }
  }

  /** Length of the varint at the start of {@code data}, or -1 if there is none. */
  private static int varintLength(byte[] data) {
    for (int i = 0; i < Math.min(data.length, 10); i++) {
      if ((data[i] & 0x80) == 0) {
        return i + 1;
      }
    }
    return -1;
  }

  /** Forwards the client's callbacks into the record, and applies remote config if asked to. */
  private final class RecordingCallbacks implements OpampClient.Callbacks {
    @Override
    public void onConnect(OpampClient c) {
      record(EventKind.CONNECTED, null);
    }

    @Override
    public void onConnectFailed(OpampClient c, Throwable throwable) {
      record(EventKind.CONNECT_FAILED, throwable);
    }

    @Override
    public void onErrorResponse(OpampClient c, opamp.proto.ServerErrorResponse errorResponse) {
      try {
        record(EventKind.ERROR_RESPONSE, ServerErrorResponse.parseFrom(errorResponse.encode()));
      } catch (InvalidProtocolBufferException e) {
        record(EventKind.UNDECODABLE, "error response: " + e.getMessage());
      }
    }

    @Override
    public void onMessage(OpampClient c, MessageData messageData) {
      opamp.proto.AgentRemoteConfig remote = messageData.getRemoteConfig();
      if (remote == null) {
        return;
      }
      AgentRemoteConfig ours;
      try {
        ours = AgentRemoteConfig.parseFrom(remote.encode());
      } catch (InvalidProtocolBufferException e) {
        record(EventKind.UNDECODABLE, "remote config: " + e.getMessage());
        return;
      }
      record(EventKind.REMOTE_CONFIG, ours);
      if (!acceptRemoteConfig) {
        return;
      }
      Map<String, String> files = new LinkedHashMap<>();
      for (Map.Entry<String, AgentConfigFile> e : ours.getConfig().getConfigMapMap().entrySet()) {
        files.put(e.getKey(), e.getValue().getBody().toStringUtf8());
      }
      configState.replace(files);
      configState.notifyUpdate();
      c.setRemoteConfigStatus(
          new opamp.proto.RemoteConfigStatus.Builder()
              .last_remote_config_hash(okio.ByteString.of(ours.getConfigHash().toByteArray()))
              .status(opamp.proto.RemoteConfigStatuses.RemoteConfigStatuses_APPLIED)
              .build());
    }
  }

  /** The effective config the client reads whenever it builds a message that carries it. */
  private static final class EffectiveConfigState extends State.EffectiveConfig {
    private volatile Map<String, String> files;

    EffectiveConfigState(Map<String, String> files) {
      this.files = Collections.unmodifiableMap(new LinkedHashMap<>(files));
    }

    Map<String, String> files() {
      return files;
    }

    void replace(Map<String, String> newFiles) {
      files = Collections.unmodifiableMap(new LinkedHashMap<>(newFiles));
    }

    @Override
    public opamp.proto.EffectiveConfig get() {
      Map<String, opamp.proto.AgentConfigFile> map = new LinkedHashMap<>();
      files.forEach(
          (name, body) ->
              map.put(
                  name,
                  new opamp.proto.AgentConfigFile.Builder()
                      .body(okio.ByteString.encodeUtf8(body))
                      .content_type(YAML_CONTENT_TYPE)
                      .build()));
      return new opamp.proto.EffectiveConfig.Builder()
          .config_map(new opamp.proto.AgentConfigMap.Builder().config_map(map).build())
          .build();
    }
  }

  // ---------------------------------------------------------------------------------------
  // Small helpers
  // ---------------------------------------------------------------------------------------

  private static opamp.proto.KeyValue wireKeyValue(String key, String value) {
    return new opamp.proto.KeyValue.Builder()
        .key(key)
        .value(new opamp.proto.AnyValue.Builder().string_value(value).build())
        .build();
  }

  /** A UUID's 16 bytes, most significant first. */
  public static byte[] toBytes(UUID uuid) {
    return ByteBuffer.allocate(16)
        .putLong(uuid.getMostSignificantBits())
        .putLong(uuid.getLeastSignificantBits())
        .array();
  }

  /** 16 bytes as a UUID (any other length is an error). */
  public static UUID toUuid(byte[] bytes) {
    if (bytes.length != 16) {
      throw new IllegalArgumentException("an instance uid is 16 bytes, not " + bytes.length);
    }
    ByteBuffer b = ByteBuffer.wrap(bytes);
    return new UUID(b.getLong(), b.getLong());
  }

  private static String oneLine(MessageOrBuilder m) {
    return m.getClass().getSimpleName() + "{" + TextFormat.printer().emittingSingleLine(true).printToString(m) + "}";
  }

  @Override
  public String toString() {
    return "OtelAgent[" + transport + " " + endpoint + " uid=" + instanceUidHex() + "]";
  }
}
