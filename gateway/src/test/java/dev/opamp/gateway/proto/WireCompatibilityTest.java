package dev.opamp.gateway.proto;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.EnumDescriptor;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.Message;
import com.squareup.wire.WireEnum;
import com.squareup.wire.WireField;
import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Proves that our OpAMP definitions ({@code opamp/v1/opamp.proto}, {@code opamp/v1/anyvalue.proto})
 * put the same bytes on the wire as the official ones, by comparing them with the classes that
 * Square Wire generated from the OpAMP specification's protos for the OpenTelemetry Java OpAMP
 * client (package {@code opamp.proto}, test classpath only).
 *
 * <ul>
 *   <li>the same message and enum types exist on both sides;
 *   <li>for every message, the same field numbers with the same names, types (scalar kind, or the
 *       referenced message / enum), cardinality (singular, repeated, map with key and value types)
 *       and oneof membership, read from our descriptors on one side and from Wire's
 *       {@code @WireField} annotations on the other;
 *   <li>for every enum, the same value names and numbers;
 *   <li>a fully populated AgentToServer built with Wire survives our parser and serializer, and a
 *       fully populated ServerToAgent built with our classes survives Wire's, with no field left
 *       unknown on either side.
 * </ul>
 *
 * <p>The Wire classes in opentelemetry-opamp-client 1.53.0-alpha were generated from opamp-spec
 * v0.14.0, whose protos are field-for-field the same as v0.18.0 (the release we follow; v0.18.0
 * only renamed the proto package to {@code opamp.proto.v1} and added a C# namespace option, neither
 * of which reaches the wire). Our proto package stays {@code opamp.proto}, as in the Wire classes.
 */
class WireCompatibilityTest {

  private static final String WIRE_PACKAGE = "opamp.proto";
  private static final String WIRE_SCALAR_ADAPTER = "com.squareup.wire.ProtoAdapter#";
  private static final List<FileDescriptor> OUR_FILES =
      List.of(AnyValueProto.getDescriptor(), OpampProto.getDescriptor());

  // ---------------------------------------------------------------------------------------
  // Structure
  // ---------------------------------------------------------------------------------------

  @Test
  void sameMessageAndEnumTypesOnBothSides() throws IOException {
    Set<String> ourMessages = new TreeSet<>(ourMessageTypes().keySet());
    Set<String> ourEnums = new TreeSet<>(ourEnumTypes().keySet());
    Set<String> wireMessages = new TreeSet<>();
    Set<String> wireEnums = new TreeSet<>();
    for (Class<?> type : wireTypes()) {
      if (com.squareup.wire.Message.class.isAssignableFrom(type)) {
        wireMessages.add(type.getSimpleName());
      } else if (type.isEnum() && WireEnum.class.isAssignableFrom(type)) {
        wireEnums.add(type.getSimpleName());
      }
    }
    assertEquals(wireMessages, ourMessages, "message types (Wire vs ours)");
    assertEquals(wireEnums, ourEnums, "enum types (Wire vs ours)");
    // Guard against the jar scan silently finding nothing.
    assertTrue(ourMessages.size() >= 40, "found " + ourMessages.size() + " message types");
    assertTrue(ourEnums.size() >= 10, "found " + ourEnums.size() + " enum types");
  }

  @TestFactory
  Stream<DynamicTest> everyMessageHasTheSameFields() {
    return ourMessageTypes().values().stream()
        .map(d -> DynamicTest.dynamicTest(d.getName(), () -> compareFields(d)));
  }

  @TestFactory
  Stream<DynamicTest> everyEnumHasTheSameValues() {
    return ourEnumTypes().values().stream()
        .map(e -> DynamicTest.dynamicTest(e.getName(), () -> compareEnum(e)));
  }

  /**
   * Fields our protocol facts list (docs/opamp-protocol.md) that the client's older Wire classes
   * lack: health attributes. They are additive and optional, so both sides still interoperate.
   */
  private static final Map<String, Set<Integer>> NEWER_THAN_WIRE = Map.of("ComponentHealth", Set.of(7));

