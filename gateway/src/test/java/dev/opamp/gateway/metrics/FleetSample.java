package dev.opamp.gateway.metrics;

import com.google.protobuf.ByteString;
import dev.opamp.gateway.proto.AgentCapabilities;
import dev.opamp.gateway.proto.AgentToServer;
import dev.opamp.gateway.proto.RemoteConfigStatus;
import dev.opamp.gateway.proto.RemoteConfigStatuses;
import dev.opamp.gateway.testing.Messages;
import dev.opamp.gateway.testing.RawWebSocketAgent;
import dev.opamp.gateway.testing.TestGateway;
import io.vertx.core.buffer.Buffer;
import java.util.ArrayList;
import java.util.List;

/**
 * A small simulated fleet for the metrics tests: three WebSocket and two HTTP agents with a known
 * mix of health and remote-config statuses, one undecodable message, and heartbeats on demand.
 */
final class FleetSample implements AutoCloseable {

  static final long CAPABILITIES = Messages.CAPABILITIES
      | AgentCapabilities.AgentCapabilities_AcceptsRemoteConfig_VALUE
      | AgentCapabilities.AgentCapabilities_ReportsRemoteConfig_VALUE;

  /** What the census should find once the sample is connected. */
  static final long HEALTHY = 3;
  static final long UNHEALTHY = 1;
  static final long HEALTH_UNKNOWN = 1;
  static final long APPLIED = 1;
  static final long APPLYING = 1;
  static final long FAILED = 1;
  static final long NO_REMOTE_CONFIG_STATUS = 2;
  static final int WEBSOCKET_AGENTS = 3;
  static final int HTTP_AGENTS = 2;

  private final TestGateway gateway;
  private final List<RawWebSocketAgent> webSockets = new ArrayList<>();
  private final List<ByteString> wsUids = new ArrayList<>();
  private final List<ByteString> httpUids = new ArrayList<>();
  private long sequence = 1;

  private FleetSample(TestGateway gateway) {
    this.gateway = gateway;
  }

  /** Connects the sample and waits for every first reply. */
  static FleetSample connect(TestGateway gateway) throws Exception {
    FleetSample fleet = new FleetSample(gateway);
    fleet.start();
    return fleet;
  }

  private void start() throws Exception {
    // WebSocket: healthy and no remote config; unhealthy with a failed config; no health reported
    // (its first message lacks the description, so the server asks for the full state) applying one.
    ByteString a = Messages.newUid();
    ByteString b = Messages.newUid();
    ByteString c = Messages.newUid();
    ws(a, Messages.fullState(a, 1, "checkout").toBuilder().setCapabilities(CAPABILITIES).build());
    ws(b, Messages.fullState(b, 1, "cart").toBuilder().setCapabilities(CAPABILITIES)
        .setHealth(Messages.healthy(false, "exporter failing"))
        .setRemoteConfigStatus(status(RemoteConfigStatuses.RemoteConfigStatuses_FAILED, "bad yaml")).build());
    ws(c, AgentToServer.newBuilder().setInstanceUid(c).setSequenceNum(1).setCapabilities(CAPABILITIES)
        .setRemoteConfigStatus(status(RemoteConfigStatuses.RemoteConfigStatuses_APPLYING, "")).build());
    // HTTP: healthy with an applied config; healthy with none.
    ByteString d = Messages.newUid();
    ByteString e = Messages.newUid();
    http(d, Messages.fullState(d, 1, "gateway").toBuilder().setCapabilities(CAPABILITIES)
        .setRemoteConfigStatus(status(RemoteConfigStatuses.RemoteConfigStatuses_APPLIED, "")).build());
    http(e, Messages.fullState(e, 1, "gateway").toBuilder().setCapabilities(CAPABILITIES).build());
  }

  private void ws(ByteString uid, AgentToServer first) throws Exception {
    RawWebSocketAgent agent = gateway.webSocketAgent();
    webSockets.add(agent);
    wsUids.add(uid);
    agent.exchange(first);
  }

  private void http(ByteString uid, AgentToServer first) throws Exception {
    httpUids.add(uid);
    gateway.httpAgent().exchange(first);
  }

  private static RemoteConfigStatus status(RemoteConfigStatuses status, String error) {
    return RemoteConfigStatus.newBuilder().setStatus(status).setErrorMessage(error)
        .setLastRemoteConfigHash(ByteString.copyFromUtf8("hash-" + status.getNumber())).build();
  }

  /** One heartbeat from every agent, so message and byte counters move. */
  void heartbeats() throws Exception {
    sequence++;
    for (int i = 0; i < webSockets.size(); i++) {
      webSockets.get(i).exchange(Messages.heartbeat(wsUids.get(i), sequence).toBuilder()
          .setCapabilities(CAPABILITIES).build());
    }
    for (ByteString uid : httpUids) {
      gateway.httpAgent().exchange(Messages.heartbeat(uid, sequence).toBuilder().setCapabilities(CAPABILITIES).build());
    }
  }

  /** An agent that connects with its full state and leaves: one connect, one disconnect. */
  void passingAgent() throws Exception {
    ByteString uid = Messages.newUid();
    try (RawWebSocketAgent agent = gateway.webSocketAgent()) {
      agent.exchange(Messages.fullState(uid, 1, "batch-job").toBuilder().setCapabilities(CAPABILITIES).build());
    }
  }

  /** An undecodable message on a connection of its own: one protocol error. */
  void garbage() throws Exception {
    try (RawWebSocketAgent bad = gateway.webSocketAgent()) {
      bad.sendRaw(Buffer.buffer(new byte[] {0, (byte) 0xff, (byte) 0xff, (byte) 0xff}));
      bad.next();
    }
  }

  List<String> uidKeys() {
    List<String> keys = new ArrayList<>();
    wsUids.forEach(u -> keys.add(Messages.key(u)));
    httpUids.forEach(u -> keys.add(Messages.key(u)));
    return keys;
  }

  @Override
  public void close() {
    webSockets.forEach(RawWebSocketAgent::close);
  }
}
