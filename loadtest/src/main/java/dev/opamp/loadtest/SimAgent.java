package dev.opamp.loadtest;

import com.google.protobuf.ByteString;
import dev.opamp.gateway.proto.AgentRemoteConfig;
import dev.opamp.gateway.proto.AgentToServer;
import dev.opamp.gateway.proto.CertificateRequest;
import dev.opamp.gateway.proto.CommandType;
import dev.opamp.gateway.proto.ConnectionSettingsOffers;
import dev.opamp.gateway.proto.ConnectionSettingsRequest;
import dev.opamp.gateway.proto.ConnectionSettingsStatus;
import dev.opamp.gateway.proto.ConnectionSettingsStatuses;
import dev.opamp.gateway.proto.OpAMPConnectionSettingsRequest;
import dev.opamp.gateway.proto.PackageStatuses;
import dev.opamp.gateway.proto.EffectiveConfig;
import dev.opamp.gateway.proto.RemoteConfigStatus;
import dev.opamp.gateway.proto.RemoteConfigStatuses;
import dev.opamp.gateway.proto.ServerErrorResponse;
import dev.opamp.gateway.proto.ServerErrorResponseType;
import dev.opamp.gateway.proto.ServerToAgent;
import dev.opamp.gateway.proto.ServerToAgentFlags;
import dev.opamp.gateway.protocol.InstanceUids;
import io.vertx.core.Context;
import java.util.concurrent.ThreadLocalRandom;

/**
 * One simulated agent, whatever its transport: its identity and sequence numbers, what it reports,
 * heartbeats, the supervisor's handling of remote configs (a delay, then APPLIED with the new
 * effective config, or FAILED), of package offers ({@link PackageUpdates}), of restart commands
 * and of certificates it asked for with a CSR, and reconnection with exponential backoff and
 * jitter that honours the server's retry hints. Confined to its event loop's context; no locks.
 */
abstract class SimAgent {

  private static final long REPORT_FULL_STATE = ServerToAgentFlags.ServerToAgentFlags_ReportFullState_VALUE;
  private static final long MIN_BACKOFF_MILLIS = 500;
  private static final long MAX_BACKOFF_MILLIS = 30_000;
  private static final long DEFAULT_RETRY_MILLIS = 30_000;

  final AgentEnv env;
  final Context context;
  final int index;
  final int globalIndex;
  private final Targets targets;
  /** The target this agent connects to: its own by index, the next one after a refused connection. */
  private int targetIndex;
  private final long startNanos = System.currentTimeMillis() * 1_000_000L;
  ByteString uid = InstanceUids.newUuidV7();
  private long sequence;
  private EffectiveConfig effective;
  private RemoteConfigStatus remoteConfigStatus;
  private ByteString appliedHash = ByteString.EMPTY;
  /** The version it runs once a package update changed it (null: the profile's). */
  private String version;
  /** Created by the first package offer: most runs never make one. */
  private PackageUpdates packages;
  /** The key of the certificate asked for and not yet received (null: none pending). */
  private java.security.PublicKey pendingCertificateKey;
  private ConnectionSettingsStatus connectionSettingsStatus;
  private long heartbeatTimer = -1;
  private long retryTimer = -1;
  private long heartbeatSentNanos;
  private int failures;
  /** Set when connecting: measured until the connection's first answer. */
  private long connectStartNanos;
  private boolean reconnecting;
  private boolean connected;
  private boolean everConnected;
  private int connectionPhase;
  /** Bumped by every connection attempt: a late answer to an older attempt is discarded. */
  int attempt;
  boolean stopped;

  SimAgent(AgentEnv env, Context context, int index, int globalIndex, Targets targets) {
    this.env = env;
    this.context = context;
    this.index = index;
    this.globalIndex = globalIndex;
    this.targets = targets;
    this.targetIndex = targets.indexForAgent(globalIndex);
    this.effective = env.profile.initialConfig(globalIndex);
  }