  private static boolean newerThanWire(FieldDescriptor fd) {
    return NEWER_THAN_WIRE.getOrDefault(fd.getContainingType().getName(), Set.of()).contains(fd.getNumber());
  }

  private static void compareFields(Descriptor ours) throws ClassNotFoundException {
    Class<?> wireClass = Class.forName(WIRE_PACKAGE + "." + ours.getName());
    assertTrue(
        com.squareup.wire.Message.class.isAssignableFrom(wireClass),
        wireClass + " is not a Wire message");

    Map<Integer, Field> wireFields = new TreeMap<>();
    for (Field f : wireClass.getDeclaredFields()) {
      WireField wf = f.getAnnotation(WireField.class);
      if (wf != null && !Modifier.isStatic(f.getModifiers())) {
        Field previous = wireFields.put(wf.tag(), f);
        assertEquals(null, previous, "Wire tag " + wf.tag() + " used twice");
      }
    }
    Map<Integer, FieldDescriptor> ourFields = new TreeMap<>();
    for (FieldDescriptor fd : ours.getFields()) {
      if (!newerThanWire(fd)) {
        ourFields.put(fd.getNumber(), fd);
      }
    }
    assertEquals(
        wireFields.keySet(),
        ourFields.keySet(),
        ours.getName() + ": field numbers (Wire vs ours)");

    for (FieldDescriptor fd : ourFields.values()) {
      Field f = wireFields.get(fd.getNumber());
      WireField wf = f.getAnnotation(WireField.class);
      String where = ours.getName() + "." + fd.getName() + " = " + fd.getNumber();
      String wireName = wf.declaredName().isEmpty() ? f.getName() : wf.declaredName();
      assertEquals(fd.getName(), wireName, where + ": name");

      if (fd.isMapField()) {
        Descriptor entry = fd.getMessageType();
        assertEquals(
            adapterOf(entry.findFieldByNumber(1)), wf.keyAdapter(), where + ": map key type");
        assertEquals(
            adapterOf(entry.findFieldByNumber(2)), wf.adapter(), where + ": map value type");
        assertTrue(!wf.label().isRepeated(), where + ": a map is not a repeated field in Wire");
        continue;
      }
      assertEquals("", wf.keyAdapter(), where + ": Wire sees a map, we do not");
      assertEquals(adapterOf(fd), wf.adapter(), where + ": type");

      if (fd.isRepeated()) {
        assertTrue(wf.label().isRepeated(), where + ": repeated on our side only");
        assertEquals(fd.isPacked(), wf.label().isPacked(), where + ": packed encoding");
      } else if (fd.getRealContainingOneof() != null) {
        assertEquals(
            fd.getRealContainingOneof().getName(), wf.oneofName(), where + ": oneof membership");
      } else {
        assertEquals("", wf.oneofName(), where + ": oneof member on the Wire side only");
        // proto3 implicit presence, which Wire calls OMIT_IDENTITY.
        assertEquals(WireField.Label.OMIT_IDENTITY, wf.label(), where + ": cardinality");
      }
    }
  }

  /** The Wire adapter name that a field of this type has in the Wire-generated class. */
  private static String adapterOf(FieldDescriptor fd) {
    switch (fd.getType()) {
      case MESSAGE:
        assertTopLevel(fd.getMessageType().getContainingType(), fd);
        return WIRE_PACKAGE + "." + fd.getMessageType().getName() + "#ADAPTER";
      case ENUM:
        assertTopLevel(fd.getEnumType().getContainingType(), fd);
        return WIRE_PACKAGE + "." + fd.getEnumType().getName() + "#ADAPTER";
      case GROUP:
        throw new AssertionError(fd.getFullName() + ": groups do not exist in proto3");
      default:
        // protobuf-java's Type names match Wire's ProtoAdapter constants (INT64, UINT64,
        // FIXED64, DOUBLE, BOOL, STRING, BYTES, ...).
        return WIRE_SCALAR_ADAPTER + fd.getType().name();
    }
  }

