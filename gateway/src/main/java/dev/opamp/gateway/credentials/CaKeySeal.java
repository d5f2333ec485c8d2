package dev.opamp.gateway.credentials;

import com.google.protobuf.ByteString;
import dev.opamp.gateway.credentials.proto.StoredCa;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Arrays;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.PBEKeySpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Seals the CA private key for the cluster map: AES-256-GCM under a key derived from the CA
 * secret with PBKDF2-HMAC-SHA256 and a random salt. The CA certificate is the associated data,
 * so a sealed key cannot be paired with another certificate. Slow on purpose: worker threads only.
 */
final class CaKeySeal {

  static final int ITERATIONS = 310_000;
  private static final int TAG_BITS = 128;
  private static final SecureRandom RANDOM = new SecureRandom();

  /** The secret does not open the sealed key. */
  static final class WrongSecretException extends Exception {
    private static final long serialVersionUID = 1L;

    WrongSecretException() {
      super("the secret does not decrypt the stored CA key");
    }
  }

  private CaKeySeal() {}

  static StoredCa seal(String certificatePem, PrivateKey key, char[] secret, boolean operatorProvided)
      throws GeneralSecurityException {
    byte[] salt = random(16);
    byte[] nonce = random(12);
    Cipher cipher = cipher(Cipher.ENCRYPT_MODE, secret, salt, ITERATIONS, nonce, certificatePem);
    byte[] sealed = cipher.doFinal(key.getEncoded());
    return StoredCa.newBuilder()
        .setCertificatePem(certificatePem)
        .setSealedKey(ByteString.copyFrom(sealed))
        .setSalt(ByteString.copyFrom(salt))
        .setNonce(ByteString.copyFrom(nonce))
        .setKdfIterations(ITERATIONS)
        .setOperatorProvided(operatorProvided)
        .setCreatedUnixMs(System.currentTimeMillis())
        .build();
  }

  /** The CA private key; its algorithm is the certificate's. */
  static PrivateKey open(StoredCa stored, char[] secret, String algorithm)
      throws GeneralSecurityException, WrongSecretException {
    Cipher cipher = cipher(Cipher.DECRYPT_MODE, secret, stored.getSalt().toByteArray(), stored.getKdfIterations(),
        stored.getNonce().toByteArray(), stored.getCertificatePem());
    byte[] pkcs8;
    try {
      pkcs8 = cipher.doFinal(stored.getSealedKey().toByteArray());
    } catch (AEADBadTagException e) {
      throw new WrongSecretException();
    }
    try {
      return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(pkcs8));
    } finally {
      Arrays.fill(pkcs8, (byte) 0);
    }
  }

  private static Cipher cipher(int mode, char[] secret, byte[] salt, int iterations, byte[] nonce,
      String certificatePem) throws GeneralSecurityException {
    PBEKeySpec spec = new PBEKeySpec(secret, salt, iterations, 256);
    byte[] derived = SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256").generateSecret(spec).getEncoded();
    spec.clearPassword();
    Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
    cipher.init(mode, new SecretKeySpec(derived, "AES"), new GCMParameterSpec(TAG_BITS, nonce));
    Arrays.fill(derived, (byte) 0);
    cipher.updateAAD(certificatePem.getBytes(StandardCharsets.UTF_8));
    return cipher;
  }

  private static byte[] random(int n) {
    byte[] out = new byte[n];
    RANDOM.nextBytes(out);
    return out;
  }
}
