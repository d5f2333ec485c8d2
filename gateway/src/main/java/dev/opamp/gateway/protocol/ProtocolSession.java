package dev.opamp.gateway.protocol;

import com.google.protobuf.ByteString;
import dev.opamp.gateway.fleet.ReportOutcome;
import dev.opamp.gateway.fleet.proto.AgentRecord;
import dev.opamp.gateway.fleet.proto.Connection;
import dev.opamp.gateway.metrics.AgentCensus;
import dev.opamp.gateway.metrics.GatewayMetrics.ErrorReason;
import dev.opamp.gateway.proto.AgentCapabilities;
import dev.opamp.gateway.proto.AgentIdentification;
import dev.opamp.gateway.proto.AgentToServer;
import dev.opamp.gateway.proto.AgentToServerFlags;
import dev.opamp.gateway.proto.ServerToAgent;
import dev.opamp.gateway.proto.ServerToAgentFlags;
import dev.opamp.gateway.session.AgentChannel;
import dev.opamp.gateway.session.AgentConnectionHandler;
import dev.opamp.gateway.session.LiveSession;
import dev.opamp.gateway.session.PolicyViolation;
import dev.opamp.gateway.session.Transport;
import io.vertx.core.Future;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One agent connection as the protocol sees it: identity, sequence numbers, what the agent last
 * reported (as fingerprints, not copies), and the replies each message earns. Confined to the
 * channel's event loop; the transport never calls it concurrently.
 */
final class ProtocolSession implements AgentConnectionHandler, LiveSession {

  private static final Logger LOG = Logger.getLogger(ProtocolSession.class.getName());
  private static final long REQUEST_UID = AgentToServerFlags.AgentToServerFlags_RequestInstanceUid_VALUE;
  private static final long REPORT_FULL_STATE = ServerToAgentFlags.ServerToAgentFlags_ReportFullState_VALUE;
  private static final long REPORT_COMPONENTS = ServerToAgentFlags.ServerToAgentFlags_ReportAvailableComponents_VALUE;

  private static final long SHED_GRACE_MILLIS = 5000;
  /** How long an HTTP agent's last sequence number is remembered after its last poll. */
  private static final Duration HTTP_SEQUENCE_MEMORY = Duration.ofHours(1);
  private static final short GOING_AWAY = 1001;
  private static final short TRY_AGAIN_LATER = 1013;

  private final OpampProtocol protocol;
  private final AgentChannel channel;
  private final long epoch;

  /** The uid this session stores the agent under (null before the first valid message). */
  private ByteString uid;
  private String key;
  /** A uid the agent sent that the server replaced; the agent may keep using it until it switches. */
  private ByteString replacedUid;
  private long lastSequence = -1;
  private volatile long agentCapabilities;
  private boolean connectionRecorded;
  private boolean askedForMissingState;
  private boolean closed;
  private final StatusFingerprints reported = new StatusFingerprints();
  private CertificateBinding binding;
  /** This connection's memory of each kind of offer (config, connection settings, packages). */
  private final AgentOffer.Session[] offers;
  /** Where this session's agent is counted in the node's census ({@link AgentCensus#place}). */
  private int censusPlace = AgentCensus.NOT_COUNTED;
  private ByteString lastEffectiveConfigHash = ByteString.EMPTY;
  private long lastEffectiveConfigFingerprint;

  ProtocolSession(OpampProtocol protocol, AgentChannel channel, long epoch) {
    this.protocol = protocol;
    this.channel = channel;
    this.epoch = epoch;
    this.offers = protocol.offers().stream().map(AgentOffer::open).toArray(AgentOffer.Session[]::new);
  }

  @Override
  public Future<ServerToAgent> onMessage(AgentToServer message) {
    ServerToAgent.Builder reply = ServerToAgent.newBuilder()
        .setInstanceUid(message.getInstanceUid())
        .setCapabilities(ServerCapabilitySet.CURRENT);
    String refused = resolveIdentity(message, reply);
    if (refused != null) {
      protocol.metrics().protocolError(channel.transport(), ErrorReason.CERTIFICATE_MISMATCH);
      return Future.failedFuture(new PolicyViolation(refused, ErrorResponses.badRequest(message.getInstanceUid(),
          refused + "; it may not act as agent " + InstanceUids.uuidText(message.getInstanceUid()))));
    }
    agentCapabilities = message.getCapabilities();
    for (AgentOffer.Session offer : offers) {
      offer.reported(message);
    }

    return sequenceGap(message).compose(gap -> answer(message, reply, gap));
  }