  private static void assertTopLevel(Descriptor container, FieldDescriptor fd) {
    assertEquals(null, container, fd.getFullName() + ": nested types are not expected");
  }

  private static void compareEnum(EnumDescriptor ours) throws ClassNotFoundException {
    Class<?> wireClass = Class.forName(WIRE_PACKAGE + "." + ours.getName());
    assertTrue(wireClass.isEnum(), wireClass + " is not an enum");
    Map<String, Integer> wireValues = new TreeMap<>();
    for (Object constant : wireClass.getEnumConstants()) {
      wireValues.put(((Enum<?>) constant).name(), ((WireEnum) constant).getValue());
    }
    Map<String, Integer> ourValues = new TreeMap<>();
    for (EnumValueDescriptor v : ours.getValues()) {
      ourValues.put(v.getName(), v.getNumber());
    }
    assertEquals(wireValues, ourValues, ours.getName() + ": values (Wire vs ours)");
  }

  private static Map<String, Descriptor> ourMessageTypes() {
    Map<String, Descriptor> types = new TreeMap<>();
    for (FileDescriptor file : OUR_FILES) {
      for (Descriptor d : file.getMessageTypes()) {
        types.put(d.getName(), d);
        // Map entries are the only nested types protoc makes for us; none are declared.
        for (Descriptor nested : d.getNestedTypes()) {
          assertTrue(nested.getOptions().getMapEntry(), nested.getFullName() + " is nested");
        }
        assertTrue(d.getEnumTypes().isEmpty(), d.getFullName() + " declares nested enums");
      }
    }
    return types;
  }

  private static Map<String, EnumDescriptor> ourEnumTypes() {
    Map<String, EnumDescriptor> types = new TreeMap<>();
    for (FileDescriptor file : OUR_FILES) {
      for (EnumDescriptor e : file.getEnumTypes()) {
        types.put(e.getName(), e);
      }
    }
    return types;
  }

  /** Every top-level class of the Wire-generated package, read from the jar that holds it. */
  private static List<Class<?>> wireTypes() throws IOException {
    Path location;
    try {
      location =
          Path.of(
              opamp.proto.AgentToServer.class
                  .getProtectionDomain()
                  .getCodeSource()
                  .getLocation()
                  .toURI());
    } catch (URISyntaxException e) {
      throw new IOException(e);
    }
    String folder = WIRE_PACKAGE.replace('.', '/') + "/";
    List<String> names = new ArrayList<>();
    if (Files.isDirectory(location)) {
      try (Stream<Path> files = Files.list(location.resolve(folder))) {
        files.map(p -> folder + p.getFileName()).forEach(names::add);
      }
    } else {
      try (JarFile jar = new JarFile(location.toFile())) {
        jar.stream().map(e -> e.getName()).forEach(names::add);
      }
    }
    List<Class<?>> types = new ArrayList<>();
    for (String name : names) {
      String rest = name.startsWith(folder) ? name.substring(folder.length()) : null;
      if (rest == null || !rest.endsWith(".class") || rest.contains("/") || rest.contains("$")) {
        continue;
      }
      String className = WIRE_PACKAGE + "." + rest.substring(0, rest.length() - ".class".length());
      try {
        types.add(Class.forName(className));
      } catch (ClassNotFoundException e) {
        throw new IOException(className, e);
      }
    }
    return types;
  }

  // ---------------------------------------------------------------------------------------
  // Round trips
  // ---------------------------------------------------------------------------------------

