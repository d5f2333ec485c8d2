package dev.opamp.gateway.credentials;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import dev.opamp.gateway.credentials.proto.AgentCredential;
import dev.opamp.gateway.fleet.FleetStore;
import dev.opamp.gateway.fleet.Selector;
import dev.opamp.gateway.fleet.proto.AgentRecord;
import dev.opamp.gateway.fleet.proto.DesiredConnectionSettings;
import dev.opamp.gateway.proto.AgentCapabilities;
import dev.opamp.gateway.proto.AgentToServer;
import dev.opamp.gateway.proto.ConnectionSettingsOffers;
import dev.opamp.gateway.proto.OpAMPConnectionSettings;
import dev.opamp.gateway.proto.ServerToAgent;
import dev.opamp.gateway.proto.TLSCertificate;
import dev.opamp.gateway.protocol.AgentOffer;
import dev.opamp.gateway.protocol.ErrorResponses;
import dev.opamp.gateway.protocol.HashedOfferSession;
import dev.opamp.gateway.session.LiveSession;
import dev.opamp.gateway.session.SessionRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Offers each agent its connection settings: the definition its selector chooses, and with the
 * OpAMP settings the certificate the gateway CA issued it (certificate and CA certificate, never
 * a private key). Only the parts the agent's capabilities accept are offered, once per connection
 * unless they change; what was offered is recorded in the agent's record. An agent's certificate
 * request is answered here too: decided by the CSR policy, and a refusal is told to the agent.
 */
public final class ConnectionSettingsOffer implements AgentOffer {

  private static final Logger LOG = Logger.getLogger(ConnectionSettingsOffer.class.getName());
  private static final long ACCEPTS_OPAMP = AgentCapabilities.AgentCapabilities_AcceptsOpAMPConnectionSettings_VALUE;
  private static final long ACCEPTS_OTHER = AgentCapabilities.AgentCapabilities_AcceptsOtherConnectionSettings_VALUE;
  private static final long OWN_METRICS = AgentCapabilities.AgentCapabilities_ReportsOwnMetrics_VALUE;
  private static final long OWN_TRACES = AgentCapabilities.AgentCapabilities_ReportsOwnTraces_VALUE;
  private static final long OWN_LOGS = AgentCapabilities.AgentCapabilities_ReportsOwnLogs_VALUE;

  private final AgentCredentials credentials;
  private final ConnectionSettingsCatalog catalog;
  private final FleetStore fleet;
  private final SessionRegistry sessions;
  private final Supplier<String> defaultEndpoint;
  private final long heartbeatSeconds;

  /**
   * @param defaultEndpoint the OpAMP URL offered with a certificate when no definition names one
   * @param heartbeatSeconds the heartbeat interval offered when a definition's OpAMP part sets none
   */
  public ConnectionSettingsOffer(AgentCredentials credentials, ConnectionSettingsCatalog catalog, FleetStore fleet,
      SessionRegistry sessions, Supplier<String> defaultEndpoint, long heartbeatSeconds) {
    this.credentials = credentials;
    this.catalog = catalog;
    this.fleet = fleet;
    this.sessions = sessions;
    this.defaultEndpoint = defaultEndpoint;
    this.heartbeatSeconds = heartbeatSeconds;
  }

  @Override
  public AgentOffer.Session open() {
    return new Session();
  }

  /** Its hashes are connection-settings hashes, as the agent reports them in its status. */
  private final class Session extends HashedOfferSession {
    /** The agent's credential as last loaded, and the request and revision it answers. */
    private AgentCredential credential;
    private ByteString loadedCsrHash;
    private long loadedRevision = -1;
    private boolean loading;
    /** The request whose refusal this connection already told the agent. */
    private ByteString toldRefusal = ByteString.EMPTY;
    /**
     * The agent's record as last seen, held only while its credential loads (to offer again when
     * it arrives): a session must not keep a copy of the record for its whole life.
     */
    private AgentRecord viewWhileLoading;

    @Override
    public void reported(AgentToServer message) {
      if (message.hasConnectionSettingsStatus()) {
        agentReported(message.getConnectionSettingsStatus().getLastConnectionSettingsHash());
      }
    }

