package dev.opamp.gateway.credentials;

import com.google.protobuf.ByteString;
import com.hazelcast.core.EntryEvent;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.listener.EntryAddedListener;
import com.hazelcast.map.listener.EntryUpdatedListener;
import dev.opamp.gateway.config.GatewaySettings;
import dev.opamp.gateway.credentials.proto.AgentCredential;
import dev.opamp.gateway.credentials.proto.CsrPolicy;
import dev.opamp.gateway.credentials.proto.IssuedCertificate;
import dev.opamp.gateway.fleet.Selector;
import dev.opamp.gateway.metrics.GatewayMetrics;
import dev.opamp.gateway.tls.ClientCertificatePolicy;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The gateway CA at work on one node: decides agents' certificate requests by the CSR policy,
 * signs, renews before expiry, rotates and revokes on an operator's word, and tells every node
 * when credentials changed so that each re-offers its own agents. Every method that touches the
 * cluster or signs runs on a worker thread and answers a future.
 */
public final class AgentCredentials {

  private static final Logger LOG = Logger.getLogger(AgentCredentials.class.getName());
  /** How often this node renews the certificates it holds the records of, and checks for missed changes. */
  static final long HOUSEKEEPING_MILLIS = 30_000;
  /** Certificates stay listed this long after they expire. */
  private static final Duration EXPIRED_KEPT = Duration.ofDays(1);
  private static final double MILLIS_PER_DAY = 86_400_000d;

  public static final String PENDING = "pending";
  public static final String REFUSED = "refused";
  public static final String REJECTED = "rejected";
  public static final String ISSUED = "issued";

  private final Vertx vertx;
  private final CredentialStore store;
  private final GatewayCa ca;
  private final RevocationList revocations;
  private final GatewayMetrics metrics;
  private final Duration lifetime;
  private final double renewAt;
  private final CsrPolicy defaultPolicy;
  private final List<Runnable> changeListeners = new CopyOnWriteArrayList<>();
  private final AtomicLong revision = new AtomicLong();
  private volatile String seenRevision;
  private volatile double nearestExpiryDays = Double.NaN;
  private java.util.UUID changeListener;
  private long timer = -1;

  private AgentCredentials(Vertx vertx, CredentialStore store, GatewayCa ca, GatewaySettings settings,
      GatewayMetrics metrics) {
    this.vertx = vertx;
    this.store = store;
    this.ca = ca;
    this.revocations = new RevocationList(ca, store.revocationsMap());
    this.metrics = metrics;
    this.lifetime = settings.agentCertLifetime();
    this.renewAt = settings.agentCertRenewAt();
    this.defaultPolicy = CsrPolicy.newBuilder().setMode(settings.csrPolicy())
        .setSelector(Objects.requireNonNullElse(settings.csrAutoSelector(), "")).build();
  }

  /** Loads (or creates) the cluster's CA and starts following credential changes. */
  public static Future<AgentCredentials> start(Vertx vertx, HazelcastInstance hazelcast, GatewaySettings settings,
      GatewayMetrics metrics, String clusterName) {
    return vertx.executeBlocking(() -> {
      CredentialStore store = new CredentialStore(hazelcast); // opening its maps may wait for their load
      GatewayCa ca = CaLoader.load(store, settings, clusterName);
      AgentCredentials credentials = new AgentCredentials(vertx, store, ca, settings, metrics);
      credentials.revocations.start();
      credentials.changeListener = store.changesMap().addEntryListener(credentials.new ChangeFollower(), false);
      credentials.seenRevision = store.revision();
      return credentials;
    }, false).onSuccess(c -> {
      metrics.agentCertificateExpiry(() -> c.nearestExpiryDays);
      c.timer = vertx.setPeriodic(1000, HOUSEKEEPING_MILLIS, id -> c.housekeeping());
    });
  }

  public void stop() {
    if (timer >= 0) {
      vertx.cancelTimer(timer);
    }
    revocations.stop();
    if (changeListener != null) {
      store.changesMap().removeEntryListener(changeListener);
    }
  }