  /**
   * Whether the agent skipped a sequence number. A WebSocket agent's messages all reach this
   * session; an HTTP agent's polls may land on any node, so its sequence is kept cluster-wide.
   */
  private Future<Boolean> sequenceGap(AgentToServer message) {
    long sequence = message.getSequenceNum();
    if (channel.transport() == Transport.HTTP) {
      return protocol.fleet().advanceHttpSequence(key, sequence, HTTP_SEQUENCE_MEMORY)
          .recover(e -> Future.succeededFuture(false));
    }
    boolean gap = lastSequence >= 0 && sequence != lastSequence + 1;
    lastSequence = sequence;
    return Future.succeededFuture(gap);
  }

  private Future<ServerToAgent> answer(AgentToServer message, ServerToAgent.Builder reply, boolean gap) {
    if (gap) {
      reply.setFlags(reply.getFlags() | REPORT_FULL_STATE);
      protocol.metrics().fullStateRequested("gap");
      reported.forget(); // the full state that follows must be written, not skipped
    }

    AgentRecord.Builder report = AgentRecord.newBuilder()
        .setInstanceUid(uid)
        .setCapabilities(message.getCapabilities())
        .setSequenceNum(message.getSequenceNum());
    boolean changed = collectChangedParts(message, report);
    if (!connectionRecorded) {
      report.setConnection(Connection.newBuilder()
          .setNode(protocol.nodeName())
          .setTransport(channel.transport().label())
          .setEpoch(epoch)
          .setConnected(true)
          .setSinceUnixMs(System.currentTimeMillis())
          .setRemoteAddress(channel.remoteAddress()));
      changed = true;
    }

    Future<ServerToAgent> result;
    if (!changed) {
      // A heartbeat, or a repeat of what is stored: no cluster write.
      result = Future.succeededFuture(reply.build());
    } else {
      result = withEffectiveConfig(message, report)
          .compose(r -> protocol.fleet().applyReport(key, r.build()))
          .map(outcome -> afterWrite(message, outcome, reply))
          .recover(failure -> {
            LOG.log(Level.WARNING, "fleet write failed for agent " + key + ": " + failure);
            protocol.metrics().fleetWrite("failed");
            reported.forget();
            return Future.succeededFuture(ErrorResponses.unavailable(
                message.getInstanceUid(), "the gateway cannot store agent state right now",
                ErrorResponses.DEFAULT_RETRY_AFTER));
          });
    }
    if (message.hasAgentDisconnect()) {
      result = result.onComplete(ignored -> channel.context().runOnContext(v ->
          channel.close((short) 1000, "agent disconnected")));
    }
    return result;
  }

  @Override
  public ServerToAgent onReadError(String reason) {
    return ErrorResponses.badRequest(uid == null ? ByteString.EMPTY : uid, reason);
  }

  @Override
  public void onClose() {
    if (closed) {
      return;
    }
    closed = true;
    countAs(AgentCensus.NOT_COUNTED);
    if (key == null) {
      return;
    }
    protocol.sessions().release(key, this);
    if (connectionRecorded) {
      protocol.fleet().markDisconnected(key, epoch).onFailure(failure ->
          LOG.log(Level.WARNING, "could not mark agent " + key + " disconnected: " + failure));
    }
  }

  @Override
  public AgentChannel channel() {
    return channel;
  }

  @Override
  public long epoch() {
    return epoch;
  }

  @Override
  public long agentCapabilities() {
    return agentCapabilities;
  }

  @Override
  public void send(ServerToAgent message) {
    channel.context().runOnContext(v -> {
      if (!closed) {
        channel.push(message);
      }
    });
  }

  @Override
  public void shed(Duration retryAfter, String reason) {
    channel.context().runOnContext(v -> {
      if (closed) {
        return;
      }
      channel.push(ErrorResponses.unavailable(uid == null ? ByteString.EMPTY : uid, reason, retryAfter));
      // Agents leave on their own when told UNAVAILABLE; one that does not is closed after a grace.
      channel.context().owner().setTimer(SHED_GRACE_MILLIS, t -> channel.close(TRY_AGAIN_LATER, reason));
    });
  }