  @Test
  void agentToServerFromWireSurvivesOurParserAndSerializer() throws IOException {
    opamp.proto.AgentToServer original = WireSamples.fullAgentToServer();
    byte[] wireBytes = original.encode();

    AgentToServer ours = AgentToServer.parseFrom(wireBytes);
    assertNoUnknownFields(ours, "AgentToServer");
    assertEveryFieldSet(ours);
    // Spot checks that the values landed in the right fields, with the right types.
    assertEquals(-2L, ours.getSequenceNum(), "uint64 sequence_num keeps all 64 bits");
    assertEquals(
        "checkout", ours.getAgentDescription().getIdentifyingAttributes(0).getValue().getStringValue());
    assertEquals(
        1_700_000_000_123_456_789L, ours.getHealth().getStartTimeUnixNano(), "fixed64 start time");
    assertEquals(
        PackageStatusEnum.PackageStatusEnum_Downloading,
        ours.getPackageStatuses().getPackagesOrThrow("otelcol-contrib").getStatus());
    assertEquals(
        "receivers: {otlp: {}}\n",
        ours.getEffectiveConfig()
            .getConfigMap()
            .getConfigMapOrThrow("collector.yaml")
            .getBody()
            .toString(StandardCharsets.UTF_8));

    opamp.proto.AgentToServer back = opamp.proto.AgentToServer.ADAPTER.decode(ours.toByteArray());
    assertNoUnknownFields(back, "AgentToServer");
    assertEquals(original, back);
  }

  @Test
  void serverToAgentFromUsSurvivesWireDecoderAndEncoder() throws IOException {
    ServerToAgent original = fullServerToAgent();
    assertEveryFieldSet(original);

    opamp.proto.ServerToAgent wire = opamp.proto.ServerToAgent.ADAPTER.decode(original.toByteArray());
    assertNoUnknownFields(wire, "ServerToAgent");
    // Spot checks on the Wire side.
    assertEquals(
        opamp.proto.ServerErrorResponseType.ServerErrorResponseType_Unavailable,
        wire.error_response.type);
    assertEquals(2_500_000_000L, wire.error_response.retry_info.retry_after_nanoseconds);
    assertEquals(
        opamp.proto.PackageType.PackageType_Addon, wire.packages_available.packages.get("jmx").type);
    assertEquals(17L, wire.connection_settings.opamp.heartbeat_interval_seconds);
    assertEquals(
        List.of("TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384"),
        wire.connection_settings.opamp.tls.cipher_suites);
    assertEquals("5s", wire.connection_settings.other_connections.get("db").other_settings.get("timeout"));

    ServerToAgent back = ServerToAgent.parseFrom(wire.encode());
    assertNoUnknownFields(back, "ServerToAgent");
    assertEquals(original, back);
  }

  /** No field of the message or of any message inside it was unknown to our parser. */
  private static void assertNoUnknownFields(Message m, String path) {
    assertTrue(
        m.getUnknownFields().asMap().isEmpty(),
        path + " has fields our .proto does not know: " + m.getUnknownFields().asMap().keySet());
    for (Map.Entry<FieldDescriptor, Object> e : m.getAllFields().entrySet()) {
      if (e.getKey().getJavaType() != FieldDescriptor.JavaType.MESSAGE) {
        continue;
      }
      String child = path + "." + e.getKey().getName();
      if (e.getValue() instanceof Collection) {
        for (Object item : (Collection<?>) e.getValue()) {
          assertNoUnknownFields((Message) item, child + "[]");
        }
      } else {
        assertNoUnknownFields((Message) e.getValue(), child);
      }
    }
  }

  /** No field of the message or of any message inside it was unknown to Wire's decoder. */
  private static void assertNoUnknownFields(com.squareup.wire.Message<?, ?> m, String path) {
    assertEquals(
        okio.ByteString.EMPTY, m.unknownFields(), path + " has fields Wire's classes do not know");
    for (Field f : m.getClass().getDeclaredFields()) {
      if (f.getAnnotation(WireField.class) == null || Modifier.isStatic(f.getModifiers())) {
        continue;
      }
      Object value;
      try {
        value = f.get(m);
      } catch (IllegalAccessException e) {
        throw new AssertionError(e);
      }
      List<Object> children = new ArrayList<>();
      if (value instanceof Map) {
        children.addAll(((Map<?, ?>) value).values());
      } else if (value instanceof Collection) {
        children.addAll((Collection<?>) value);
      } else if (value != null) {
        children.add(value);
      }
      for (Object child : children) {
        if (child instanceof com.squareup.wire.Message) {
          assertNoUnknownFields((com.squareup.wire.Message<?, ?>) child, path + "." + f.getName());
        }
      }
    }
  }