    @Override
    public void offer(Target agent, ServerToAgent.Builder reply) {
      AgentRecord stored = agent.stored();
      if (loading) {
        viewWhileLoading = stored;
      }
      if (stored.hasConnectionSettingsStatus()) {
        storedReport(stored.getConnectionSettingsStatus().getLastConnectionSettingsHash());
      }
      Map<String, String> attributes = Selector.attributesOf(stored.hasDescription() ? stored.getDescription() : null);
      refreshCredential(agent, stored, attributes);
      tellRefusal(agent);

      ConnectionSettingsCatalog.Chosen chosen = catalog.resolve(agent.key(), attributes);
      AgentCredential certificate = usable(credential) ? credential : null;
      List<String> parts = new ArrayList<>();
      ConnectionSettingsOffers offers = compose(agent, chosen == null ? null : chosen.settings(), certificate, parts);
      ByteString hash = parts.isEmpty() ? ByteString.EMPTY : hash(offers);
      DesiredConnectionSettings desired = desired(chosen, hash, parts, certificate, credential);
      if (!desired.equals(stored.getDesiredConnectionSettings())) {
        fleet.setDesired(agent.key(), AgentRecord.DESIRED_CONNECTION_SETTINGS_FIELD_NUMBER,
            AgentRecord.newBuilder().setDesiredConnectionSettings(desired).build()).onFailure(e -> LOG.log(
            Level.WARNING, "could not record the connection settings of agent " + agent.key() + ": " + e));
      }
      if (due(hash)) {
        reply.setConnectionSettings(offers.toBuilder().setHash(hash));
      }
    }

    /**
     * Loads the agent's credential when it may have changed: a new request, a change of
     * credentials in the cluster, or a new connection of an agent that accepts OpAMP settings.
     * When it arrives the session is refreshed, so the offer follows at once.
     */
    private void refreshCredential(Target agent, AgentRecord stored, Map<String, String> attributes) {
      ByteString csr = stored.getConnectionSettingsRequest().getOpamp().getCertificateRequest().getCsr();
      if (csr.isEmpty() && (!agent.declares(ACCEPTS_OPAMP) || !mayHaveCredential(stored))) {
        return;
      }
      ByteString csrHash = csr.isEmpty() ? ByteString.EMPTY : ByteString.copyFrom(FleetStore.sha256(csr.toByteArray()));
      long revision = credentials.revision();
      if (loading || (csrHash.equals(loadedCsrHash) && revision == loadedRevision)) {
        return;
      }
      loading = true;
      viewWhileLoading = stored;
      var load = csr.isEmpty() ? credentials.credential(agent.key())
          : credentials.request(agent.key(), agent.uid(), csr, csrHash, attributes);
      load.onComplete(r -> {
        AgentRecord view = viewWhileLoading;
        viewWhileLoading = null;
        loading = false;
        loadedCsrHash = csrHash;
        loadedRevision = revision;
        if (r.failed()) {
          LOG.log(Level.WARNING, "could not answer the certificate request of agent " + agent.key(), r.cause());
          return;
        }
        boolean changed = !java.util.Objects.equals(credential, r.result());
        credential = r.result();
        LiveSession holder = sessions.holder(agent.key());
        // Only a credential that changed can change the offer (most agents never asked for one).
        if (changed && holder != null && view != null) {
          holder.refresh(view);
        }
      });
    }

    /**
     * Whether the agent may hold a credential: it asked for one, or its record shows one was
     * issued or is being decided. Most agents never ask, and a lookup for each of them on every
     * connect would cost a cluster read (and a database read on the miss) per connect.
     */
    private boolean mayHaveCredential(AgentRecord stored) {
      DesiredConnectionSettings shown = stored.getDesiredConnectionSettings();
      return credential != null || !shown.getCertificateSerial().isEmpty() || !shown.getCertificateRequest().isEmpty();
    }

    /** A refused or rejected request is told once per connection, as its own message (errors stand alone). */
    private void tellRefusal(Target agent) {
      if (credential == null || toldRefusal.equals(credential.getCsrSha256())) {
        return;
      }
      String state = credential.getState();
      if (AgentCredentials.REFUSED.equals(state) || AgentCredentials.REJECTED.equals(state)) {
        toldRefusal = credential.getCsrSha256();
        LiveSession holder = sessions.holder(agent.key());
        if (holder != null) {
          holder.send(ErrorResponses.badRequest(agent.uid(), "certificate request refused: " + credential.getReason()));
        }
      }
    }
  }