  abstract boolean isWebSocket();

  /** The endpoint of the next connection attempt. */
  final Targets.Target target() {
    return targets.get(targetIndex);
  }

  /** For debugging: the connection's state. */
  abstract String transportState();

  /** Opens a connection (WebSocket) or starts polling (HTTP); the first message is the full state. */
  abstract void open();

  /** Sends one message on the current connection (or as the next poll); false when there is none. */
  abstract boolean send(AgentToServer message);

  /** Ends the current connection without reconnecting by itself. */
  abstract void closeConnection();

  final void start() {
    context.runOnContext(v -> {
      if (!stopped) {
        beginConnect(false);
      }
    });
  }

  private void beginConnect(boolean again) {
    cancelRetry();
    // Never two connections at once: one still open (a drop raced a reconnection) ends here.
    lost();
    closeConnection();
    connectStartNanos = System.nanoTime();
    reconnecting = again;
    connectionPhase = env.stormPhase;
    attempt++;
    open();
  }

  AgentToServer fullState() {
    AgentToServer.Builder b = base()
        .setAgentDescription(env.profile.description(globalIndex, uid, version))
        .setHealth(env.profile.health(startNanos))
        .setEffectiveConfig(effective);
    if (remoteConfigStatus != null) {
      b.setRemoteConfigStatus(remoteConfigStatus);
    }
    if (packages != null && packages.hasReport()) {
      b.setPackageStatuses(packages.report());
    }
    if (connectionSettingsStatus != null) {
      b.setConnectionSettingsStatus(connectionSettingsStatus);
    }
    return b.build();
  }

  AgentToServer.Builder base() {
    return AgentToServer.newBuilder().setInstanceUid(uid).setSequenceNum(sequence++)
        .setCapabilities(AgentProfile.CAPABILITIES);
  }

  /** Handles one ServerToAgent of the current connection. */
  final void onReply(ServerToAgent m) {
    if (m.hasErrorResponse()) {
      ServerErrorResponse error = m.getErrorResponse();
      if (error.getType() == ServerErrorResponseType.ServerErrorResponseType_Unavailable) {
        env.stats.error("unavailable");
        long nanos = error.hasRetryInfo() ? error.getRetryInfo().getRetryAfterNanoseconds() : 0;
        long millis = nanos > 0 ? nanos / 1_000_000 : DEFAULT_RETRY_MILLIS;
        // As the specification asks: disconnect, wait the hinted time (plus jitter), reconnect.
        lost();
        closeConnection();
        retryAfter(millis + ThreadLocalRandom.current().nextLong(millis / 5 + 1));
      } else {
        env.stats.error("bad_request");
        if (pendingCertificateKey != null) {
          // The server refused the certificate request (it names why in the error message).
          pendingCertificateKey = null;
          env.stats.outcome(index, false);
        }
      }
      return;
    }
    if (!connected) {
      connected = true;
      failures = 0;
      long latency = (System.nanoTime() - connectStartNanos) / 1000;
      boolean first = !everConnected;
      everConnected = true;
      boolean afterStorm = isWebSocket() && connectionPhase > 0 && connectionPhase == env.stormPhase;
      env.stats.connectedUp(index, targetIndex, first, afterStorm, latency, reconnecting);
      scheduleHeartbeat(true);
    } else if (heartbeatSentNanos != 0 && isPlainAnswer(m)) {
      env.stats.heartbeatRoundTrip((System.nanoTime() - heartbeatSentNanos) / 1000);
      heartbeatSentNanos = 0;
    }
    if (m.hasAgentIdentification() && !m.getAgentIdentification().getNewInstanceUid().isEmpty()) {
      uid = m.getAgentIdentification().getNewInstanceUid();
    }
    if ((m.getFlags() & REPORT_FULL_STATE) != 0) {
      send(fullState());
    }
    if (m.hasRemoteConfig()) {
      offered(m.getRemoteConfig());
    }
    if (m.hasPackagesAvailable()) {
      if (packages == null) {
        packages = new PackageUpdates(this, env);
      }
      packages.offered(m.getPackagesAvailable());
    }
    if (m.hasConnectionSettings()) {
      connectionSettingsOffered(m.getConnectionSettings());
    }
    if (m.hasCommand() && m.getCommand().getType() == CommandType.CommandType_Restart) {
      restarted();
    }
  }

