package dev.opamp.gateway.credentials;

import dev.opamp.gateway.tls.AgentIdentity;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECKey;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * The gateway CA in memory: its certificate and private key, and the signing of agent
 * certificates. Each agent certificate names its agent twice: the subject CN is the fleet key,
 * and the URI SAN is {@link AgentIdentity#uriOf}. Signing is CPU work: worker threads only.
 */
final class GatewayCa {

  static final Duration GENERATED_VALIDITY = Duration.ofDays(3650);
  /** Backdating absorbs small clock differences between the gateway and the agents' peers. */
  private static final Duration BACKDATE = Duration.ofMinutes(5);
  private static final SecureRandom RANDOM = new SecureRandom();

  private final X509Certificate certificate;
  private final PrivateKey key;
  private final String certificatePem;

  GatewayCa(X509Certificate certificate, PrivateKey key) {
    this.certificate = certificate;
    this.key = key;
    this.certificatePem = Pem.of(certificate);
  }

  /** A new self-signed CA with an ECDSA P-256 key, valid {@link #GENERATED_VALIDITY}. */
  static GatewayCa generate(String clusterName) throws GeneralSecurityException {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
    generator.initialize(new ECGenParameterSpec("secp256r1"));
    KeyPair pair = generator.generateKeyPair();
    X500Name subject = new X500NameBuilder(BCStyle.INSTANCE)
        .addRDN(BCStyle.O, "OpAMP gateway")
        .addRDN(BCStyle.CN, "OpAMP gateway CA " + clusterName)
        .build();
    Instant now = Instant.now();
    try {
      JcaX509ExtensionUtils utils = new JcaX509ExtensionUtils();
      X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(subject, serial(),
          Date.from(now.minus(BACKDATE)), Date.from(now.plus(GENERATED_VALIDITY)), subject, pair.getPublic())
          .addExtension(Extension.basicConstraints, true, new BasicConstraints(0))
          .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
          .addExtension(Extension.subjectKeyIdentifier, false, utils.createSubjectKeyIdentifier(pair.getPublic()));
      return new GatewayCa(sign(builder, pair.getPrivate()), pair.getPrivate());
    } catch (CertIOException | OperatorCreationException e) {
      throw new GeneralSecurityException("cannot build the CA certificate: " + e.getMessage(), e);
    }
  }

  X509Certificate certificate() {
    return certificate;
  }

  String certificatePem() {
    return certificatePem;
  }

  PrivateKey key() {
    return key;
  }

  /** An issued certificate, as PEM, with its serial and validity. */
  record Issued(String serial, String pem, Instant notBefore, Instant notAfter) {}

  /** Signs a client certificate for the agent with this fleet key, valid {@code lifetime} from now. */
  Issued issue(PublicKey agentKey, String fleetKey, Duration lifetime) throws GeneralSecurityException {
    Instant notBefore = Instant.now().minus(BACKDATE);
    Instant notAfter = Instant.now().plus(lifetime);
    if (notAfter.isAfter(certificate.getNotAfter().toInstant())) {
      notAfter = certificate.getNotAfter().toInstant(); // never outlive the CA
    }
    BigInteger serial = serial();
    X500Name subject = new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, fleetKey).build();
    int usage = KeyUsage.digitalSignature | ("RSA".equals(agentKey.getAlgorithm()) ? KeyUsage.keyEncipherment : 0);
    try {
      JcaX509ExtensionUtils utils = new JcaX509ExtensionUtils();
      X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(certificate, serial,
          Date.from(notBefore), Date.from(notAfter), subject, agentKey)
          .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
          .addExtension(Extension.keyUsage, true, new KeyUsage(usage))
          .addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_clientAuth))
          .addExtension(Extension.subjectAlternativeName, false, new GeneralNames(
              new GeneralName(GeneralName.uniformResourceIdentifier, AgentIdentity.uriOf(fleetKey))))
          .addExtension(Extension.subjectKeyIdentifier, false, utils.createSubjectKeyIdentifier(agentKey))
          .addExtension(Extension.authorityKeyIdentifier, false, utils.createAuthorityKeyIdentifier(certificate));
      X509Certificate issued = sign(builder, key);
      return new Issued(serialText(serial), Pem.of(issued), notBefore, notAfter);
    } catch (CertIOException | OperatorCreationException e) {
      throw new GeneralSecurityException("cannot build the certificate: " + e.getMessage(), e);
    }
  }

  /** Serials are lowercase hex of a positive 127-bit random number: unique without coordination. */
  static String serialText(BigInteger serial) {
    return serial.toString(16);
  }

  private static BigInteger serial() {
    return new BigInteger(127, RANDOM).setBit(120); // never short, never zero
  }

  private static X509Certificate sign(X509v3CertificateBuilder builder, PrivateKey key)
      throws OperatorCreationException, GeneralSecurityException {
    return new JcaX509CertificateConverter().getCertificate(
        builder.build(new JcaContentSignerBuilder(signatureAlgorithm(key)).build(key)));
  }

  private static String signatureAlgorithm(PrivateKey key) {
    return switch (key.getAlgorithm()) {
      case "EC" -> ((ECKey) key).getParams().getCurve().getField().getFieldSize() > 256
          ? "SHA384withECDSA" : "SHA256withECDSA";
      case "RSA" -> "SHA256withRSA";
      case "Ed25519", "EdDSA" -> "Ed25519";
      default -> throw new IllegalArgumentException("unsupported CA key type " + key.getAlgorithm());
    };
  }
}
