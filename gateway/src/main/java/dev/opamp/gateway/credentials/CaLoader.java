package dev.opamp.gateway.credentials;

import dev.opamp.gateway.config.GatewaySettings;
import dev.opamp.gateway.config.SettingsException;
import dev.opamp.gateway.credentials.proto.StoredCa;
import dev.opamp.gateway.tls.KeyPairs;
import dev.opamp.gateway.tls.PemFiles;
import dev.opamp.gateway.tls.TlsMaterialException;
import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.logging.Logger;

/**
 * Brings up the gateway CA every node of a cluster shares: the operator's ({@code --ca-cert},
 * {@code --ca-key}), or the one the cluster stored, or a new one the first node generates and
 * stores (put-if-absent, so concurrent first starts agree on one). The key is stored sealed with
 * the CA secret; a secret that does not open it stops the start with a clear error. Blocking and
 * CPU-heavy: a worker thread only.
 */
final class CaLoader {

  private static final Logger LOG = Logger.getLogger(CaLoader.class.getName());

  private CaLoader() {}

  static GatewayCa load(CredentialStore store, GatewaySettings settings, String clusterName) {
    Path secretFile = settings.effectiveCaKeySecretFile();
    boolean defaultSecret = settings.caKeySecretFile() == null;
    try {
      if (settings.caCert() != null) {
        return operatorCa(store, settings, secretFile, defaultSecret);
      }
      StoredCa stored = store.ca();
      if (stored == null) {
        char[] secret = CaSecret.load(secretFile, defaultSecret, "");
        try {
          GatewayCa fresh = GatewayCa.generate(clusterName);
          StoredCa sealed = CaKeySeal.seal(fresh.certificatePem(), fresh.key(), secret, false);
          stored = store.caIfAbsent(sealed);
          if (stored == sealed) {
            LOG.info("generated the gateway CA (" + fresh.certificate().getSubjectX500Principal().getName()
                + ") and stored its key sealed with the secret in " + secretFile.toAbsolutePath());
            return fresh;
          }
          return open(stored, secret, secretFile); // another node stored one first
        } finally {
          Arrays.fill(secret, '\0');
        }
      }
      char[] secret = CaSecret.load(secretFile, false, defaultSecret
          ? "; the cluster already has a CA, so give this node the secret file of the other nodes with "
              + CaSecret.FLAG : "");
      try {
        return open(stored, secret, secretFile);
      } finally {
        Arrays.fill(secret, '\0');
      }
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("the gateway CA cannot be set up: " + e.getMessage(), e);
    }
  }

  private static GatewayCa operatorCa(CredentialStore store, GatewaySettings settings, Path secretFile,
      boolean defaultSecret) throws GeneralSecurityException {
    X509Certificate certificate;
    PrivateKey key;
    try {
      // The listeners' PEM reading: bounded files, and messages that never quote key material.
      certificate = PemFiles.certificates(settings.caCert(), "--ca-cert",
          PemFiles.read(settings.caCert(), "--ca-cert")).get(0);
      key = PemFiles.privateKey(settings.caKey(), "--ca-key", PemFiles.read(settings.caKey(), "--ca-key"));
    } catch (TlsMaterialException e) {
      throw new SettingsException(e.getMessage(), e);
    }
    if (certificate.getBasicConstraints() < 0) {
      throw new SettingsException("--ca-cert: " + settings.caCert() + " is not a CA certificate (no basic constraints"
          + " with cA=true), so agents' peers would not accept what it signs");
    }
    if (!KeyPairs.belongTogether(key, certificate)) {
      throw new SettingsException("--ca-key: " + settings.caKey() + " is not the private key of " + settings.caCert());
    }
    GatewayCa ca = new GatewayCa(certificate, key);
    StoredCa stored = store.ca();
    if (stored == null || !stored.getCertificatePem().equals(ca.certificatePem())) {
      char[] secret = CaSecret.load(secretFile, defaultSecret, "");
      try {
        store.replaceCa(CaKeySeal.seal(ca.certificatePem(), key, secret, true));
      } finally {
        Arrays.fill(secret, '\0');
      }
      LOG.info("the gateway CA is the operator's (" + certificate.getSubjectX500Principal().getName() + ")");
    }
    return ca;
  }

  private static GatewayCa open(StoredCa stored, char[] secret, Path secretFile) throws GeneralSecurityException {
    X509Certificate certificate;
    try {
      certificate = Pem.certificate(stored.getCertificatePem());
    } catch (IOException e) {
      throw new GeneralSecurityException("the stored CA certificate is corrupt: " + e.getMessage(), e);
    }
    try {
      return new GatewayCa(certificate, CaKeySeal.open(stored, secret, certificate.getPublicKey().getAlgorithm()));
    } catch (CaKeySeal.WrongSecretException e) {
      throw new SettingsException(CaSecret.FLAG + ": the secret in " + secretFile + " does not decrypt the cluster's"
          + " stored CA key; every node must use the secret the CA key was sealed with");
    }
  }
}