  /** An answer to a heartbeat: nothing the server initiated rides on it. */
  private static boolean isPlainAnswer(ServerToAgent m) {
    return !m.hasRemoteConfig() && !m.hasPackagesAvailable() && !m.hasConnectionSettings() && !m.hasCommand();
  }

  /** Reports package statuses; with {@code newVersion}, the agent restarted as that version. */
  final void sendPackageStatuses(PackageStatuses statuses, String newVersion) {
    AgentToServer.Builder report = base().setPackageStatuses(statuses);
    if (newVersion != null) {
      version = newVersion;
      report.setAgentDescription(env.profile.description(globalIndex, uid, version))
          .setHealth(env.profile.health(System.currentTimeMillis() * 1_000_000L));
    }
    send(report.build()); // one that cannot go out now goes with the next connection's full state
  }

  /** A restart command: the collector restarts and reports itself healthy again, as new. */
  private void restarted() {
    send(base().setHealth(env.profile.health(System.currentTimeMillis() * 1_000_000L)).build());
  }

  /** Generates a key pair (on a worker thread) and sends a CSR for this agent's uid. */
  final void requestCertificate() {
    context.runOnContext(v -> {
      if (stopped || !connected) {
        return;
      }
      String fleetKey = InstanceUids.key(uid);
      env.vertx.executeBlocking(() -> CertificateRequests.create(fleetKey), false).onComplete(ar -> {
        if (ar.failed()) {
          env.stats.error("csr: " + Errors.reason(ar.cause()));
          env.stats.outcome(index, false);
          return;
        }
        pendingCertificateKey = ar.result().publicKey();
        send(base().setConnectionSettingsRequest(ConnectionSettingsRequest.newBuilder()
            .setOpamp(OpAMPConnectionSettingsRequest.newBuilder()
                .setCertificateRequest(CertificateRequest.newBuilder()
                    .setCsr(ByteString.copyFrom(ar.result().csrPem()))))).build());
      });
    });
  }

  /**
   * Connection settings offered: a certificate for the pending request completes it. The agent
   * reports the offer APPLIED (it does not reconnect with mTLS: the simulator measures signing).
   */
  private void connectionSettingsOffered(ConnectionSettingsOffers offers) {
    if (pendingCertificateKey != null && offers.hasOpamp() && offers.getOpamp().hasCertificate()) {
      boolean ours = CertificateRequests.certifies(offers.getOpamp().getCertificate().getCert().toByteArray(),
          pendingCertificateKey);
      pendingCertificateKey = null;
      if (!ours) {
        env.stats.error("certificate: not for the requested key");
      }
      env.stats.outcome(index, ours);
    }
    connectionSettingsStatus = ConnectionSettingsStatus.newBuilder()
        .setLastConnectionSettingsHash(offers.getHash())
        .setStatus(ConnectionSettingsStatuses.ConnectionSettingsStatuses_APPLIED).build();
    send(base().setConnectionSettingsStatus(connectionSettingsStatus).build());
  }

  /** What a supervisor does with an offer: apply it after a while, then report how it went. */
  private void offered(AgentRemoteConfig offer) {
    ByteString hash = offer.getConfigHash();
    if (hash.equals(appliedHash)) {
      return;
    }
    if (env.applyDelayMillis <= 0) {
      apply(offer);
    } else {
      env.vertx.setTimer(env.applyDelayMillis, id -> apply(offer));
    }
  }

