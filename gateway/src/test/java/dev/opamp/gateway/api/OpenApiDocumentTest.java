package dev.opamp.gateway.api;

import static dev.opamp.gateway.testing.SampleRecords.fullEffectiveConfig;
import static dev.opamp.gateway.testing.SampleRecords.kv;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.google.protobuf.ByteString;
import dev.opamp.gateway.fleet.proto.AgentRecord;
import dev.opamp.gateway.proto.AnyValue;
import dev.opamp.gateway.proto.AvailableComponents;
import dev.opamp.gateway.proto.ComponentHealth;
import dev.opamp.gateway.proto.PackageStatus;
import dev.opamp.gateway.proto.PackageStatusEnum;
import dev.opamp.gateway.proto.PackageStatuses;
import dev.opamp.gateway.testing.SampleRecords;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.schema.CoreSchema;

/**
 * Keeps {@code openapi.yaml} honest: it must be a well-formed OpenAPI 3.0 document, cover every
 * route of the admin port, and describe exactly the JSON that {@link AgentJson} renders.
 */
class OpenApiDocumentTest {
  private static final ByteString UID = ByteString.fromHex("018f2a3b4c5d7e6f8a9b0c1d2e3f4a5b");
  private static final String SCHEMAS = "#/components/schemas/";
  private static final Set<String> METHODS =
      Set.of("get", "put", "post", "delete", "options", "head", "patch", "trace");

  /** The paths that {@link AdminServer} and {@link AgentsResource} route, in OpenAPI form. */
  private static final Set<String> SERVED_PATHS = Set.of("/", "/healthz", "/readyz", "/metrics",
      "/api/v1/openapi.yaml", "/api/v1/agents", "/api/v1/agents/{uid}");

  private static Map<String, Object> doc;

  @BeforeAll
  static void load() throws IOException {
    // The same classpath resource that AdminServer serves.
    try (InputStream in = OpenApiDocumentTest.class.getClassLoader().getResourceAsStream("openapi.yaml")) {
      assertNotNull(in, "openapi.yaml is not on the classpath");
      // The YAML 1.2 core schema, as most clients read it: there, an unquoted Null or 200
      // as a key would not be text.
      LoadSettings settings = LoadSettings.builder().setSchema(new CoreSchema()).build();
      doc = map(new Load(settings).loadFromInputStream(in), "the document");
    }
  }

  @Test
  void isOpenApi30() {
    String version = String.valueOf(doc.get("openapi"));
    assertTrue(version.matches("3\\.0\\.\\d+"), "openapi: " + version);
    assertNotNull(map(doc.get("info"), "info").get("title"));
    assertNotNull(map(doc.get("info"), "info").get("version"));
  }

  @Test
  void everyKeyIsText() {
    List<Object> odd = new ArrayList<>();
    collectOddKeys(doc, odd);
    assertEquals(List.of(), odd, "keys that YAML reads as something other than text");
  }

  @Test
  void documentsEveryServedPath() {
    Set<String> documented = map(doc.get("paths"), "paths").keySet();
    for (String path : SERVED_PATHS) {
      assertTrue(documented.contains(path), path + " is served but not documented");
      assertTrue(map(path(path), path).containsKey("get"), path + " is served for GET");
    }
    for (String path : documented) {
      assertTrue(SERVED_PATHS.contains(path), path + " is documented but not served");
    }
  }

  @Test
  void everyOperationHasResponses() {
    map(doc.get("paths"), "paths").forEach((path, item) -> map(item, path).forEach((method, op) -> {
      if (!METHODS.contains(method)) {
        return;
      }
      String where = method.toUpperCase() + " " + path;
      Map<String, Object> responses = map(map(op, where).get("responses"), where + " responses");
      assertFalse(responses.isEmpty(), where + " has no responses");
      responses.forEach((status, response) -> {
        assertTrue(status.matches("[1-5]\\d\\d|default"), where + ": status " + status);
        assertNotNull(map(deref(response), where + " " + status).get("description"),
            where + " " + status + " has no description");
      });
    }));
  }

