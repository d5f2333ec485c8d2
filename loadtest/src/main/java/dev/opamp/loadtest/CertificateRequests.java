package dev.opamp.loadtest;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.StringWriter;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;

/**
 * Certificate requests as an agent makes them: a fresh EC P-256 key pair per request and a PKCS#10
 * CSR whose subject CN is the agent's fleet key (its instance uid in 32 hex digits), PEM-encoded
 * as OpAMP carries it. Key generation is CPU work: callers run it on a worker thread.
 */
final class CertificateRequests {

  /** A CSR and the public key it asks a certificate for. */
  record Request(byte[] csrPem, PublicKey publicKey) {}

  private CertificateRequests() {}

  static Request create(String fleetKey) {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
      generator.initialize(new ECGenParameterSpec("secp256r1"));
      KeyPair keys = generator.generateKeyPair();
      PKCS10CertificationRequest csr = new JcaPKCS10CertificationRequestBuilder(
          new X500Name("CN=" + fleetKey), keys.getPublic())
          .build(new JcaContentSignerBuilder("SHA256withECDSA").build(keys.getPrivate()));
      StringWriter pem = new StringWriter();
      try (JcaPEMWriter writer = new JcaPEMWriter(pem)) {
        writer.writeObject(csr);
      }
      return new Request(pem.toString().getBytes(java.nio.charset.StandardCharsets.US_ASCII), keys.getPublic());
    } catch (GeneralSecurityException | OperatorCreationException | IOException e) {
      throw new IllegalStateException("cannot make a certificate request", e);
    }
  }

  /** True if {@code certPem} is a certificate for {@code publicKey}. */
  static boolean certifies(byte[] certPem, PublicKey publicKey) {
    try {
      X509Certificate cert = (X509Certificate) CertificateFactory.getInstance("X.509")
          .generateCertificate(new ByteArrayInputStream(certPem));
      return cert.getPublicKey().equals(publicKey);
    } catch (GeneralSecurityException | RuntimeException e) {
      return false;
    }
  }
}