  /**
   * Every field of every message type reachable from the root is set somewhere in the tree
   * (oneof alternatives may be spread over several instances). Exempt: fields whose enum has no
   * value but 0 (CommandType), which proto3 cannot put on the wire; and map entry types, whose
   * maps are checked as non-empty fields of their parent.
   */
  private static void assertEveryFieldSet(Message root) {
    Map<String, Set<Integer>> seen = new TreeMap<>();
    collectSetFields(root, seen);
    Map<String, Set<String>> missing = new LinkedHashMap<>();
    for (Descriptor type : reachableTypes(root.getDescriptorForType())) {
      for (FieldDescriptor fd : type.getFields()) {
        boolean exempt =
            newerThanWire(fd)
                || fd.getType() == FieldDescriptor.Type.ENUM
                    && fd.getEnumType().getValues().stream().allMatch(v -> v.getNumber() == 0);
        if (!exempt && !seen.getOrDefault(type.getFullName(), Set.of()).contains(fd.getNumber())) {
          missing.computeIfAbsent(type.getName(), k -> new TreeSet<>()).add(fd.getName());
        }
      }
    }
    assertTrue(missing.isEmpty(), "fields never set in the sample: " + missing);
  }

  private static void collectSetFields(Message m, Map<String, Set<Integer>> seen) {
    Set<Integer> numbers = seen.computeIfAbsent(m.getDescriptorForType().getFullName(), k -> new TreeSet<>());
    for (Map.Entry<FieldDescriptor, Object> e : m.getAllFields().entrySet()) {
      numbers.add(e.getKey().getNumber());
      if (e.getKey().getJavaType() != FieldDescriptor.JavaType.MESSAGE) {
        continue;
      }
      if (e.getValue() instanceof Collection) {
        for (Object item : (Collection<?>) e.getValue()) {
          collectSetFields((Message) item, seen);
        }
      } else {
        collectSetFields((Message) e.getValue(), seen);
      }
    }
  }

  private static Collection<Descriptor> reachableTypes(Descriptor root) {
    Map<String, Descriptor> found = new TreeMap<>();
    List<Descriptor> todo = new ArrayList<>(List.of(root));
    while (!todo.isEmpty()) {
      Descriptor d = todo.remove(todo.size() - 1);
      if (found.containsKey(d.getFullName())) {
        continue;
      }
      if (!d.getOptions().getMapEntry()) {
        found.put(d.getFullName(), d);
      }
      for (FieldDescriptor fd : d.getFields()) {
        if (fd.getJavaType() == FieldDescriptor.JavaType.MESSAGE
            && !found.containsKey(fd.getMessageType().getFullName())) {
          todo.add(fd.getMessageType());
        }
      }
    }
    return found.values();
  }

  // ---------------------------------------------------------------------------------------
  // A fully populated ServerToAgent, built with our classes
  // ---------------------------------------------------------------------------------------

  private static ByteString bytes(String s) {
    return ByteString.copyFromUtf8(s);
  }

  private static Headers headers(String key, String value) {
    return Headers.newBuilder()
        .addHeaders(Header.newBuilder().setKey(key).setValue(value))
        .addHeaders(Header.newBuilder().setKey(key + "-2").setValue(value + "-2"))
        .build();
  }

  private static TLSCertificate certificate(String name) {
    return TLSCertificate.newBuilder()
        .setCert(bytes("-----BEGIN CERTIFICATE-----\n" + name + "\n-----END CERTIFICATE-----\n"))
        .setPrivateKey(bytes("-----BEGIN PRIVATE KEY-----\n" + name + "\n-----END PRIVATE KEY-----\n"))
        .setCaCert(bytes("-----BEGIN CERTIFICATE-----\nca-" + name + "\n-----END CERTIFICATE-----\n"))
        .build();
  }