  @Test
  void everyRefResolves() {
    List<String> refs = new ArrayList<>();
    collectRefs(doc, refs);
    assertFalse(refs.isEmpty());
    Set<String> schemas = schemas().keySet();
    for (String ref : refs) {
      assertTrue(ref.startsWith("#/components/"), "only local component refs: " + ref);
      assertNotNull(resolve(ref), ref + " does not resolve");
      if (ref.startsWith(SCHEMAS)) {
        assertTrue(schemas.contains(ref.substring(SCHEMAS.length())), ref);
      }
    }
  }

  @Test
  void namedSchemasExist() {
    for (String name : List.of("AgentSummary", "Agent", "Health", "Connection",
        "RemoteConfigStatus", "PackageStatuses", "PackageStatus", "ConnectionSettingsStatus",
        "AvailableComponents", "EffectiveConfig", "Error")) {
      assertTrue(schemas().containsKey(name), name);
    }
  }

  @Test
  void nullableStandsBesideAType() {
    // Beside allOf/oneOf/$ref it has no effect in 3.0.3; a nullable part is written as
    // oneOf: [the schema, NullValue] instead.
    List<Map<?, ?>> nullables = new ArrayList<>();
    collectNullables(doc, nullables);
    assertFalse(nullables.isEmpty());
    for (Map<?, ?> schema : nullables) {
      assertTrue(schema.containsKey("type"), "nullable without type: " + schema);
      for (String combinator : List.of("allOf", "oneOf", "anyOf", "$ref")) {
        assertFalse(schema.containsKey(combinator), "nullable beside " + combinator + ": " + schema);
      }
    }
  }

  @Test
  void apiAndMetricsNeedTheBearerTokenButProbesDoNot() {
    Map<String, Object> scheme = map(map(map(doc.get("components"), "components")
        .get("securitySchemes"), "securitySchemes").get("bearerAuth"), "bearerAuth");
    assertEquals("http", scheme.get("type"));
    assertEquals("bearer", scheme.get("scheme"));
    assertEquals(List.of(Map.of("bearerAuth", List.of())), doc.get("security"));
    for (String path : SERVED_PATHS) {
      Object security = map(path(path).get("get"), path).get("security");
      boolean probe = path.equals("/healthz") || path.equals("/readyz");
      assertEquals(probe ? List.of() : null, security, path);
    }
  }

  @Test
  void agentSummarySchemaListsEveryKeyOfTheSummary() {
    Set<String> produced = new TreeSet<>(AgentJson.summary(fullRecord()).fieldNames());
    Merged schema = merge(schemas().get("AgentSummary"));
    assertEquals(produced, new TreeSet<>(schema.properties.keySet()));
    assertEquals(produced, new TreeSet<>(schema.required), "every key is always present");
  }

  @Test
  void agentSchemaListsEveryKeyOfTheFullView() {
    Set<String> produced = new TreeSet<>(AgentJson.full(fullRecord(), fullEffectiveConfig()).fieldNames());
    Merged schema = merge(schemas().get("Agent"));
    assertEquals(produced, new TreeSet<>(schema.properties.keySet()));
    assertEquals(produced, new TreeSet<>(schema.required), "every key is always present");
  }

  @Test
  void renderedAgentsMatchTheSchemasAllTheWayDown() {
    conform(wire(AgentJson.summary(fullRecord())), schemas().get("AgentSummary"), "summary");
    conform(wire(AgentJson.full(fullRecord(), fullEffectiveConfig())), schemas().get("Agent"), "full");
    AgentRecord quiet = AgentRecord.newBuilder().setInstanceUid(UID).build();
    conform(wire(AgentJson.full(quiet, null)), schemas().get("Agent"), "quiet agent");
    JsonObject page = new JsonObject()
        .put("agents", new JsonArray().add(AgentJson.summary(fullRecord())))
        .put("count", 1)
        .put("nextCursor", "018f2a3b4c5d7e6f8a9b0c1d2e3f4a5b");
    conform(wire(page), schemas().get("AgentList"), "page");
  }

