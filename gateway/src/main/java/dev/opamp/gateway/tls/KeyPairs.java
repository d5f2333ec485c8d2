package dev.opamp.gateway.tls;

import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.X509Certificate;

/** Whether a private key and a certificate belong together, for every key file the gateway reads. */
public final class KeyPairs {

  private static final SecureRandom RANDOM = new SecureRandom();

  private KeyPairs() {}

  /** The signature algorithm that proves possession of {@code key}; null for a key type not handled. */
  public static String proofAlgorithm(PrivateKey key) {
    return switch (key.getAlgorithm()) {
      case "RSA" -> "SHA256withRSA";
      case "EC", "ECDSA" -> "SHA256withECDSA";
      case "Ed25519", "EdDSA" -> "Ed25519";
      case "Ed448" -> "Ed448";
      default -> null;
    };
  }

  /**
   * True if {@code key} is the private half of the certificate's public key: a random challenge
   * signed with the key verifies with the certificate (comparing encodings would miss keys
   * written in another form).
   */
  public static boolean belongTogether(PrivateKey key, X509Certificate certificate) {
    String algorithm = proofAlgorithm(key);
    if (algorithm == null || !family(key.getAlgorithm()).equals(family(certificate.getPublicKey().getAlgorithm()))) {
      return false;
    }
    try {
      byte[] challenge = new byte[32];
      RANDOM.nextBytes(challenge);
      Signature signer = Signature.getInstance(algorithm);
      signer.initSign(key);
      signer.update(challenge);
      byte[] signature = signer.sign();
      Signature verifier = Signature.getInstance(algorithm);
      verifier.initVerify(certificate.getPublicKey());
      verifier.update(challenge);
      return verifier.verify(signature);
    } catch (GeneralSecurityException e) {
      return false;
    }
  }

  private static String family(String algorithm) {
    return switch (algorithm) {
      case "EC", "ECDSA" -> "EC";
      case "Ed25519", "EdDSA" -> "EdDSA";
      default -> algorithm;
    };
  }
}
