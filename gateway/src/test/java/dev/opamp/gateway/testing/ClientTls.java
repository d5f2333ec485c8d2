package dev.opamp.gateway.testing;

import io.vertx.core.net.ClientOptionsBase;
import io.vertx.core.net.KeyCertOptions;
import io.vertx.core.net.TrustOptions;

/**
 * How a test client speaks TLS: the anchors it trusts the server by (host names verified) and,
 * for mutual TLS, the client certificate it presents (null for none).
 */
public record ClientTls(TrustOptions trust, KeyCertOptions identity) {

  /** Trusts the server by {@code pki}'s CA, presents no certificate. */
  public static ClientTls trusting(TestPki pki) {
    return new ClientTls(pki.trustOptions(), null);
  }

  /** Trusts the server by {@code pki}'s CA and presents {@code certificate}. */
  public static ClientTls presenting(TestPki pki, TestPki.Issued certificate) {
    return new ClientTls(pki.trustOptions(), certificate.keyCertOptions());
  }

  /** Turns TLS on in a Vert.x client's options. */
  public <T extends ClientOptionsBase> T applyTo(T options) {
    options.setSsl(true);
    options.setTrustOptions(trust);
    if (identity != null) {
      options.setKeyCertOptions(identity);
    }
    return options;
  }
}