  @Test
  void examplesMatchTheirSchemas() {
    int checked = 0;
    for (var pathEntry : map(doc.get("paths"), "paths").entrySet()) {
      for (var opEntry : map(pathEntry.getValue(), pathEntry.getKey()).entrySet()) {
        if (!METHODS.contains(opEntry.getKey())) {
          continue;
        }
        String where = opEntry.getKey().toUpperCase() + " " + pathEntry.getKey();
        for (var response : map(map(opEntry.getValue(), where).get("responses"), where).entrySet()) {
          String at = where + " " + response.getKey();
          Object content = map(deref(response.getValue()), at).get("content");
          Object media = content == null ? null : map(content, at).get("application/json");
          if (media == null) {
            continue;
          }
          Map<String, Object> mediaType = map(media, at);
          Object schema = mediaType.get("schema");
          if (mediaType.containsKey("example")) {
            conform(mediaType.get("example"), schema, at + " example");
            checked++;
          }
          if (mediaType.containsKey("examples")) {
            for (var example : map(mediaType.get("examples"), at).entrySet()) {
              conform(map(example.getValue(), at).get("value"), schema, at + " " + example.getKey());
              checked++;
            }
          }
        }
      }
    }
    assertTrue(checked >= 5, "examples checked: " + checked);
  }

  // ---- the document ----

  private static Map<String, Object> path(String path) {
    return map(map(doc.get("paths"), "paths").get(path), path);
  }

  private static Map<String, Object> schemas() {
    return map(map(doc.get("components"), "components").get("schemas"), "schemas");
  }

  private static void collectRefs(Object node, List<String> refs) {
    if (node instanceof Map) {
      ((Map<?, ?>) node).forEach((key, value) -> {
        if ("$ref".equals(key)) {
          refs.add(String.valueOf(value));
        } else {
          collectRefs(value, refs);
        }
      });
    } else if (node instanceof List) {
      ((List<?>) node).forEach(item -> collectRefs(item, refs));
    }
  }

  private static void collectOddKeys(Object node, List<Object> odd) {
    if (node instanceof Map) {
      ((Map<?, ?>) node).forEach((key, value) -> {
        if (!(key instanceof String)) {
          odd.add(key);
        }
        collectOddKeys(value, odd);
      });
    } else if (node instanceof List) {
      ((List<?>) node).forEach(item -> collectOddKeys(item, odd));
    }
  }

  private static void collectNullables(Object node, List<Map<?, ?>> found) {
    if (node instanceof Map) {
      Map<?, ?> map = (Map<?, ?>) node;
      if (Boolean.TRUE.equals(map.get("nullable"))) {
        found.add(map);
      }
      map.values().forEach(value -> collectNullables(value, found));
    } else if (node instanceof List) {
      ((List<?>) node).forEach(item -> collectNullables(item, found));
    }
  }

  /** Follows a local JSON pointer; null when any step is missing. */
  private static Object resolve(String ref) {
    Object node = doc;
    for (String step : ref.substring(2).split("/")) {
      String key = step.replace("~1", "/").replace("~0", "~");
      if (!(node instanceof Map) || !((Map<?, ?>) node).containsKey(key)) {
        return null;
      }
      node = ((Map<?, ?>) node).get(key);
    }
    return node;
  }

  private static Object deref(Object node) {
    Object current = node;
    for (int hops = 0; current instanceof Map && ((Map<?, ?>) current).containsKey("$ref"); hops++) {
      assertTrue(hops < 10, "a $ref cycle at " + node);
      String ref = String.valueOf(((Map<?, ?>) current).get("$ref"));
      current = resolve(ref);
      assertNotNull(current, ref + " does not resolve");
    }
    return current;
  }

  // ---- a small checker for the OpenAPI 3.0 schema subset the document uses ----

  /**
   * A schema with its $ref and allOf parts folded in. Nullable counts at the outer level only,
   * which is exact because {@link #nullableStandsBesideAType} keeps it away from allOf.
   */
  private static final class Merged {
    String type;
    boolean nullable;
    String pattern;
    String format;
    List<Object> enumValues;
    final Map<String, Object> properties = new LinkedHashMap<>();
    final Set<String> required = new LinkedHashSet<>();
    Object additionalProperties;
    Object items;
    final List<List<Object>> oneOfs = new ArrayList<>();
  }