  private static TLSConnectionSettings tls() {
    return TLSConnectionSettings.newBuilder()
        .setCaPemContents("-----BEGIN CERTIFICATE-----\nca\n-----END CERTIFICATE-----\n")
        .setIncludeSystemCaCertsPool(true)
        .setInsecureSkipVerify(true)
        .setMinVersion("1.2")
        .setMaxVersion("1.3")
        .addCipherSuites("TLS_AES_128_GCM_SHA256")
        .addCipherSuites("TLS_AES_256_GCM_SHA384")
        .build();
  }

  private static ProxyConnectionSettings proxy() {
    return ProxyConnectionSettings.newBuilder()
        .setUrl("http://127.0.0.1:3128")
        .setConnectHeaders(headers("Proxy-Authorization", "Basic dXNlcjpwYXNz"))
        .build();
  }

  private static TelemetryConnectionSettings telemetry(String signal) {
    return TelemetryConnectionSettings.newBuilder()
        .setDestinationEndpoint("http://127.0.0.1:4318/v1/" + signal)
        .setHeaders(headers("X-Signal", signal))
        .setCertificate(certificate(signal))
        .setTls(tls())
        .setProxy(proxy())
        .build();
  }

  static ServerToAgent fullServerToAgent() {
    return ServerToAgent.newBuilder()
        .setInstanceUid(ByteString.fromHex("0190a1b2c3d47e8f9a0b1c2d3e4f5061"))
        .setErrorResponse(
            ServerErrorResponse.newBuilder()
                .setType(ServerErrorResponseType.ServerErrorResponseType_Unavailable)
                .setErrorMessage("busy, come back later")
                .setRetryInfo(RetryInfo.newBuilder().setRetryAfterNanoseconds(2_500_000_000L)))
        .setRemoteConfig(
            AgentRemoteConfig.newBuilder()
                .setConfig(
                    AgentConfigMap.newBuilder()
                        .putConfigMap(
                            "collector.yaml",
                            AgentConfigFile.newBuilder()
                                .setBody(bytes("exporters: {debug: {}}\n"))
                                .setContentType("text/yaml")
                                .build())
                        .putConfigMap(
                            "extra.yaml",
                            AgentConfigFile.newBuilder()
                                .setBody(bytes("processors: {batch: {}}\n"))
                                .setContentType("application/yaml")
                                .build()))
                .setConfigHash(bytes("remote-config-hash")))
        .setConnectionSettings(
            ConnectionSettingsOffers.newBuilder()
                .setHash(bytes("offers-hash"))
                .setOpamp(
                    OpAMPConnectionSettings.newBuilder()
                        .setDestinationEndpoint("wss://127.0.0.1:4320/v1/opamp")
                        .setHeaders(headers("Authorization", "Bearer abc"))
                        .setCertificate(certificate("opamp"))
                        .setHeartbeatIntervalSeconds(17)
                        .setTls(tls())
                        .setProxy(proxy()))
                .setOwnMetrics(telemetry("metrics"))
                .setOwnTraces(telemetry("traces"))
                .setOwnLogs(telemetry("logs"))
                .putOtherConnections(
                    "db",
                    OtherConnectionSettings.newBuilder()
                        .setDestinationEndpoint("127.0.0.1:5432")
                        .setHeaders(headers("X-Db", "main"))
                        .setCertificate(certificate("db"))
                        .putOtherSettings("timeout", "5s")
                        .putOtherSettings("pool", "4")
                        .setTls(tls())
                        .setProxy(proxy())
                        .build()))
        .setPackagesAvailable(
            PackagesAvailable.newBuilder()
                .putPackages(
                    "jmx",
                    PackageAvailable.newBuilder()
                        .setType(PackageType.PackageType_Addon)
                        .setVersion("1.2.3")
                        .setFile(
                            DownloadableFile.newBuilder()
                                .setDownloadUrl("http://127.0.0.1:8080/jmx-1.2.3.jar")
                                .setContentHash(bytes("content-hash"))
                                .setSignature(bytes("signature"))
                                .setHeaders(headers("Authorization", "Bearer pkg")))
                        .setHash(bytes("package-hash"))
                        .build())
                .setAllPackagesHash(bytes("all-packages-hash")))
        .setFlags(
            ServerToAgentFlags.ServerToAgentFlags_ReportFullState_VALUE
                | ServerToAgentFlags.ServerToAgentFlags_ReportAvailableComponents_VALUE)
        .setCapabilities(0x7F)
        .setAgentIdentification(
            AgentIdentification.newBuilder()
                .setNewInstanceUid(ByteString.fromHex("0190a1b2c3d47e8f9a0b1c2d3e4f5062")))
        .setCommand(ServerToAgentCommand.newBuilder().setType(CommandType.CommandType_Restart))
        .setCustomCapabilities(
            CustomCapabilities.newBuilder()
                .addCapabilities("io.example.pause")
                .addCapabilities("io.example.resume"))
        .setCustomMessage(
            CustomMessage.newBuilder()
                .setCapability("io.example.pause")
                .setType("pause")
                .setData(bytes("{\"seconds\": 5}")))
        .build();
  }