  @Override
  public void closeAsStale() {
    channel.context().runOnContext(v -> channel.close(GOING_AWAY, "the agent is connected to another node"));
  }

  @Override
  public void refresh(AgentRecord record) {
    channel.context().runOnContext(v -> {
      if (closed || key == null) {
        return;
      }
      ServerToAgent.Builder due = ServerToAgent.newBuilder();
      addOffers(record, due);
      if (!due.build().equals(ServerToAgent.getDefaultInstance())) {
        channel.push(due.setInstanceUid(uid).setCapabilities(ServerCapabilitySet.CURRENT).build());
      }
    });
  }

  private void countAs(int place) {
    protocol.metrics().census().move(censusPlace, place);
    censusPlace = place;
  }

  /** Asks every kind of offer what the agent, as stored, should be offered now. */
  private void addOffers(AgentRecord stored, ServerToAgent.Builder reply) {
    AgentOffer.Target target = new AgentOffer.Target(uid, key, agentCapabilities, stored);
    for (AgentOffer.Session offer : offers) {
      offer.offer(target, reply);
    }
  }

  /**
   * Settles which uid this session stores the agent under. The server assigns a new one when the
   * agent asks, when its uid is invalid, or when another live session holds it. Returns why the
   * message is refused when the peer's client certificate names another agent, else null.
   */
  private String resolveIdentity(AgentToServer message, ServerToAgent.Builder reply) {
    ByteString sent = message.getInstanceUid();
    X509Certificate peer = channel.peerCertificate();
    if (peer != null || binding != null) {
      if (binding == null) {
        binding = new CertificateBinding(); // only sessions with a client certificate pay for it
      }
      String refused = binding.refusal(peer, sent, uid);
      if (refused != null) {
        return refused;
      }
    }
    if (uid != null && (sent.equals(uid) || sent.equals(replacedUid))) {
      if (sent.equals(replacedUid)) {
        // The agent has not switched yet: tell it again.
        reply.setAgentIdentification(AgentIdentification.newBuilder().setNewInstanceUid(uid));
      }
      return null;
    }
    String reason = null;
    if ((message.getFlags() & REQUEST_UID) != 0) {
      reason = "requested";
    } else if (!InstanceUids.isValid(sent)) {
      reason = "invalid";
    } else if (!claim(sent)) {
      reason = "duplicate";
    }
    if (reason == null) {
      return null;
    }
    ByteString fresh;
    do {
      fresh = InstanceUids.newUuidV7();
    } while (!claim(fresh));
    replacedUid = sent;
    protocol.metrics().uidAssigned(reason);
    reported.forget();
    reply.setAgentIdentification(AgentIdentification.newBuilder().setNewInstanceUid(fresh));
    if (binding != null) {
      binding.assigned();
    }
    return null;
  }

  /** Makes {@code candidate} this session's uid if no other live session holds it. */
  private boolean claim(ByteString candidate) {
    String candidateKey = InstanceUids.key(candidate);
    if (!protocol.sessions().claim(candidateKey, this)) {
      return false;
    }
    if (key != null && !key.equals(candidateKey)) {
      protocol.sessions().release(key, this);
      if (connectionRecorded) {
        protocol.fleet().markDisconnected(key, epoch);
      }
      connectionRecorded = false;
    }
    uid = candidate;
    key = candidateKey;
    return true;
  }

