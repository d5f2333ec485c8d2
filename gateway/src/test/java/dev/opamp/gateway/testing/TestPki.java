package dev.opamp.gateway.testing;

import dev.opamp.gateway.tls.AgentIdentity;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.KeyCertOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.core.net.TrustOptions;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.concurrent.atomic.AtomicLong;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A throwaway PKI for TLS tests, made in memory with BouncyCastle and written to PEM files in a
 * temporary directory: a CA, server certificates for {@code 127.0.0.1}/{@code localhost}, and
 * client certificates with or without an {@link AgentIdentity} URI. EC P-256 keys, fast to make.
 */
public final class TestPki {

  private static final SecureRandom RANDOM = new SecureRandom();
  private static final AtomicLong SERIALS = new AtomicLong(System.currentTimeMillis());

  /** A certificate, its key, and both as PEM files. */
  public record Issued(X509Certificate certificate, PrivateKey key, Path certFile, Path keyFile) {

    /** The certificate and key as a TLS client identity for Vert.x clients. */
    public KeyCertOptions keyCertOptions() {
      return new PemKeyCertOptions().setCertValue(Buffer.buffer(pem(certificate)))
          .setKeyValue(Buffer.buffer(pem(key)));
    }

    /** Writes this certificate and key over {@code certFile}/{@code keyFile} (atomically, by renaming). */
    public void installAt(Path cert, Path keyPath) {
      write(cert, pem(certificate));
      write(keyPath, pem(key));
    }
  }

  private final Path dir;
  private final String name;
  private final KeyPair caKeys;
  private final X509Certificate ca;

  private TestPki(Path dir, String name, KeyPair caKeys, X509Certificate ca) {
    this.dir = dir;
    this.name = name;
    this.caKeys = caKeys;
    this.ca = ca;
  }

  /** A new CA named {@code name}, its files under a new temporary directory. */
  public static TestPki create(String name) {
    try {
      Path dir = Files.createTempDirectory("opamp-pki-" + name);
      KeyPair keys = keyPair();
      X500Name subject = new X500Name("CN=" + name + " test CA");
      Instant now = Instant.now();
      X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(subject, serial(),
          Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(Duration.ofDays(30))), subject, keys.getPublic());
      builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
      builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
      builder.addExtension(Extension.subjectKeyIdentifier, false,
          new JcaX509ExtensionUtils().createSubjectKeyIdentifier(keys.getPublic()));
      X509Certificate ca = sign(builder, keys.getPrivate());
      TestPki pki = new TestPki(dir, name, keys, ca);
      write(pki.caFile(), pem(ca));
      return pki;
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalStateException("cannot make a test CA", e);
    }
  }

  public X509Certificate caCertificate() {
    return ca;
  }

  /** The CA certificate as a PEM file. */
  public Path caFile() {
    return dir.resolve("ca.pem");
  }

  /** Trust in this CA for Vert.x clients. */
  public TrustOptions trustOptions() {
    return new PemTrustOptions().addCertValue(Buffer.buffer(pem(ca)));
  }

  public Path dir() {
    return dir;
  }

  /** A server certificate for 127.0.0.1 and localhost, valid from an hour ago for 30 days. */
  public Issued server(String fileName) {
    Instant now = Instant.now();
    return server(fileName, now.minus(Duration.ofHours(1)), now.plus(Duration.ofDays(30)));
  }

  /** A server certificate for 127.0.0.1 and localhost with the given validity. */
  public Issued server(String fileName, Instant notBefore, Instant notAfter) {
    GeneralNames names = new GeneralNames(new GeneralName[] {
        new GeneralName(GeneralName.iPAddress, "127.0.0.1"), new GeneralName(GeneralName.dNSName, "localhost")});
    return issue(fileName, "CN=" + fileName, names, KeyPurposeId.id_kp_serverAuth, notBefore, notAfter);
  }

  /** A client certificate naming the agent with this fleet key (32 hex digits). */
  public Issued agent(String fileName, String fleetKey) {
    GeneralNames names = new GeneralNames(new GeneralName(GeneralName.uniformResourceIdentifier,
        AgentIdentity.uriOf(fleetKey)));
    Instant now = Instant.now();
    return issue(fileName, "CN=agent " + fleetKey, names, KeyPurposeId.id_kp_clientAuth, now.minus(Duration.ofHours(1)),
        now.plus(Duration.ofDays(30)));
  }

  /** A client certificate that names no agent (as an operator's own CA might issue). */
  public Issued client(String fileName) {
    Instant now = Instant.now();
    return issue(fileName, "CN=" + fileName, null, KeyPurposeId.id_kp_clientAuth, now.minus(Duration.ofHours(1)),
        now.plus(Duration.ofDays(30)));
  }

  private Issued issue(String fileName, String subject, GeneralNames names, KeyPurposeId purpose, Instant notBefore,
      Instant notAfter) {
    try {
      KeyPair keys = keyPair();
      X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(ca, serial(), Date.from(notBefore),
          Date.from(notAfter), new X500Name(subject + ", O=" + name), keys.getPublic());
      JcaX509ExtensionUtils utils = new JcaX509ExtensionUtils();
      builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
      builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
      builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(purpose));
      builder.addExtension(Extension.authorityKeyIdentifier, false, utils.createAuthorityKeyIdentifier(ca));
      if (names != null) {
        builder.addExtension(Extension.subjectAlternativeName, false, names);
      }
      X509Certificate certificate = sign(builder, caKeys.getPrivate());
      Path certFile = dir.resolve(fileName + ".crt.pem");
      Path keyFile = dir.resolve(fileName + ".key.pem");
      write(certFile, pem(certificate));
      write(keyFile, pem(keys.getPrivate()));
      return new Issued(certificate, keys.getPrivate(), certFile, keyFile);
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalStateException("cannot issue a test certificate", e);
    }
  }

  /** PEM text of certificates or keys, one block each. */
  public static String pem(Object... objects) {
    StringWriter text = new StringWriter();
    try (JcaPEMWriter writer = new JcaPEMWriter(text)) {
      for (Object o : objects) {
        // Keys as PKCS#8 (BEGIN PRIVATE KEY), what openssl genpkey writes.
        writer.writeObject(o instanceof PrivateKey key ? new JcaPKCS8Generator(key, null) : o);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return text.toString();
  }

  /** Several certificates in one PEM bundle file. */
  public static Path bundle(Path file, X509Certificate... certificates) {
    write(file, pem((Object[]) certificates));
    return file;
  }

  /** Writes through a temporary file and a rename, as careful tools do, so a watcher never sees half a file. */
  public static void write(Path file, String text) {
    try {
      Path partial = file.resolveSibling(file.getFileName() + ".tmp");
      Files.writeString(partial, text, StandardCharsets.US_ASCII);
      Files.move(partial, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static X509Certificate sign(X509v3CertificateBuilder builder, PrivateKey issuerKey)
      throws GeneralSecurityException {
    try {
      return new JcaX509CertificateConverter().getCertificate(
          builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(issuerKey)));
    } catch (org.bouncycastle.operator.OperatorCreationException e) {
      throw new GeneralSecurityException(e);
    }
  }

  private static KeyPair keyPair() throws GeneralSecurityException {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
    generator.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
    return generator.generateKeyPair();
  }

  private static BigInteger serial() {
    return BigInteger.valueOf(SERIALS.incrementAndGet());
  }
}
