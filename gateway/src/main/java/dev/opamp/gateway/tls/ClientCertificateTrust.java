package dev.opamp.gateway.tls;

import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.cert.CertPathValidator;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Decides at each TLS handshake of the OpAMP listener whether a client certificate is accepted:
 * its chain must lead to one of the current anchors (the {@link ClientCertificatePolicy}'s plus
 * the operator's bundle) and no certificate of it may be revoked by the policy. The anchors are
 * swapped in place when they change, so new handshakes use them without rebuilding the server's
 * TLS context. Refusals are reported as {@code untrusted} or {@code revoked}.
 */
final class ClientCertificateTrust extends X509ExtendedTrustManager {

  static final String UNTRUSTED = "untrusted";
  static final String REVOKED = "revoked";

  /** The anchors as given and the validator's parameters built from them (null when there are none). */
  private record Anchors(List<X509Certificate> certificates, PKIXParameters parameters) {}

  private final ClientCertificatePolicy policy;
  private final Consumer<String> refused;
  private volatile Anchors anchors = new Anchors(List.of(), null);

  ClientCertificateTrust(ClientCertificatePolicy policy, Consumer<String> refused) {
    this.policy = policy;
    this.refused = refused;
  }

  /** Trusts exactly these anchors from now on (duplicates ignored). */
  void trust(List<X509Certificate> certificates) {
    List<X509Certificate> unique = List.copyOf(new LinkedHashSet<>(certificates));
    if (unique.isEmpty()) {
      anchors = new Anchors(unique, null);
      return;
    }
    Set<TrustAnchor> set = new LinkedHashSet<>();
    for (X509Certificate c : unique) {
      set.add(new TrustAnchor(c, null));
    }
    try {
      PKIXParameters parameters = new PKIXParameters(set);
      parameters.setRevocationEnabled(false); // revocation is the policy's word, asked below
      anchors = new Anchors(unique, parameters);
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException("unusable trust anchors: " + e.getMessage(), e);
    }
  }

  List<X509Certificate> anchors() {
    return anchors.certificates();
  }

  /** True if the policy revokes this certificate (asked again per request, for resumed TLS sessions). */
  boolean isRevoked(X509Certificate certificate) {
    return policy.isRevoked(certificate);
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
    verify(chain);
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
    verify(chain);
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
      throws CertificateException {
    verify(chain);
  }

  @Override
  public X509Certificate[] getAcceptedIssuers() {
    return anchors.certificates().toArray(new X509Certificate[0]);
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
    throw new CertificateException("this trust manager judges clients only");
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
    throw new CertificateException("this trust manager judges clients only");
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
      throws CertificateException {
    throw new CertificateException("this trust manager judges clients only");
  }

  private void verify(X509Certificate[] chain) throws CertificateException {
    if (chain == null || chain.length == 0) {
      refused.accept(UNTRUSTED);
      throw new CertificateException("no client certificate");
    }
    Anchors current = anchors;
    if (current.parameters() == null) {
      refused.accept(UNTRUSTED);
      throw new CertificateException("no client certificate is trusted: the listener has no trust anchors");
    }
    List<X509Certificate> path = new ArrayList<>(Arrays.asList(chain));
    // A client may send its anchor too; the validator wants the path without it.
    while (path.size() > 1 && current.certificates().contains(path.get(path.size() - 1))) {
      path.remove(path.size() - 1);
    }
    try {
      PKIXParameters parameters = (PKIXParameters) current.parameters().clone();
      CertPathValidator.getInstance("PKIX")
          .validate(CertificateFactory.getInstance("X.509").generateCertPath(path), parameters);
    } catch (CertPathValidatorException e) {
      refused.accept(UNTRUSTED);
      throw new CertificateException("client certificate not trusted: " + e.getMessage(), e);
    } catch (GeneralSecurityException e) {
      refused.accept(UNTRUSTED);
      throw new CertificateException("client certificate not verifiable: " + e.getMessage(), e);
    }
    for (X509Certificate certificate : path) {
      if (policy.isRevoked(certificate)) {
        refused.accept(REVOKED);
        throw new CertificateException("client certificate revoked: " + certificate.getSubjectX500Principal());
      }
    }
  }
}