  /** The CA certificate, PEM: what agents' peers trust. */
  public String caCertificatePem() {
    return ca.certificatePem();
  }

  /** What the OpAMP listener accepts as client certificates: chains to this CA, not revoked. */
  public ClientCertificatePolicy clientCertificatePolicy() {
    return revocations;
  }

  /** Called (on no particular thread) whenever credentials changed anywhere in the cluster. */
  public void onChange(Runnable listener) {
    changeListeners.add(listener);
  }

  /** Grows each time this node learns that credentials changed: sessions reload what they hold. */
  long revision() {
    return revision.get();
  }

  // ---- what agents ask for ----

  /**
   * Answers an agent's certificate request: the same request again gets the decision already
   * made; a new one is checked and then signed, held for an operator, or refused.
   */
  Future<AgentCredential> request(String key, ByteString uid, ByteString csr, ByteString csrHash,
      Map<String, String> attributes) {
    return vertx.executeBlocking(() -> {
      AgentCredential before = store.agent(key);
      if (before != null && before.getCsrSha256().equals(csrHash)) {
        return before;
      }
      AgentCredential.Builder next = (before == null ? AgentCredential.newBuilder() : before.toBuilder())
          .setAgent(key).setCsrSha256(csrHash).setRequestedUnixMs(System.currentTimeMillis())
          .clearReason().clearRequestedPublicKey().clearSubject().clearKeyType();
      CsrCheck.Accepted accepted;
      try {
        accepted = CsrCheck.check(csr, key, uid);
      } catch (CsrCheck.RefusedException e) {
        metrics.csrRejected(e.refusal.tag);
        AgentCredential refused = next.setState(REFUSED).setReason(e.getMessage()).build();
        store.setAgent(refused);
        return refused;
      }
      next.setRequestedPublicKey(ByteString.copyFrom(accepted.publicKeyDer()))
          .setSubject(accepted.subject()).setKeyType(accepted.keyType());
      String mode = signingMode(before, attributes, next);
      if (mode == null) {
        AgentCredential pending = next.setState(PENDING).build();
        store.setAgent(pending);
        return pending;
      }
      return issue(next, mode);
    }, false);
  }

  /** The credential stored for an agent; null if it never asked for a certificate. */
  Future<AgentCredential> credential(String key) {
    return vertx.executeBlocking(() -> store.agent(key), false);
  }

  /** Which mode signs this request now; null if it waits for an operator. */
  private String signingMode(AgentCredential before, Map<String, String> attributes, AgentCredential.Builder next) {
    if (before != null && before.getRevoked()) {
      next.setReason("the agent's certificate was revoked: an operator approves its next request");
      return null;
    }
    CsrPolicy policy = policyNow();
    return switch (policy.getMode()) {
      case "auto" -> "auto";
      case "selector" -> Selector.parse(policy.getSelector()).matches(attributes) ? "selector" : null;
      default -> null;
    };
  }

  /** Signs the request's key and stores the certificate and the agent's new state. */
  private AgentCredential issue(AgentCredential.Builder next, String mode) throws GeneralSecurityException,
      java.io.IOException {
    ByteString key = next.getRequestedPublicKey();
    GatewayCa.Issued issued = ca.issue(CsrCheck.publicKey(key.toByteArray()), next.getAgent(), lifetime);
    AgentCredential credential = withCertificate(next.setPublicKey(key), issued, mode).setState(ISSUED).build();
    record(credential, issued, mode);
    return credential;
  }

  /** Re-signs the key of the agent's current certificate: no secret travels, the agent keeps its key. */
  private AgentCredential reissue(AgentCredential current, String mode) throws GeneralSecurityException,
      java.io.IOException {
    GatewayCa.Issued issued = ca.issue(CsrCheck.publicKey(current.getPublicKey().toByteArray()), current.getAgent(),
        lifetime);
    AgentCredential credential = withCertificate(current.toBuilder(), issued, mode).build();
    record(credential, issued, mode);
    return credential;
  }