  /** Copies into {@code report} each status part the agent sent that differs from its last report. */
  private boolean collectChangedParts(AgentToServer m, AgentRecord.Builder report) {
    boolean changed = reported.capabilitiesChanged(m.getCapabilities());
    if (m.hasAgentDescription() && reported.changed(StatusFingerprints.DESCRIPTION, m.getAgentDescription())) {
      report.setDescription(m.getAgentDescription());
      changed = true;
    }
    if (m.hasHealth() && reported.changed(StatusFingerprints.HEALTH, m.getHealth())) {
      report.setHealth(m.getHealth());
      changed = true;
    }
    if (m.hasEffectiveConfig() && reported.changed(StatusFingerprints.EFFECTIVE_CONFIG, m.getEffectiveConfig())) {
      changed = true; // its hash is added once the body is stored
    }
    if (m.hasRemoteConfigStatus() && reported.changed(StatusFingerprints.REMOTE_CONFIG_STATUS, m.getRemoteConfigStatus())) {
      report.setRemoteConfigStatus(m.getRemoteConfigStatus());
      changed = true;
    }
    if (m.hasPackageStatuses() && reported.changed(StatusFingerprints.PACKAGE_STATUSES, m.getPackageStatuses())) {
      report.setPackageStatuses(m.getPackageStatuses());
      changed = true;
    }
    if (m.hasConnectionSettingsStatus()
        && reported.changed(StatusFingerprints.CONNECTION_SETTINGS_STATUS, m.getConnectionSettingsStatus())) {
      report.setConnectionSettingsStatus(m.getConnectionSettingsStatus());
      changed = true;
    }
    if (m.hasCustomCapabilities() && reported.changed(StatusFingerprints.CUSTOM_CAPABILITIES, m.getCustomCapabilities())) {
      report.setCustomCapabilities(m.getCustomCapabilities());
      changed = true;
    }
    if (m.hasAvailableComponents() && reported.changed(StatusFingerprints.AVAILABLE_COMPONENTS, m.getAvailableComponents())) {
      report.setAvailableComponents(m.getAvailableComponents());
      changed = true;
    }
    if (m.hasConnectionSettingsRequest()) {
      report.setConnectionSettingsRequest(m.getConnectionSettingsRequest());
      changed = true;
    }
    if (m.hasCustomMessage()) {
      report.setLastCustomMessage(m.getCustomMessage());
      changed = true;
    }
    return changed;
  }

  /** Stores a newly reported effective config body by its hash and puts the hash in the report. */
  private Future<AgentRecord.Builder> withEffectiveConfig(AgentToServer m, AgentRecord.Builder report) {
    if (!m.hasEffectiveConfig()) {
      return Future.succeededFuture(report);
    }
    long fingerprint = StatusFingerprints.of(m.getEffectiveConfig());
    if (fingerprint == lastEffectiveConfigFingerprint && !lastEffectiveConfigHash.isEmpty()) {
      return Future.succeededFuture(report.setEffectiveConfigHash(lastEffectiveConfigHash));
    }
    return protocol.fleet().storeEffectiveConfig(m.getEffectiveConfig()).map(hash -> {
      lastEffectiveConfigHash = hash;
      lastEffectiveConfigFingerprint = fingerprint;
      return report.setEffectiveConfigHash(hash);
    });
  }

  private ServerToAgent afterWrite(AgentToServer message, ReportOutcome outcome, ServerToAgent.Builder reply) {
    protocol.metrics().fleetWrite(outcome.changed() ? "changed" : "unchanged");
    connectionRecorded = true;
    if (!closed) {
      countAs(AgentCensus.place(outcome.healthy(), outcome.remoteConfigStatus()));
    }
    if (outcome.offerView() != null) {
      addOffers(outcome.offerView(), reply);
    }
    if (outcome.previousHolder() != null) {
      // The agent was still shown on another session (another node, or one not yet closed): end it.
      protocol.staleSessions().close(outcome.previousHolder(), key);
    }
    boolean wantsEffectiveConfig =
        (message.getCapabilities() & AgentCapabilities.AgentCapabilities_ReportsEffectiveConfig_VALUE) != 0;
    boolean missing = !outcome.hasDescription() || (wantsEffectiveConfig && !outcome.hasEffectiveConfig());
    if (missing && !askedForMissingState && (reply.getFlags() & REPORT_FULL_STATE) == 0) {
      // The server lacks what it needs (a new agent's first message lost, or stored state gone).
      askedForMissingState = true;
      reply.setFlags(reply.getFlags() | REPORT_FULL_STATE);
      protocol.metrics().fullStateRequested("missing_state");
      reported.forget();
    }
    if (message.hasAvailableComponents()
        && message.getAvailableComponents().getComponentsCount() == 0
        && !outcome.hasComponentDetails()
        && !message.getAvailableComponents().getHash().isEmpty()) {
      reply.setFlags(reply.getFlags() | REPORT_COMPONENTS);
    }
    return reply.build();
  }
}
