package dev.opamp.gateway.tls;

import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.openssl.PEMEncryptedKeyPair;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;

/**
 * Reads PEM files: certificates (any number, text between blocks ignored, as {@code openssl}
 * writes them) and an unencrypted private key (PKCS#8, or PKCS#1 RSA / SEC1 EC as OpenSSL
 * writes them). Files are small and read whole, up to {@link #MAX_BYTES}.
 */
public final class PemFiles {

  /** No certificate chain or key comes near this; a larger file is a mistake. */
  public static final int MAX_BYTES = 1 << 20;

  private PemFiles() {}

  /**
   * The bytes of a PEM file, bounded. Every message of this class starts with {@code label} (the
   * setting that names the file) and names the file and what is wrong with it.
   */
  public static byte[] read(Path file, String label) throws TlsMaterialException {
    try (InputStream in = Files.newInputStream(file)) {
      byte[] bytes = in.readNBytes(MAX_BYTES + 1);
      if (bytes.length > MAX_BYTES) {
        throw new TlsMaterialException(label + ": " + file + " is larger than " + MAX_BYTES + " bytes; not a PEM file");
      }
      return bytes;
    } catch (NoSuchFileException e) {
      throw new TlsMaterialException(label + ": cannot read " + file + " (no such file)", e);
    } catch (AccessDeniedException e) {
      throw new TlsMaterialException(label + ": cannot read " + file + " (permission denied)", e);
    } catch (IOException e) {
      throw new TlsMaterialException(label + ": cannot read " + file + " (" + e.getMessage() + ")", e);
    }
  }

  /** Every certificate in a PEM file, in order; fails if there is none. */
  public static List<X509Certificate> certificates(Path file, String label, byte[] pem) throws TlsMaterialException {
    List<X509Certificate> certificates = new ArrayList<>();
    JcaX509CertificateConverter converter = new JcaX509CertificateConverter();
    try (PEMParser parser = parser(pem)) {
      for (Object block = parser.readObject(); block != null; block = parser.readObject()) {
        if (block instanceof X509CertificateHolder holder) {
          certificates.add(converter.getCertificate(holder));
        }
      }
    } catch (IOException | GeneralSecurityException | RuntimeException e) {
      throw new TlsMaterialException(label + ": " + file + " is not a readable PEM certificate file (" + e.getMessage() + ")", e);
    }
    if (certificates.isEmpty()) {
      throw new TlsMaterialException(label + ": " + file + " holds no PEM certificate (-----BEGIN CERTIFICATE-----)");
    }
    return certificates;
  }

  /** The first private key in a PEM file. Messages never quote the file's contents. */
  public static PrivateKey privateKey(Path file, String label, byte[] pem) throws TlsMaterialException {
    JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
    try (PEMParser parser = parser(pem)) {
      for (Object block = parser.readObject(); block != null; block = parser.readObject()) {
        if (block instanceof PEMKeyPair pair) {
          return converter.getPrivateKey(pair.getPrivateKeyInfo());
        }
        if (block instanceof PrivateKeyInfo info) {
          return converter.getPrivateKey(info);
        }
        if (block instanceof PEMEncryptedKeyPair || block instanceof PKCS8EncryptedPrivateKeyInfo) {
          throw new TlsMaterialException(label + ": " + file + " holds an encrypted private key; give it unencrypted "
              + "(openssl pkey -in key.pem -out plain.pem) and protect the file with permissions");
        }
      }
    } catch (TlsMaterialException e) {
      throw e;
    } catch (IOException | RuntimeException e) {
      // The parser's message can quote the file: name the problem's kind only.
      throw new TlsMaterialException(label + ": " + file + " is not a readable PEM private key file ("
          + e.getClass().getSimpleName() + ")", e);
    }
    throw new TlsMaterialException(label + ": " + file + " holds no PEM private key (-----BEGIN PRIVATE KEY-----)");
  }

  private static PEMParser parser(byte[] pem) {
    return new PEMParser(new StringReader(new String(pem, StandardCharsets.US_ASCII)));
  }
}