  private AgentCredential.Builder withCertificate(AgentCredential.Builder b, GatewayCa.Issued issued, String mode) {
    long notBefore = issued.notBefore().toEpochMilli();
    long notAfter = issued.notAfter().toEpochMilli();
    return b.setSerial(issued.serial()).setCertificatePem(issued.pem())
        .setNotBeforeUnixMs(notBefore).setNotAfterUnixMs(notAfter)
        .setRenewAfterUnixMs(notBefore + (long) ((notAfter - notBefore) * renewAt))
        .setRevoked(false).setSignedBy(mode);
  }

  private void record(AgentCredential credential, GatewayCa.Issued issued, String mode) {
    store.setCertificate(IssuedCertificate.newBuilder().setSerial(issued.serial()).setAgent(credential.getAgent())
        .setNotBeforeUnixMs(issued.notBefore().toEpochMilli()).setNotAfterUnixMs(issued.notAfter().toEpochMilli())
        .setSignedBy(mode).build());
    store.setAgent(credential);
    metrics.certificateSigned(mode);
  }

  // ---- what operators do ----

  /** The CSR policy in force: the one the API set, or the settings' default. */
  public Future<CsrPolicy> policy() {
    return vertx.executeBlocking(this::policyNow, false);
  }

  private CsrPolicy policyNow() {
    CsrPolicy stored = store.policy();
    return stored != null ? stored : defaultPolicy;
  }

  /** Sets the CSR policy cluster-wide; requests already pending stay pending. */
  public Future<CsrPolicy> setPolicy(String mode, String selector) {
    CsrPolicy policy = CsrPolicy.newBuilder().setMode(mode).setSelector(selector)
        .setUpdatedUnixMs(System.currentTimeMillis()).build();
    return vertx.executeBlocking(() -> {
      store.setPolicy(policy);
      return policy;
    }, false);
  }

  /** Agents' requests in {@code state} (pending, refused, rejected, issued; null: all). */
  public Future<List<AgentCredential>> requests(String state) {
    return vertx.executeBlocking(() -> store.agentsIn(state), false);
  }

  /** Outcome of an operator's decision on one request. */
  public enum Decision { DONE, NO_REQUEST, NOT_PENDING }

  /** An operator's decision and the agent's credential after it (null if it has none). */
  public record Decided(Decision decision, AgentCredential credential) {}

  /** Signs an agent's pending request. */
  public Future<Decided> approve(String key) {
    return decide(key, pending -> issue(pending.toBuilder(), "manual"));
  }

  /** Refuses an agent's pending request; the agent is told {@code reason}. */
  public Future<Decided> reject(String key, String reason) {
    return decide(key, pending -> {
      metrics.csrRejected(CsrCheck.Refusal.REJECTED.tag);
      AgentCredential rejected = pending.toBuilder().setState(REJECTED)
          .setReason("rejected by an operator" + (reason.isBlank() ? "" : ": " + reason)).build();
      store.setAgent(rejected);
      return rejected;
    });
  }

  private interface PendingAction {
    AgentCredential apply(AgentCredential pending) throws Exception;
  }

  private Future<Decided> decide(String key, PendingAction action) {
    return vertx.executeBlocking(() -> {
      AgentCredential c = store.agent(key);
      if (c == null) {
        return new Decided(Decision.NO_REQUEST, null);
      }
      if (!PENDING.equals(c.getState())) {
        return new Decided(Decision.NOT_PENDING, c);
      }
      AgentCredential after = action.apply(c);
      store.announceChange();
      return new Decided(Decision.DONE, after);
    }, false);
  }

  /** Every certificate issued and not yet forgotten (expired more than a day ago), or one agent's. */
  public Future<List<IssuedCertificate>> certificates(String agent) {
    return vertx.executeBlocking(() -> {
      List<IssuedCertificate> out = new ArrayList<>();
      for (IssuedCertificate c : store.certificates()) {
        if (agent == null || agent.equals(c.getAgent())) {
          out.add(c);
        }
      }
      return out;
    }, false);
  }

