package dev.opamp.gateway.credentials;

import com.hazelcast.core.EntryEvent;
import com.hazelcast.map.IMap;
import com.hazelcast.map.listener.EntryAddedListener;
import com.hazelcast.map.listener.EntryRemovedListener;
import com.hazelcast.map.listener.EntryUpdatedListener;
import dev.opamp.gateway.tls.ClientCertificatePolicy;
import java.math.BigInteger;
import java.security.cert.X509Certificate;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/**
 * The client-certificate policy of the OpAMP listener: certificates must chain to the gateway CA,
 * and those the gateway revoked are refused. The revoked serials are this node's copy of the
 * cluster's revocation map (followed by events, reloaded periodically), so a handshake never
 * waits for the cluster.
 */
final class RevocationList implements ClientCertificatePolicy {

  private final GatewayCa ca;
  private final IMap<String, byte[]> revocations;
  private volatile Set<String> revoked = Set.of();
  private UUID listener;

  RevocationList(GatewayCa ca, IMap<String, byte[]> revocations) {
    this.ca = ca;
    this.revocations = revocations;
  }

  /** Follows the revocation map and loads it (blocking: a worker thread). */
  void start() {
    listener = revocations.addEntryListener(new Follower(), false);
    reload();
  }

  void stop() {
    if (listener != null) {
      revocations.removeEntryListener(listener);
    }
  }

  /** Replaces this node's copy with the cluster's (blocking). */
  synchronized void reload() {
    revoked = Set.copyOf(revocations.keySet());
  }

  @Override
  public List<X509Certificate> trustAnchors() {
    return List.of(ca.certificate());
  }

  @Override
  public boolean isRevoked(X509Certificate certificate) {
    return certificate.getIssuerX500Principal().equals(ca.certificate().getSubjectX500Principal())
        && revoked.contains(serialOf(certificate.getSerialNumber()));
  }

  static String serialOf(BigInteger serial) {
    return GatewayCa.serialText(serial);
  }

  synchronized void add(String serial) {
    Set<String> next = new HashSet<>(revoked);
    next.add(serial);
    revoked = Set.copyOf(next);
  }

  private synchronized void remove(String serial) {
    Set<String> next = new HashSet<>(revoked);
    next.remove(serial);
    revoked = Set.copyOf(next);
  }

  private final class Follower implements EntryAddedListener<String, byte[]>, EntryUpdatedListener<String, byte[]>,
      EntryRemovedListener<String, byte[]> {
    @Override
    public void entryAdded(EntryEvent<String, byte[]> event) {
      add(event.getKey());
    }

    @Override
    public void entryUpdated(EntryEvent<String, byte[]> event) {
      add(event.getKey());
    }

    @Override
    public void entryRemoved(EntryEvent<String, byte[]> event) {
      remove(event.getKey());
    }
  }
}