  // ---------------------------------------------------------------------------------------
  // A fully populated AgentToServer, built with Wire
  // ---------------------------------------------------------------------------------------

  /** Wire builders, kept apart so that its class names do not shadow ours. */
  static final class WireSamples {
    private WireSamples() {}

    private static okio.ByteString bytes(String s) {
      return okio.ByteString.encodeUtf8(s);
    }

    private static opamp.proto.AnyValue str(String s) {
      return new opamp.proto.AnyValue.Builder().string_value(s).build();
    }

    private static opamp.proto.KeyValue kv(String key, opamp.proto.AnyValue value) {
      return new opamp.proto.KeyValue.Builder().key(key).value(value).build();
    }

    /** One value of every AnyValue kind, nested. */
    private static opamp.proto.AnyValue everyKind() {
      List<opamp.proto.AnyValue> values =
          List.of(
              str("text"),
              new opamp.proto.AnyValue.Builder().bool_value(true).build(),
              new opamp.proto.AnyValue.Builder().int_value(-42L).build(),
              new opamp.proto.AnyValue.Builder().double_value(3.25).build(),
              new opamp.proto.AnyValue.Builder().bytes_value(bytes("raw")).build(),
              new opamp.proto.AnyValue.Builder()
                  .kvlist_value(
                      new opamp.proto.KeyValueList.Builder()
                          .values(List.of(kv("inner", str("value")), kv("n", str("1"))))
                          .build())
                  .build());
      return new opamp.proto.AnyValue.Builder()
          .array_value(new opamp.proto.ArrayValue.Builder().values(values).build())
          .build();
    }

    private static opamp.proto.ComponentHealth health(String status, boolean leaf) {
      opamp.proto.ComponentHealth.Builder b =
          new opamp.proto.ComponentHealth.Builder()
              .healthy(true)
              .start_time_unix_nano(1_700_000_000_123_456_789L)
              .last_error("last error of " + status)
              .status(status)
              .status_time_unix_nano(1_700_000_001_000_000_000L);
      if (!leaf) {
        b.component_health_map(
            Map.of(
                "receiver/otlp", health("StatusOK", true),
                "exporter/debug", health("StatusRecoverableError", true)));
      }
      return b.build();
    }

    private static opamp.proto.ComponentDetails details(String version, boolean leaf) {
      opamp.proto.ComponentDetails.Builder b =
          new opamp.proto.ComponentDetails.Builder()
              .metadata(List.of(kv("code.namespace", str("io.example")), kv("version", str(version))));
      if (!leaf) {
        b.sub_component_map(Map.of("otlp", details(version + ".1", true)));
      }
      return b.build();
    }

