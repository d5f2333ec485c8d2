package dev.opamp.gateway.credentials;

import com.google.protobuf.ByteString;
import dev.opamp.gateway.protocol.InstanceUids;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.Provider;
import java.security.PublicKey;
import java.security.interfaces.RSAPublicKey;
import java.util.Locale;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.edec.EdECObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.sec.SECObjectIdentifiers;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x500.style.IETFUtils;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;

/**
 * Decides whether an agent's certificate request may be signed: PEM PKCS#10, a valid
 * self-signature (the agent holds the private key), a key the gateway accepts (RSA of at least
 * 2048 bits, EC P-256 or P-384, Ed25519), and a subject that names the requesting agent
 * ({@code CN=} its fleet key or its instance uid as a UUID). CPU work: worker threads only.
 */
final class CsrCheck {

  /** BouncyCastle as a private provider instance: verifies every signature type without a global registration. */
  static final Provider PROVIDER = new BouncyCastleProvider();
  private static final int MIN_RSA_BITS = 2048;

  /** Why a request was refused: the {@code reason} tag of the rejection metric. */
  enum Refusal {
    NOT_PEM("not_pem"),
    BAD_SIGNATURE("bad_signature"),
    UNSUPPORTED_KEY("unsupported_key"),
    WEAK_KEY("weak_key"),
    SUBJECT_MISMATCH("subject_mismatch"),
    REJECTED("rejected");

    final String tag;

    Refusal(String tag) {
      this.tag = tag;
    }
  }

  /** A request that passed: its key (as SubjectPublicKeyInfo DER and as a key) and what it shows. */
  record Accepted(byte[] publicKeyDer, PublicKey publicKey, String subject, String keyType) {}

  /** A request that did not pass, with the reason told to the agent and shown to operators. */
  static final class RefusedException extends Exception {
    private static final long serialVersionUID = 1L;
    final Refusal refusal;

    RefusedException(Refusal refusal, String message) {
      super(message);
      this.refusal = refusal;
    }
  }

  private CsrCheck() {}

  static Accepted check(ByteString csr, String fleetKey, ByteString uid) throws RefusedException {
    PKCS10CertificationRequest request;
    try {
      request = Pem.request(csr.toString(StandardCharsets.UTF_8));
    } catch (IOException | RuntimeException e) {
      request = null;
    }
    if (request == null) {
      throw new RefusedException(Refusal.NOT_PEM, "the CSR is not a PEM-encoded PKCS#10 certificate request");
    }
    SubjectPublicKeyInfo info = request.getSubjectPublicKeyInfo();
    String keyType = keyType(info);
    boolean valid;
    try {
      valid = request.isSignatureValid(new JcaContentVerifierProviderBuilder().setProvider(PROVIDER).build(info));
    } catch (Exception e) {
      valid = false;
    }
    if (!valid) {
      throw new RefusedException(Refusal.BAD_SIGNATURE, "the CSR's signature does not verify with its own key");
    }
    String subject = request.getSubject().toString();
    RDN[] names = request.getSubject().getRDNs(BCStyle.CN);
    String key = fleetKey.toLowerCase(Locale.ROOT);
    String uuid = InstanceUids.uuidText(uid).toLowerCase(Locale.ROOT);
    String cn = names.length == 1 ? IETFUtils.valueToString(names[0].getFirst().getValue()).toLowerCase(Locale.ROOT)
        : null;
    if (cn == null || !(cn.equals(key) || cn.equals(uuid))) {
      throw new RefusedException(Refusal.SUBJECT_MISMATCH, "the CSR's subject (" + (subject.isEmpty() ? "empty" : subject)
          + ") must be CN=" + key + " or CN=" + uuid + ", the requesting agent");
    }
    try {
      return new Accepted(info.getEncoded(), publicKey(info.getEncoded()), subject, keyType);
    } catch (IOException e) {
      throw new RefusedException(Refusal.UNSUPPORTED_KEY, "the CSR's public key cannot be read: " + e.getMessage());
    }
  }

  /** The key a stored SubjectPublicKeyInfo DER describes (for renewals). */
  static PublicKey publicKey(byte[] der) throws IOException {
    return new JcaPEMKeyConverter().setProvider(PROVIDER).getPublicKey(SubjectPublicKeyInfo.getInstance(der));
  }

  /** "RSA 3072", "EC P-256", "EC P-384" or "Ed25519"; refuses every other key. */
  private static String keyType(SubjectPublicKeyInfo info) throws RefusedException {
    ASN1ObjectIdentifier algorithm = info.getAlgorithm().getAlgorithm();
    if (algorithm.equals(PKCSObjectIdentifiers.rsaEncryption)) {
      int bits;
      try {
        bits = ((RSAPublicKey) publicKey(info.getEncoded())).getModulus().bitLength();
      } catch (IOException | ClassCastException e) {
        throw new RefusedException(Refusal.UNSUPPORTED_KEY, "the CSR's RSA key cannot be read");
      }
      if (bits < MIN_RSA_BITS) {
        throw new RefusedException(Refusal.WEAK_KEY, "the CSR's RSA key has " + bits + " bits; at least "
            + MIN_RSA_BITS + " are required");
      }
      return "RSA " + bits;
    }
    if (algorithm.equals(X9ObjectIdentifiers.id_ecPublicKey)) {
      ASN1Encodable curve = info.getAlgorithm().getParameters();
      if (X9ObjectIdentifiers.prime256v1.equals(curve)) {
        return "EC P-256";
      }
      if (SECObjectIdentifiers.secp384r1.equals(curve)) {
        return "EC P-384";
      }
      throw new RefusedException(Refusal.UNSUPPORTED_KEY, "the CSR's EC key is on curve " + curve
          + "; P-256 or P-384 are accepted");
    }
    if (algorithm.equals(EdECObjectIdentifiers.id_Ed25519)) {
      return "Ed25519";
    }
    throw new RefusedException(Refusal.UNSUPPORTED_KEY, "the CSR's key type (" + algorithm
        + ") is not accepted; use RSA of at least 2048 bits, EC P-256 or P-384, or Ed25519");
  }

}