  /** Revokes one certificate by serial; answers the serials revoked (empty: unknown or already revoked). */
  public Future<List<String>> revokeSerial(String serial) {
    return vertx.executeBlocking(() -> {
      IssuedCertificate c = store.certificate(serial);
      List<String> done = c == null || c.getRevoked() ? List.of() : revoke(List.of(c));
      return done;
    }, false);
  }

  /** Revokes every unexpired certificate of an agent; its next request waits for an operator. */
  public Future<List<String>> revokeAgent(String key) {
    return vertx.executeBlocking(() -> {
      long now = System.currentTimeMillis();
      List<IssuedCertificate> targets = new ArrayList<>();
      for (IssuedCertificate c : store.certificates()) {
        if (c.getAgent().equals(key) && !c.getRevoked() && c.getNotAfterUnixMs() > now) {
          targets.add(c);
        }
      }
      return revoke(targets);
    }, false);
  }

  private List<String> revoke(Collection<IssuedCertificate> targets) {
    long now = System.currentTimeMillis();
    List<String> serials = new ArrayList<>();
    for (IssuedCertificate c : targets) {
      store.revoke(c.toBuilder().setRevoked(true).setRevokedUnixMs(now).build());
      revocations.add(c.getSerial()); // in force on this node before the answer; others follow the map
      serials.add(c.getSerial());
      AgentCredential agent = store.agent(c.getAgent());
      if (agent != null && agent.getSerial().equals(c.getSerial())) {
        store.setAgent(agent.toBuilder().setRevoked(true).build());
      }
    }
    if (!serials.isEmpty()) {
      metrics.certificatesRevoked(serials.size());
      store.announceChange();
    }
    return serials;
  }

  /** Re-signs at once the current certificate of each of these agents that has one; answers how many. */
  public Future<Integer> rotate(Collection<String> keys) {
    return vertx.executeBlocking(() -> {
      int rotated = 0;
      for (String key : keys) {
        AgentCredential c = store.agent(key);
        if (c != null && !c.getSerial().isEmpty() && !c.getRevoked() && !c.getPublicKey().isEmpty()) {
          reissue(c, "rotation");
          metrics.certificateRotated("forced");
          rotated++;
        }
      }
      if (rotated > 0) {
        store.announceChange();
      }
      return rotated;
    }, false);
  }

  // ---- housekeeping ----

  /**
   * Renews the certificates past their renewal point among the agents this member holds the
   * primary copy of, forgets long-expired certificates, samples the nearest expiry, and catches
   * a change announcement this node missed.
   */
  private void housekeeping() {
    vertx.executeBlocking(() -> {
      long now = System.currentTimeMillis();
      long nearest = Long.MAX_VALUE;
      int renewed = 0;
      for (AgentCredential c : store.localAgents()) {
        if (c.getSerial().isEmpty() || c.getRevoked() || c.getPublicKey().isEmpty()) {
          continue;
        }
        if (c.getRenewAfterUnixMs() <= now) {
          c = reissue(c, "renewal");
          metrics.certificateRotated("renewal");
          renewed++;
        }
        nearest = Math.min(nearest, c.getNotAfterUnixMs());
      }
      nearestExpiryDays = nearest == Long.MAX_VALUE ? Double.NaN : (nearest - now) / MILLIS_PER_DAY;
      store.forgetExpired(now - EXPIRED_KEPT.toMillis());
      if (renewed > 0) {
        store.announceChange();
      }
      revocations.reload();
      String current = store.revision();
      if (!Objects.equals(current, seenRevision)) {
        seenRevision = current;
        changed();
      }
      return renewed;
    }, false).onFailure(e -> LOG.log(Level.WARNING, "credentials housekeeping failed; retrying later", e));
  }

  private void changed() {
    revision.incrementAndGet();
    changeListeners.forEach(Runnable::run);
  }

  private final class ChangeFollower implements EntryAddedListener<String, String>,
      EntryUpdatedListener<String, String> {
    @Override
    public void entryAdded(EntryEvent<String, String> event) {
      seenRevision = event.getValue();
      changed();
    }

    @Override
    public void entryUpdated(EntryEvent<String, String> event) {
      seenRevision = event.getValue();
      changed();
    }
  }
}
