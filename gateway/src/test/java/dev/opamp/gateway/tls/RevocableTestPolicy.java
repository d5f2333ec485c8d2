package dev.opamp.gateway.tls;

import java.math.BigInteger;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/** A client-certificate policy whose anchors and revocations tests change while the gateway runs. */
final class RevocableTestPolicy implements ClientCertificatePolicy {

  private final List<X509Certificate> anchors;
  private final Set<BigInteger> revoked = ConcurrentHashMap.newKeySet();

  RevocableTestPolicy(X509Certificate... anchors) {
    this.anchors = new CopyOnWriteArrayList<>(anchors);
  }

  void trust(X509Certificate anchor) {
    anchors.add(anchor);
  }

  void revoke(X509Certificate certificate) {
    revoked.add(certificate.getSerialNumber());
  }

  @Override
  public List<X509Certificate> trustAnchors() {
    return List.copyOf(anchors);
  }

  @Override
  public boolean isRevoked(X509Certificate certificate) {
    return revoked.contains(certificate.getSerialNumber());
  }
}
