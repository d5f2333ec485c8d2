package dev.opamp.gateway.fleet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.opamp.gateway.fleet.proto.AgentRecord;
import dev.opamp.gateway.fleet.proto.Connection;
import dev.opamp.gateway.proto.AgentDescription;
import dev.opamp.gateway.proto.AnyValue;
import dev.opamp.gateway.proto.KeyValue;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class AgentQueryTest {
  private static final String K1 = "0190a1b2c3d4e5f60718293a4b5c6d7e";
  private static final String K2 = "0190a1b2c3d4e5f60718293a4b5c6d7f";
  private static final String K3 = "ff00000000000000000000000000000a";

  /** A small fleet: K1 api/prod connected, K2 web/dev disconnected, K3 never described. */
  private static final Map<String, AgentRecord> FLEET = new TreeMap<>(Map.of(
      K1, record("api", "prod", true),
      K2, record("web", "dev", false),
      K3, AgentRecord.getDefaultInstance()));

  private static List<String> keysMatching(AgentQuery query) {
    return FLEET.entrySet().stream()
        .filter(query::apply)
        .map(Map.Entry::getKey)
        .collect(Collectors.toList());
  }

  @Test
  void noPartsKeepsEverything() {
    assertEquals(List.of(K1, K2, K3), keysMatching(AgentQuery.of(null, null, null)));
    assertEquals(List.of(K1, K2, K3),
        keysMatching(AgentQuery.of(Selector.parse(""), null, null)));
  }

  @Test
  void filtersBySelectorOverBothAttributeKinds() {
    assertEquals(List.of(K1), keysMatching(AgentQuery.of(Selector.parse("env=prod"), null, null)));
    assertEquals(List.of(K2),
        keysMatching(AgentQuery.of(Selector.parse("service.name=web,host.name"), null, null)));
    // A record without a description has no attributes, so only negative requirements hold.
    assertEquals(List.of(K2, K3),
        keysMatching(AgentQuery.of(Selector.parse("env!=prod"), null, null)));
  }

  @Test
  void filtersByConnectionState() {
    assertEquals(List.of(K1), keysMatching(AgentQuery.of(null, true, null)));
    // A record that never had a connection counts as disconnected.
    assertEquals(List.of(K2, K3), keysMatching(AgentQuery.of(null, false, null)));
  }

  @Test
  void cursorExcludesItselfAndEverythingBefore() {
    assertEquals(List.of(K2, K3), keysMatching(AgentQuery.of(null, null, K1)));
    assertEquals(List.of(K3), keysMatching(AgentQuery.of(null, null, K2)));
    assertEquals(List.of(), keysMatching(AgentQuery.of(null, null, K3)));
    assertEquals(List.of(K1, K2, K3), keysMatching(AgentQuery.of(null, null, "")));
  }

  @Test
  void combinesAllParts() {
    assertEquals(List.of(K3),
        keysMatching(AgentQuery.of(Selector.parse("!service.name"), false, K1)));
    assertEquals(List.of(),
        keysMatching(AgentQuery.of(Selector.parse("env=prod"), false, null)));
  }

  @Test
  void survivesJavaSerialization() throws Exception {
    AgentQuery query = AgentQuery.of(Selector.parse("env in (prod,dev)"), false, K1);
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(query);
    }
    AgentQuery copy;
    try (ObjectInputStream in =
        new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
      copy = (AgentQuery) in.readObject();
    }
    assertEquals(query, copy);
    assertEquals(List.of(K2), keysMatching(copy));
  }

  @Test
  void applyIsAPureFunctionOfTheEntry() {
    AgentQuery query = AgentQuery.of(Selector.parse("env=prod"), true, null);
    assertTrue(query.apply(Map.entry(K1, FLEET.get(K1))));
    assertTrue(query.apply(Map.entry(K1, FLEET.get(K1))));
    assertFalse(query.apply(Map.entry(K1, FLEET.get(K2))));
  }

  private static AgentRecord record(String service, String env, boolean connected) {
    return AgentRecord.newBuilder()
        .setDescription(AgentDescription.newBuilder()
            .addIdentifyingAttributes(kv("service.name", service))
            .addNonIdentifyingAttributes(kv("env", env))
            .addNonIdentifyingAttributes(kv("host.name", service + "-1")))
        .setConnection(Connection.newBuilder().setNode("node-a").setConnected(connected))
        .build();
  }

  private static KeyValue kv(String key, String value) {
    return KeyValue.newBuilder()
        .setKey(key)
        .setValue(AnyValue.newBuilder().setStringValue(value))
        .build();
  }
}