  private static Merged merge(Object schema) {
    Merged merged = new Merged();
    Object outer = schema instanceof Map && ((Map<?, ?>) schema).containsKey("$ref") ? deref(schema) : schema;
    merged.nullable = Boolean.TRUE.equals(map(outer, "schema").get("nullable"));
    mergeInto(merged, schema);
    return merged;
  }

  @SuppressWarnings("unchecked")
  private static void mergeInto(Merged merged, Object schema) {
    Map<String, Object> s = map(deref(schema), "schema");
    if (s.get("type") != null) {
      assertTrue(merged.type == null || merged.type.equals(s.get("type")), "conflicting types in " + s);
      merged.type = (String) s.get("type");
    }
    if (s.get("pattern") != null) {
      merged.pattern = (String) s.get("pattern");
    }
    if (s.get("format") != null) {
      merged.format = (String) s.get("format");
    }
    if (s.get("enum") != null) {
      merged.enumValues = (List<Object>) s.get("enum");
    }
    if (s.get("properties") != null) {
      merged.properties.putAll(map(s.get("properties"), "properties"));
    }
    if (s.get("required") != null) {
      ((List<Object>) s.get("required")).forEach(name -> merged.required.add((String) name));
    }
    if (s.get("additionalProperties") != null) {
      merged.additionalProperties = s.get("additionalProperties");
    }
    if (s.get("items") != null) {
      merged.items = s.get("items");
    }
    if (s.get("oneOf") != null) {
      merged.oneOfs.add((List<Object>) s.get("oneOf"));
    }
    if (s.get("allOf") != null) {
      ((List<Object>) s.get("allOf")).forEach(part -> mergeInto(merged, part));
    }
  }

  private static void conform(Object value, Object schema, String where) {
    assertNotNull(schema, where + " has no schema");
    Merged s = merge(schema);
    for (List<Object> alternatives : s.oneOfs) {
      int matches = 0;
      for (Object alternative : alternatives) {
        try {
          conform(value, alternative, where);
          matches++;
        } catch (AssertionError e) {
          // this alternative does not fit; another may
        }
      }
      assertEquals(1, matches, where + " must match exactly one oneOf alternative: " + value);
    }
    if (value == null) {
      // OpenAPI 3.0.3: nullable admits null only beside an explicit type; a schema that says
      // nothing at all admits anything.
      boolean anything = s.type == null && s.properties.isEmpty() && s.required.isEmpty()
          && s.enumValues == null && s.items == null && s.additionalProperties == null;
      assertTrue(!s.oneOfs.isEmpty() || anything || (s.nullable && s.type != null),
          where + " is null but its schema does not admit null");
      assertTrue(s.enumValues == null || s.enumValues.contains(null), where + " is null");
      return;
    }
    if (s.enumValues != null) {
      assertTrue(s.enumValues.contains(value), where + ": " + value + " not in " + s.enumValues);
    }
    if (s.type == null) {
      if (!s.properties.isEmpty() || !s.required.isEmpty()) {
        conformObject(value, s, where);
      }
      return;
    }
    switch (s.type) {
      case "string":
        assertTrue(value instanceof String, where + " should be a string: " + value);
        checkString((String) value, s, where);
        break;
      case "boolean":
        assertTrue(value instanceof Boolean, where + " should be a boolean: " + value);
        break;
      case "integer":
        assertTrue(value instanceof Integer || value instanceof Long || value instanceof BigInteger,
            where + " should be an integer: " + value);
        break;
      case "number":
        assertTrue(value instanceof Number, where + " should be a number: " + value);
        break;
      case "array":
        List<?> list = list(value, where);
        for (int i = 0; i < list.size(); i++) {
          conform(list.get(i), s.items, where + "[" + i + "]");
        }
        break;
      case "object":
        conformObject(value, s, where);
        break;
      default:
        fail(where + ": unexpected type " + s.type);
    }
  }