    static opamp.proto.AgentToServer fullAgentToServer() {
      return new opamp.proto.AgentToServer.Builder()
          .instance_uid(okio.ByteString.decodeHex("0190a1b2c3d47e8f9a0b1c2d3e4f5061"))
          .sequence_num(-2L) // 2^64 - 2 as a uint64
          .agent_description(
              new opamp.proto.AgentDescription.Builder()
                  .identifying_attributes(
                      List.of(kv("service.name", str("checkout")), kv("service.version", str("2.0"))))
                  .non_identifying_attributes(
                      List.of(kv("os.type", str("linux")), kv("every.kind", everyKind())))
                  .build())
          .capabilities(0xFFFFL)
          .health(health("StatusOK", false))
          .effective_config(
              new opamp.proto.EffectiveConfig.Builder()
                  .config_map(
                      new opamp.proto.AgentConfigMap.Builder()
                          .config_map(
                              Map.of(
                                  "collector.yaml",
                                  new opamp.proto.AgentConfigFile.Builder()
                                      .body(bytes("receivers: {otlp: {}}\n"))
                                      .content_type("text/yaml")
                                      .build()))
                          .build())
                  .build())
          .remote_config_status(
              new opamp.proto.RemoteConfigStatus.Builder()
                  .last_remote_config_hash(bytes("remote-config-hash"))
                  .status(opamp.proto.RemoteConfigStatuses.RemoteConfigStatuses_FAILED)
                  .error_message("bad yaml")
                  .build())
          .package_statuses(
              new opamp.proto.PackageStatuses.Builder()
                  .packages(
                      Map.of(
                          "otelcol-contrib",
                          new opamp.proto.PackageStatus.Builder()
                              .name("otelcol-contrib")
                              .agent_has_version("0.100.0")
                              .agent_has_hash(bytes("has-hash"))
                              .server_offered_version("0.101.0")
                              .server_offered_hash(bytes("offered-hash"))
                              .status(opamp.proto.PackageStatusEnum.PackageStatusEnum_Downloading)
                              .error_message("slow mirror")
                              .download_details(
                                  new opamp.proto.PackageDownloadDetails.Builder()
                                      .download_percent(42.5)
                                      .download_bytes_per_second(1.5e6)
                                      .build())
                              .build()))
                  .server_provided_all_packages_hash(bytes("all-packages-hash"))
                  .error_message("one package failed")
                  .build())
          .agent_disconnect(new opamp.proto.AgentDisconnect.Builder().build())
          .flags(0x8000_0000_0000_0001L) // RequestInstanceUid, and the top bit of the uint64
          .connection_settings_request(
              new opamp.proto.ConnectionSettingsRequest.Builder()
                  .opamp(
                      new opamp.proto.OpAMPConnectionSettingsRequest.Builder()
                          .certificate_request(
                              new opamp.proto.CertificateRequest.Builder()
                                  .csr(bytes("-----BEGIN CERTIFICATE REQUEST-----\nx\n-----END CERTIFICATE REQUEST-----\n"))
                                  .build())
                          .build())
                  .build())
          .custom_capabilities(
              new opamp.proto.CustomCapabilities.Builder()
                  .capabilities(List.of("io.example.pause", "io.example.resume"))
                  .build())
          .custom_message(
              new opamp.proto.CustomMessage.Builder()
                  .capability("io.example.pause")
                  .type("paused")
                  .data(bytes("{\"ok\": true}"))
                  .build())
          .available_components(
              new opamp.proto.AvailableComponents.Builder()
                  .components(Map.of("receivers", details("1.0", false)))
                  .hash(bytes("components-hash"))
                  .build())
          .connection_settings_status(
              new opamp.proto.ConnectionSettingsStatus.Builder()
                  .last_connection_settings_hash(bytes("offers-hash"))
                  .status(opamp.proto.ConnectionSettingsStatuses.ConnectionSettingsStatuses_APPLYING)
                  .error_message("reconnecting")
                  .build())
          .build();
    }
  }

  @Test
  void coverageCheckIsNotVacuous() {
    // assertEveryFieldSet would pass trivially if reachableTypes found nothing.
    assertTrue(reachableTypes(AgentToServer.getDescriptor()).size() >= 20);
    assertTrue(reachableTypes(ServerToAgent.getDescriptor()).size() >= 20);
  }
}
