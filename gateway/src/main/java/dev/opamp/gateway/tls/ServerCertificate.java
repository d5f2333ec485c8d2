package dev.opamp.gateway.tls;

import io.vertx.core.net.KeyCertOptions;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import javax.net.ssl.KeyManagerFactory;

/**
 * A listener's certificate chain and private key, read from two PEM files and checked to belong
 * together. {@link #digest()} fingerprints both files' contents so a watcher can tell a change.
 */
final class ServerCertificate {

  private final List<X509Certificate> chain;
  private final PrivateKey key;
  private final byte[] digest;

  private ServerCertificate(List<X509Certificate> chain, PrivateKey key, byte[] digest) {
    this.chain = chain;
    this.key = key;
    this.digest = digest;
  }

  /** The SHA-256 of both files as they are now; cheap enough to compare every few seconds. */
  static byte[] digestOf(byte[] certPem, byte[] keyPem) {
    MessageDigest sha = sha256();
    sha.update(certPem);
    sha.update((byte) 0);
    sha.update(keyPem);
    return sha.digest();
  }

  /** Reads and checks both files (blocking: call on a worker thread). */
  static ServerCertificate read(ListenerFiles files) throws TlsMaterialException {
    byte[] certPem = PemFiles.read(files.cert(), files.certLabel());
    byte[] keyPem = PemFiles.read(files.key(), files.keyLabel());
    return parse(files, certPem, keyPem);
  }

  static ServerCertificate parse(ListenerFiles files, byte[] certPem, byte[] keyPem) throws TlsMaterialException {
    List<X509Certificate> chain = PemFiles.certificates(files.cert(), files.certLabel(), certPem);
    PrivateKey key = PemFiles.privateKey(files.key(), files.keyLabel(), keyPem);
    if (!belongTogether(key, chain.get(0), files.keyLabel())) {
      throw new TlsMaterialException(files.keyLabel() + ": the private key in " + files.key()
          + " does not belong to the certificate in " + files.cert() + " ("
          + chain.get(0).getSubjectX500Principal().getName() + ")");
    }
    return new ServerCertificate(List.copyOf(chain), key, digestOf(certPem, keyPem));
  }

  X509Certificate leaf() {
    return chain.get(0);
  }

  byte[] digest() {
    return digest.clone();
  }

  Instant notAfter() {
    return leaf().getNotAfter().toInstant();
  }

  /** Why this certificate will not satisfy clients right now (expired, not yet valid), if so. */
  Optional<String> validityProblem(Instant now) {
    X509Certificate leaf = leaf();
    if (now.isAfter(leaf.getNotAfter().toInstant())) {
      return Optional.of("expired on " + leaf.getNotAfter().toInstant());
    }
    if (now.isBefore(leaf.getNotBefore().toInstant())) {
      return Optional.of("not valid before " + leaf.getNotBefore().toInstant());
    }
    return Optional.empty();
  }

  /** The key material for Vert.x: an in-memory key store that never leaves this object. */
  KeyCertOptions keyCertOptions() {
    try {
      char[] password = new char[0];
      KeyStore store = KeyStore.getInstance("PKCS12");
      store.load(null, null);
      store.setKeyEntry("server", key, password, chain.toArray(new X509Certificate[0]));
      KeyManagerFactory factory = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      factory.init(store, password);
      return KeyCertOptions.wrap(factory);
    } catch (GeneralSecurityException | java.io.IOException e) {
      throw new IllegalStateException("cannot hold the server key in memory: " + e.getClass().getSimpleName(), e);
    }
  }

  /** Whether the key is the certificate's (see {@link KeyPairs}); an unsupported key type is an error. */
  private static boolean belongTogether(PrivateKey key, X509Certificate certificate, String label)
      throws TlsMaterialException {
    if (KeyPairs.proofAlgorithm(key) == null) {
      throw new TlsMaterialException(label + ": unsupported private key type " + key.getAlgorithm()
          + " (RSA, EC or Ed25519)");
    }
    return KeyPairs.belongTogether(key, certificate);
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }
}
