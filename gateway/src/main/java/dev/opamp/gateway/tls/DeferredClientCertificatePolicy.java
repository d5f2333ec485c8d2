package dev.opamp.gateway.tls;

import java.security.cert.X509Certificate;
import java.util.List;

/**
 * A client-certificate policy known only once the node has joined its cluster (the gateway CA
 * and the revocation list live there), while the listener's TLS is read before, so that a bad
 * PEM file stops the start at once. Trusts nothing until {@link #resolve} names the real policy.
 */
public final class DeferredClientCertificatePolicy implements ClientCertificatePolicy {

  private volatile ClientCertificatePolicy resolved = ClientCertificatePolicy.NONE;

  /** From now on, {@code policy} decides. */
  public void resolve(ClientCertificatePolicy policy) {
    resolved = policy;
  }

  @Override
  public List<X509Certificate> trustAnchors() {
    return resolved.trustAnchors();
  }

  @Override
  public boolean isRevoked(X509Certificate certificate) {
    return resolved.isRevoked(certificate);
  }
}
