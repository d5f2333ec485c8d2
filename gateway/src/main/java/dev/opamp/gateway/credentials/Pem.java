package dev.opamp.gateway.credentials;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;

/** PEM text in and out: certificates and PKCS#10 requests (key files are read by {@code tls.PemFiles}). */
final class Pem {

  private Pem() {}

  static String of(Object value) {
    StringWriter out = new StringWriter();
    try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
      writer.writeObject(value);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toString();
  }

  /** The first object of the PEM text, or null if it holds none. */
  static Object read(String text) throws IOException {
    try (PEMParser parser = new PEMParser(new StringReader(text))) {
      return parser.readObject();
    }
  }

  static X509Certificate certificate(String text) throws IOException {
    if (!(read(text) instanceof X509CertificateHolder holder)) {
      throw new IOException("no PEM CERTIFICATE found");
    }
    try {
      return new JcaX509CertificateConverter().getCertificate(holder);
    } catch (CertificateException e) {
      throw new IOException("the certificate cannot be read: " + e.getMessage(), e);
    }
  }

  /** The certification request in the PEM text; null if the text holds something else or nothing. */
  static PKCS10CertificationRequest request(String text) throws IOException {
    return read(text) instanceof PKCS10CertificationRequest request ? request : null;
  }
}
