package dev.opamp.gateway.tls;

import java.security.cert.X509Certificate;
import java.util.List;

/**
 * Which client certificates the OpAMP listener accepts when mTLS is on: the anchors a chain must
 * lead to (the gateway CA, plus any operator trust bundle) and the certificates refused although
 * they chain correctly (revoked). The credentials side implements it; the listener asks it on
 * every handshake and reloads its trust when {@link #trustAnchors()} changes.
 */
public interface ClientCertificatePolicy {

  /** The certificates a client chain must lead to. */
  List<X509Certificate> trustAnchors();

  /** True if this certificate must be refused although it chains to a trust anchor. */
  boolean isRevoked(X509Certificate certificate);

  /** Trusts nothing: for a listener without mTLS. */
  ClientCertificatePolicy NONE = new ClientCertificatePolicy() {
    @Override
    public List<X509Certificate> trustAnchors() {
      return List.of();
    }

    @Override
    public boolean isRevoked(X509Certificate certificate) {
      return false;
    }
  };
}
