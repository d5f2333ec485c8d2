package dev.opamp.gateway.credentials;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageLite;
import com.google.protobuf.Parser;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import dev.opamp.gateway.credentials.proto.AgentCredential;
import dev.opamp.gateway.credentials.proto.CsrPolicy;
import dev.opamp.gateway.credentials.proto.IssuedCertificate;
import dev.opamp.gateway.credentials.proto.StoredCa;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The credentials state in the cluster's desired-state maps (durable: {@code desired-*}): the CA,
 * the CSR policy, each agent's request and certificate, every issued certificate, and the
 * revoked serials. Plus one small non-durable entry whose every change tells all nodes that
 * credentials changed. Blocking calls: worker threads only.
 */
final class CredentialStore {

  static final String CA_MAP = "desired-credentials-ca";
  static final String POLICY_MAP = "desired-credentials-policy";
  static final String AGENTS_MAP = "desired-credentials-agents";
  static final String CERTIFICATES_MAP = "desired-credentials-certificates";
  static final String REVOCATIONS_MAP = "desired-credentials-revocations";
  static final String CHANGES_MAP = "credentials-changes";
  private static final String ONLY = "ca";
  private static final String POLICY = "policy";
  private static final String REVISION = "revision";

  private final IMap<String, byte[]> ca;
  private final IMap<String, byte[]> policy;
  private final IMap<String, byte[]> agents;
  private final IMap<String, byte[]> certificates;
  private final IMap<String, byte[]> revocations;
  private final IMap<String, String> changes;

  CredentialStore(HazelcastInstance hazelcast) {
    this.ca = hazelcast.getMap(CA_MAP);
    this.policy = hazelcast.getMap(POLICY_MAP);
    this.agents = hazelcast.getMap(AGENTS_MAP);
    this.certificates = hazelcast.getMap(CERTIFICATES_MAP);
    this.revocations = hazelcast.getMap(REVOCATIONS_MAP);
    this.changes = hazelcast.getMap(CHANGES_MAP);
  }

  IMap<String, byte[]> revocationsMap() {
    return revocations;
  }

  IMap<String, String> changesMap() {
    return changes;
  }

  StoredCa ca() {
    return parse(ca.get(ONLY), StoredCa.parser());
  }

  /** Stores {@code candidate} unless a CA is stored already; answers the CA stored now. */
  StoredCa caIfAbsent(StoredCa candidate) {
    byte[] before = ca.putIfAbsent(ONLY, candidate.toByteArray());
    return before == null ? candidate : parse(before, StoredCa.parser());
  }

  void replaceCa(StoredCa operatorCa) {
    ca.set(ONLY, operatorCa.toByteArray());
  }

  CsrPolicy policy() {
    return parse(policy.get(POLICY), CsrPolicy.parser());
  }

  void setPolicy(CsrPolicy value) {
    policy.set(POLICY, value.toByteArray());
  }

  AgentCredential agent(String key) {
    return parse(agents.get(key), AgentCredential.parser());
  }

  void setAgent(AgentCredential value) {
    agents.set(value.getAgent(), value.toByteArray());
  }

  List<AgentCredential> agentsIn(String state) {
    List<AgentCredential> out = new ArrayList<>();
    for (byte[] bytes : agents.values()) {
      AgentCredential c = parse(bytes, AgentCredential.parser());
      if (state == null || state.equals(c.getState())) {
        out.add(c);
      }
    }
    return out;
  }

  /** The agent credentials whose primary copy this member holds (each is renewed by exactly one node). */
  List<AgentCredential> localAgents() {
    List<AgentCredential> out = new ArrayList<>();
    for (String key : agents.localKeySet()) {
      AgentCredential c = agent(key);
      if (c != null) {
        out.add(c);
      }
    }
    return out;
  }

  IssuedCertificate certificate(String serial) {
    return parse(certificates.get(serial), IssuedCertificate.parser());
  }

  void setCertificate(IssuedCertificate value) {
    certificates.set(value.getSerial(), value.toByteArray());
  }

  List<IssuedCertificate> certificates() {
    List<IssuedCertificate> out = new ArrayList<>();
    for (byte[] bytes : certificates.values()) {
      out.add(parse(bytes, IssuedCertificate.parser()));
    }
    return out;
  }

  /** Forgets the certificates this member holds that expired before {@code beforeMillis}. */
  int forgetExpired(long beforeMillis) {
    int n = 0;
    for (String serial : certificates.localKeySet()) {
      IssuedCertificate c = certificate(serial);
      if (c != null && c.getNotAfterUnixMs() < beforeMillis) {
        certificates.delete(serial);
        revocations.delete(serial);
        n++;
      }
    }
    return n;
  }

  void revoke(IssuedCertificate revoked) {
    certificates.set(revoked.getSerial(), revoked.toByteArray());
    revocations.set(revoked.getSerial(), revoked.toByteArray());
  }

  Map<String, byte[]> revocations() {
    return Map.copyOf(revocations);
  }

  /** Tells every node that credentials changed (they re-offer what their agents now need). */
  void announceChange() {
    changes.set(REVISION, UUID.randomUUID().toString());
  }

  String revision() {
    return changes.get(REVISION);
  }

  static <T extends MessageLite> T parse(byte[] bytes, Parser<T> parser) {
    if (bytes == null) {
      return null;
    }
    try {
      return parser.parseFrom(bytes);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("corrupt credentials entry", e);
    }
  }
}