  private void apply(AgentRemoteConfig offer) {
    if (stopped) {
      return;
    }
    ByteString hash = offer.getConfigHash();
    boolean fails = env.failureRate > 0 && ThreadLocalRandom.current().nextDouble() < env.failureRate;
    RemoteConfigStatus.Builder status = RemoteConfigStatus.newBuilder().setLastRemoteConfigHash(hash);
    AgentToServer.Builder report = base();
    if (fails) {
      status.setStatus(RemoteConfigStatuses.RemoteConfigStatuses_FAILED)
          .setErrorMessage("simulated failure: the collector did not start with this config");
    } else {
      status.setStatus(RemoteConfigStatuses.RemoteConfigStatuses_APPLIED);
      effective = env.effectiveConfig(hash, offer.getConfig());
      appliedHash = hash;
      report.setEffectiveConfig(effective);
    }
    remoteConfigStatus = status.build();
    // A report that cannot go out now goes with the full state of the next connection.
    if (send(report.setRemoteConfigStatus(remoteConfigStatus).build())) {
      env.stats.outcome(index, !fails);
    }
  }

  private void scheduleHeartbeat(boolean firstOnConnection) {
    cancelHeartbeat();
    long interval = env.heartbeatMillis;
    long delay = firstOnConnection
        ? 1 + ThreadLocalRandom.current().nextLong(interval)
        : interval * 8 / 10 + ThreadLocalRandom.current().nextLong(interval * 4 / 10 + 1);
    heartbeatTimer = env.vertx.setTimer(delay, id -> {
      heartbeatTimer = -1;
      if (!stopped && connected) {
        if (heartbeatSentNanos == 0) {
          heartbeatSentNanos = System.nanoTime();
        }
        send(base().build());
        scheduleHeartbeat(false);
      }
    });
  }

  private void cancelHeartbeat() {
    if (heartbeatTimer >= 0) {
      env.vertx.cancelTimer(heartbeatTimer);
      heartbeatTimer = -1;
    }
  }

  /** The current connection is gone (closed by either side or failed). */
  final void lost() {
    cancelHeartbeat();
    heartbeatSentNanos = 0;
    if (connected) {
      connected = false;
      env.stats.connectedDown(index);
    }
  }

  /** A connection attempt or a connection failed: count it and try again after a backoff. */
  final void failed(String kind) {
    env.stats.error(kind);
    if (kind.startsWith("connect: ") || kind.startsWith("http: ")) {
      // The endpoint is unreachable (a node gone): the next attempt goes to the next target, round-robin.
      targetIndex = (targetIndex + 1) % targets.size();
    }
    lost();
    retryAfter(backoffMillis());
  }

  final void retryAfter(long millis) {
    cancelRetry();
    if (stopped) {
      return;
    }
    retryTimer = env.vertx.setTimer(Math.max(1, millis), id -> {
      retryTimer = -1;
      if (!stopped) {
        beginConnect(true);
      }
    });
  }

  private void cancelRetry() {
    if (retryTimer >= 0) {
      env.vertx.cancelTimer(retryTimer);
      retryTimer = -1;
    }
  }

  private long backoffMillis() {
    double base = Math.min(MAX_BACKOFF_MILLIS, MIN_BACKOFF_MILLIS * Math.pow(1.5, failures));
    failures = Math.min(failures + 1, 30);
    return (long) (base * (0.5 + ThreadLocalRandom.current().nextDouble()));
  }

  /** Storm and churn: drop the connection now and reconnect after {@code delayMillis}. */
  final void drop(long delayMillis) {
    context.runOnContext(v -> {
      if (stopped || !isWebSocket()) {
        return;
      }
      lost();
      closeConnection();
      retryAfter(delayMillis);
    });
  }

  String debugState() {
    return "attempt=" + attempt + " stopped=" + stopped + " " + transportState();
  }

  boolean isConnected() {
    return connected;
  }

  /** Stops for good: no reconnection, no timers. */
  final void stop() {
    context.runOnContext(v -> {
      stopped = true;
      cancelRetry();
      lost();
      closeConnection();
    });
  }
}
