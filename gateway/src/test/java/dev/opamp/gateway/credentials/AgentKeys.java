package dev.opamp.gateway.credentials;

import com.google.protobuf.ByteString;
import dev.opamp.gateway.proto.CertificateRequest;
import dev.opamp.gateway.proto.ConnectionSettingsRequest;
import dev.opamp.gateway.proto.OpAMPConnectionSettingsRequest;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;

/** An agent's key pair and the certificate requests it makes, as a real agent would. */
final class AgentKeys {

  final KeyPair pair;
  private final String signatureAlgorithm;

  private AgentKeys(KeyPair pair, String signatureAlgorithm) {
    this.pair = pair;
    this.signatureAlgorithm = signatureAlgorithm;
  }

  static AgentKeys ec() throws Exception {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
    generator.initialize(new ECGenParameterSpec("secp256r1"));
    return new AgentKeys(generator.generateKeyPair(), "SHA256withECDSA");
  }

  static AgentKeys rsa(int bits) throws Exception {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
    generator.initialize(bits);
    return new AgentKeys(generator.generateKeyPair(), "SHA256withRSA");
  }

  static AgentKeys ed25519() throws Exception {
    return new AgentKeys(KeyPairGenerator.getInstance("Ed25519").generateKeyPair(), "Ed25519");
  }

  /** A PEM PKCS#10 request with subject {@code CN=<cn>}, signed with this key. */
  ByteString csr(String cn) throws Exception {
    var request = new JcaPKCS10CertificationRequestBuilder(new X500Principal("CN=" + cn), pair.getPublic())
        .build(new JcaContentSignerBuilder(signatureAlgorithm).build(pair.getPrivate()));
    return ByteString.copyFromUtf8(Pem.of(request));
  }

  /** The AgentToServer part that carries a CSR. */
  static ConnectionSettingsRequest request(ByteString csr) {
    return ConnectionSettingsRequest.newBuilder().setOpamp(OpAMPConnectionSettingsRequest.newBuilder()
        .setCertificateRequest(CertificateRequest.newBuilder().setCsr(csr))).build();
  }
}
