package dev.opamp.gateway.credentials;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.protobuf.ByteString;
import dev.opamp.gateway.protocol.InstanceUids;
import dev.opamp.gateway.testing.Messages;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.util.Base64;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.junit.jupiter.api.Test;

/** Which certificate requests pass, and the reason given for each that does not. */
class CsrCheckTest {

  private final ByteString uid = Messages.newUid();
  private final String key = InstanceUids.key(uid);

  @Test
  void acceptedKeysAndSubjects() throws Exception {
    assertEquals("EC P-256", CsrCheck.check(AgentKeys.ec().csr(key), key, uid).keyType());
    assertEquals("RSA 3072", CsrCheck.check(AgentKeys.rsa(3072).csr(key.toUpperCase()), key, uid).keyType());
    assertEquals("Ed25519", CsrCheck.check(AgentKeys.ed25519().csr(InstanceUids.uuidText(uid)), key, uid).keyType());
  }

  @Test
  void refusals() throws Exception {
    assertRefused(CsrCheck.Refusal.NOT_PEM, ByteString.copyFromUtf8("-----BEGIN CERTIFICATE-----\nAAAA\n"));
    assertRefused(CsrCheck.Refusal.WEAK_KEY, AgentKeys.rsa(1024).csr(key));
    assertRefused(CsrCheck.Refusal.SUBJECT_MISMATCH, AgentKeys.ec().csr("agent"));
    var generator = KeyPairGenerator.getInstance("EC");
    generator.initialize(new ECGenParameterSpec("secp521r1"));
    var pair = generator.generateKeyPair();
    ByteString unsupported = ByteString.copyFromUtf8(Pem.of(new org.bouncycastle.pkcs.jcajce
        .JcaPKCS10CertificationRequestBuilder(new javax.security.auth.x500.X500Principal("CN=" + key), pair.getPublic())
        .build(new org.bouncycastle.operator.jcajce.JcaContentSignerBuilder("SHA512withECDSA").build(pair.getPrivate()))));
    assertRefused(CsrCheck.Refusal.UNSUPPORTED_KEY, unsupported);

    // A request whose signature was altered after signing: the agent does not hold the key it names.
    PKCS10CertificationRequest good = Pem.request(AgentKeys.ec().csr(key).toStringUtf8());
    byte[] der = good.getEncoded();
    der[der.length - 3] ^= 0x01;
    String pem = "-----BEGIN CERTIFICATE REQUEST-----\n" + Base64.getMimeEncoder().encodeToString(der)
        + "\n-----END CERTIFICATE REQUEST-----\n";
    assertRefused(CsrCheck.Refusal.BAD_SIGNATURE, ByteString.copyFromUtf8(pem));
  }

  private void assertRefused(CsrCheck.Refusal expected, ByteString csr) {
    CsrCheck.RefusedException e = assertThrows(CsrCheck.RefusedException.class, () -> CsrCheck.check(csr, key, uid));
    assertEquals(expected, e.refusal, e.getMessage());
  }
}