  private static boolean usable(AgentCredential c) {
    return c != null && !c.getSerial().isEmpty() && !c.getRevoked()
        && c.getNotAfterUnixMs() > System.currentTimeMillis();
  }

  /** The offer's parts the agent accepts; {@code parts} names them. */
  private ConnectionSettingsOffers compose(Target agent, ConnectionSettingsOffers settings,
      AgentCredential certificate, List<String> parts) {
    ConnectionSettingsOffers.Builder out = ConnectionSettingsOffers.newBuilder();
    ConnectionSettingsOffers wanted = settings == null ? ConnectionSettingsOffers.getDefaultInstance() : settings;
    if (agent.declares(ACCEPTS_OPAMP) && (wanted.hasOpamp() || certificate != null)) {
      OpAMPConnectionSettings.Builder opamp = wanted.getOpamp().toBuilder();
      if (opamp.getDestinationEndpoint().isEmpty()) {
        opamp.setDestinationEndpoint(defaultEndpoint.get());
      }
      if (opamp.getHeartbeatIntervalSeconds() == 0) {
        opamp.setHeartbeatIntervalSeconds(heartbeatSeconds);
      }
      if (certificate != null) {
        opamp.setCertificate(TLSCertificate.newBuilder()
            .setCert(ByteString.copyFrom(certificate.getCertificatePem(), StandardCharsets.UTF_8))
            .setCaCert(ByteString.copyFrom(credentials.caCertificatePem(), StandardCharsets.UTF_8)));
      }
      out.setOpamp(opamp);
      parts.add("opamp");
    }
    if (wanted.hasOwnMetrics() && agent.declares(OWN_METRICS)) {
      out.setOwnMetrics(wanted.getOwnMetrics());
      parts.add("own_metrics");
    }
    if (wanted.hasOwnTraces() && agent.declares(OWN_TRACES)) {
      out.setOwnTraces(wanted.getOwnTraces());
      parts.add("own_traces");
    }
    if (wanted.hasOwnLogs() && agent.declares(OWN_LOGS)) {
      out.setOwnLogs(wanted.getOwnLogs());
      parts.add("own_logs");
    }
    if (wanted.getOtherConnectionsCount() > 0 && agent.declares(ACCEPTS_OTHER)) {
      out.putAllOtherConnections(wanted.getOtherConnectionsMap());
      new java.util.TreeSet<>(wanted.getOtherConnectionsMap().keySet()).forEach(name -> parts.add("other:" + name));
    }
    return out.build();
  }

  private DesiredConnectionSettings desired(ConnectionSettingsCatalog.Chosen chosen, ByteString hash,
      List<String> parts, AgentCredential certificate, AgentCredential request) {
    DesiredConnectionSettings.Builder d = DesiredConnectionSettings.newBuilder().setHash(hash).addAllParts(parts);
    if (request != null) {
      d.setCertificateRequest(request.getState()).setCertificateRequestReason(request.getReason());
    }
    if (chosen != null) {
      d.setDefinition(chosen.definition().getName()).setRollout(chosen.rollout()).setRolledBack(chosen.rolledBack());
    }
    if (certificate != null && parts.contains("opamp")) {
      d.setCertificateSerial(certificate.getSerial());
    }
    return d.build();
  }

  /** Whether an agent with these capabilities accepts any part of {@code settings}. */
  static boolean acceptsAnyPart(long capabilities, ConnectionSettingsOffers settings) {
    return (settings.hasOpamp() && (capabilities & ACCEPTS_OPAMP) != 0)
        || (settings.hasOwnMetrics() && (capabilities & OWN_METRICS) != 0)
        || (settings.hasOwnTraces() && (capabilities & OWN_TRACES) != 0)
        || (settings.hasOwnLogs() && (capabilities & OWN_LOGS) != 0)
        || (settings.getOtherConnectionsCount() > 0 && (capabilities & ACCEPTS_OTHER) != 0);
  }

  /** SHA-256 of the offer's deterministic encoding (maps sorted), so every node computes the same hash. */
  static ByteString hash(ConnectionSettingsOffers offers) {
    try {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream(offers.getSerializedSize());
      CodedOutputStream out = CodedOutputStream.newInstance(bytes);
      out.useDeterministicSerialization();
      offers.writeTo(out);
      out.flush();
      return ByteString.copyFrom(FleetStore.sha256(bytes.toByteArray()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