  private static void conformObject(Object value, Merged s, String where) {
    Map<String, Object> object = map(value, where);
    for (String name : s.required) {
      assertTrue(object.containsKey(name), where + " lacks required " + name);
    }
    for (var entry : object.entrySet()) {
      String at = where + "." + entry.getKey();
      Object property = s.properties.get(entry.getKey());
      if (property != null) {
        conform(entry.getValue(), property, at);
      } else if (s.additionalProperties instanceof Map) {
        conform(entry.getValue(), s.additionalProperties, at);
      } else {
        assertTrue(s.properties.isEmpty() && s.additionalProperties == null,
            at + " is not documented");
      }
    }
  }

  private static void checkString(String value, Merged s, String where) {
    if (s.pattern != null) {
      assertTrue(Pattern.compile(s.pattern).matcher(value).find(), where + ": " + value + " !~ " + s.pattern);
    }
    try {
      if ("date-time".equals(s.format)) {
        Instant.parse(value);
      } else if ("byte".equals(s.format)) {
        Base64.getDecoder().decode(value);
      }
    } catch (RuntimeException e) {
      fail(where + ": " + value + " is not in format " + s.format, e);
    }
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> map(Object node, String what) {
    if (node instanceof JsonObject) {
      return ((JsonObject) node).getMap();
    }
    assertTrue(node instanceof Map, what + " should be a mapping: " + node);
    return (Map<String, Object>) node;
  }

  private static List<?> list(Object node, String what) {
    if (node instanceof JsonArray) {
      return ((JsonArray) node).getList();
    }
    assertTrue(node instanceof List, what + " should be a list: " + node);
    return (List<?>) node;
  }

  /** The JSON as a client reads it off the wire. */
  private static JsonObject wire(JsonObject json) {
    return new JsonObject(json.encode());
  }

  // ---- an agent that reported everything ----

  /**
   * The shared full record, plus what the schemas must also admit and {@code AgentJsonTest}'s
   * values leave null, empty or finite: a status time on the agent's health, a nested
   * sub-component with attributes, error messages, a non-finite download speed, a
   * connection-settings hash and component metadata.
   */
  private static AgentRecord fullRecord() {
    AgentRecord shared = SampleRecords.fullRecord();
    ComponentHealth health = shared.getHealth();
    PackageStatuses packages = shared.getPackageStatuses();
    PackageStatus otelcol = packages.getPackagesOrThrow("otelcol");
    AvailableComponents available = shared.getAvailableComponents();
    return shared.toBuilder()
        .setHealth(health.toBuilder()
            .setStatusTimeUnixNano(health.getStartTimeUnixNano() + 5)
            .putComponentHealthMap("exporter/otlp",
                health.getComponentHealthMapOrThrow("exporter/otlp").toBuilder()
                    .putComponentHealthMap("queue", ComponentHealth.newBuilder().setHealthy(true).build())
                    .addAttributes(kv("retries", AnyValue.newBuilder().setIntValue(3).build()))
                    .build()))
        .setPackageStatuses(packages.toBuilder()
            .setErrorMessage("one package failed")
            .putPackages("otelcol", otelcol.toBuilder()
                .setDownloadDetails(otelcol.getDownloadDetails().toBuilder()
                    .setDownloadBytesPerSecond(Double.NaN))
                .build())
            .putPackages("addon", packages.getPackagesOrThrow("addon").toBuilder()
                .setStatus(PackageStatusEnum.PackageStatusEnum_InstallFailed)
                .setErrorMessage("disk full")
                .build()))
        .setConnectionSettingsStatus(shared.getConnectionSettingsStatus().toBuilder()
            .setLastConnectionSettingsHash(ByteString.fromHex("0abc")))
        .setAvailableComponents(available.toBuilder()
            .putComponents("receivers", available.getComponentsOrThrow("receivers").toBuilder()
                .addMetadata(kv("count", AnyValue.newBuilder().setIntValue(1).build()))
                .build()))
        .build();
  }
}
