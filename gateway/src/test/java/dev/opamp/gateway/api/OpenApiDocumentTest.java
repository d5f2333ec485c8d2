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
import dev.opamp.gateway.remoteconfig.proto.ConfigFile;
import dev.opamp.gateway.remoteconfig.proto.ConfigVersion;
import dev.opamp.gateway.proto.AnyValue;
import dev.opamp.gateway.proto.AvailableComponents;
import dev.opamp.gateway.proto.ComponentHealth;
import dev.opamp.gateway.proto.PackageStatus;
import dev.opamp.gateway.proto.PackageStatusEnum;
import dev.opamp.gateway.proto.PackageStatuses;
import dev.opamp.gateway.testing.ReconnectingAgent;
import dev.opamp.gateway.testing.SampleRecords;
import dev.opamp.gateway.testing.TestGateway;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.Router;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Array;
import java.lang.reflect.Constructor;
import java.lang.reflect.Modifier;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.schema.CoreSchema;

/**
 * Keeps {@code openapi.yaml} honest: it must be a well-formed OpenAPI 3.0 document, document
 * exactly the operations the admin router serves, and describe exactly the JSON the gateway
 * renders: {@link AgentJson} and {@link ConfigsResource#json} directly, and every answer of a real
 * node to the requests made here (each status must be documented and each body must match).
 */
class OpenApiDocumentTest {
  private static final ByteString UID = ByteString.fromHex("018f2a3b4c5d7e6f8a9b0c1d2e3f4a5b");
  private static final String SCHEMAS = "#/components/schemas/";
  private static final Set<String> METHODS =
      Set.of("get", "put", "post", "delete", "options", "head", "patch", "trace");
  private static final Set<String> PROBES = Set.of("GET /healthz", "GET /readyz");
  /** Path parameters for requests that must not find anything (and so change nothing). */
  private static final Map<String, String> NOTHING = Map.of("uid", "018f2a3b4c5d7e6f8a9b0c1d2e3f4a5b",
      "name", "openapi-nothing", "version", "1", "id", "openapi-nothing");
  private static final Pattern PATH_PARAMETER = Pattern.compile("\\{([^}/]+)}");

  private static Map<String, Object> doc;
  /** What the admin router serves, as "METHOD /path/{param}". */
  private static Set<String> served;
  private static TestGateway gateway;
  private static final HttpClient http = HttpClient.newHttpClient();

  @BeforeAll
  static void load() throws Exception {
    // The same classpath resource that AdminServer serves.
    try (InputStream in = OpenApiDocumentTest.class.getClassLoader().getResourceAsStream("openapi.yaml")) {
      assertNotNull(in, "openapi.yaml is not on the classpath");
      // The YAML 1.2 core schema, as most clients read it: there, an unquoted Null or 200
      // as a key would not be text.
      LoadSettings settings = LoadSettings.builder().setSchema(new CoreSchema()).build();
      doc = map(new Load(settings).loadFromInputStream(in), "the document");
    }
    served = servedOperations();
    gateway = TestGateway.start();
  }

  @AfterAll
  static void stop() throws Exception {
    if (gateway != null) {
      gateway.close();
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
  void documentsExactlyTheServedOperations() {
    assertTrue(served.containsAll(Set.of("GET /healthz", "GET /api/v1/agents", "GET /api/v1/agents/{uid}")),
        "the routes were read: " + served);
    Set<String> documented = documentedOperations();
    Set<String> undocumented = new TreeSet<>(served);
    undocumented.removeAll(documented);
    Set<String> notServed = new TreeSet<>(documented);
    notServed.removeAll(served);
    assertEquals(Set.of(), undocumented, "served but not documented");
    assertEquals(Set.of(), notServed, "documented but not served");
  }

  @Test
  void everyServedOperationAnswersOnARealNodeAsDocumented() throws Exception {
    // The routes above come from the resource classes; this asks a real node, so a resource the
    // node does not mount shows up as the catch-all's 404. Parameters name nothing that exists.
    for (String operation : served) {
      String method = operation.substring(0, operation.indexOf(' '));
      String template = operation.substring(method.length() + 1);
      HttpResponse<String> r = send(method, expand(template, NOTHING), null);
      String where = operation + " -> " + r.statusCode() + " " + r.body();
      assertTrue(r.statusCode() != 405, where);
      assertFalse(r.statusCode() == 404 && r.body().startsWith("{")
          && "not found".equals(new JsonObject(r.body()).getString("error")), "not mounted: " + where);
      checkAnswer(method, template, r);
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
        "AvailableComponents", "EffectiveConfig", "Error", "NodeList", "Node", "NodeChange",
        "RestartRequest", "RestartTargeted", "RestartDelivered", "ConfigDraft", "ConfigVersion",
        "ConfigLatest", "ConfigHead", "ConfigList", "RolloutRequest", "RolloutStrategy",
        "RolloutSummary", "RolloutList", "Rollout", "RolloutState", "Wave")) {
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
    for (String operation : documentedOperations()) {
      Map<String, Object> op = operation(operation);
      boolean probe = PROBES.contains(operation);
      assertEquals(probe ? List.of() : null, op.get("security"), operation);
      assertEquals(!probe, responses(op, operation).containsKey("401"), operation + " documents 401 iff it needs the token");
    }
  }

  @Test
  void everyOperationWithABodyDocumentsTheBodyLimit() {
    for (String operation : documentedOperations()) {
      Map<String, Object> op = operation(operation);
      if (op.containsKey("requestBody")) {
        Map<String, Object> content = map(map(deref(op.get("requestBody")), operation).get("content"), operation);
        assertNotNull(map(content.get("application/json"), operation).get("schema"), operation);
        assertTrue(responses(op, operation).containsKey("413"), operation + " documents 413");
      }
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
    for (String operation : documentedOperations()) {
      Map<String, Object> op = operation(operation);
      if (op.containsKey("requestBody")) {
        Object media = map(map(deref(op.get("requestBody")), operation).get("content"), operation)
            .get("application/json");
        checked += checkExamples(media, operation + " request");
      }
      for (var response : responses(op, operation).entrySet()) {
        String at = operation + " " + response.getKey();
        Object content = map(deref(response.getValue()), at).get("content");
        checked += checkExamples(content == null ? null : map(content, at).get("application/json"), at);
      }
    }
    for (var parameter : map(map(doc.get("components"), "components").get("parameters"), "parameters").entrySet()) {
      checked += checkExamples(parameter.getValue(), "parameter " + parameter.getKey());
    }
    assertTrue(checked >= 60, "examples checked: " + checked);
  }

  // ---- the configs and rollouts JSON ----

  @Test
  void configJsonMatchesItsSchema() {
    ConfigVersion version = ConfigVersion.newBuilder()
        .setName("base")
        .setVersion(2)
        .setSelector("env=prod")
        .setPriority(-3)
        .putFiles("collector.yaml", ConfigFile.newBuilder().setBody("host: ${agent.host.name}\n")
            .setContentType("text/yaml").build())
        .putFiles("a.conf", ConfigFile.newBuilder().setBody("").setContentType("").build())
        .setMessage("why")
        .setAuthor("alice")
        .setCreatedUnixMs(1_714_557_600_123L)
        .setHash(ByteString.copyFrom(new byte[32]))
        .setHasVariables(true)
        .build();
    Merged schema = merge(schemas().get("ConfigVersion"));
    for (long active : new long[] {0, 1, 2}) {
      JsonObject json = ConfigsResource.json(version, active);
      assertEquals(new TreeSet<>(schema.properties.keySet()), new TreeSet<>(json.fieldNames()));
      conform(wire(json), schemas().get("ConfigVersion"), "version, active " + active);
    }
  }

  @Test
  void configsRolloutsAndCommandsAnswerAsDocumented() throws Exception {
    String name = "openapi-rollout";
    List<ReconnectingAgent> agents = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      agents.add(new ReconnectingAgent(gateway.clientVertx(), gateway.opampPort(), name).start());
    }
    try {
      JsonObject v1 = call("put", "/api/v1/configs/{name}", Map.of("name", name), new JsonObject()
          .put("selector", "service.name=" + name)
          .put("priority", 3)
          .put("files", new JsonObject()
              .put("collector.yaml", "v: 1\n")
              .put("agent.conf", new JsonObject().put("body", "uid=${agent.instance_uid}\n")
                  .put("contentType", "text/plain")))
          .put("message", "first")
          .put("author", "openapi test"), 201);
      assertTrue(v1.getBoolean("perAgentVariables"), v1.encode());
      await(() -> agents.stream().allMatch(a -> "v: 1\n".equals(a.appliedBody())), "every agent runs version 1");
      JsonObject v2 = call("put", "/api/v1/configs/{name}", Map.of("name", name), new JsonObject()
          .put("selector", "service.name=" + name)
          .put("files", new JsonObject().put("collector.yaml", "v: 2\n"))
          .put("deploy", false), 201);
      assertEquals(2L, v2.getLong("version"));
      call("put", "/api/v1/configs/{name}", Map.of("name", name), new JsonObject()
          .put("files", new JsonObject().put("collector.yaml", "v: [")), 400);
      call("get", "/api/v1/configs", Map.of(), null, 200);
      assertEquals(1L, call("get", "/api/v1/configs/{name}", Map.of("name", name), null, 200).getLong("activeVersion"));
      call("get", "/api/v1/configs/{name}/versions/{version}", Map.of("name", name, "version", "1"), null, 200);
      call("get", "/api/v1/configs/{name}/versions/{version}", Map.of("name", name, "version", "0"), null, 400);
      call("post", "/api/v1/configs/{name}/versions/{version}/activate", Map.of("name", name, "version", "1"), null, 200);
      call("post", "/api/v1/configs/{name}/versions/{version}/activate", Map.of("name", name, "version", "9"), null, 404);

      // The agents' view of it: ${agent.instance_uid} became the uid in its canonical form.
      String uid = agents.get(0).key();
      String uuid = uid.replaceFirst("(.{8})(.{4})(.{4})(.{4})(.{12})", "$1-$2-$3-$4-$5");
      await(() -> {
        JsonObject agent = call("get", "/api/v1/agents/{uid}", Map.of("uid", uuid), null, 200);
        JsonObject effective = agent.getJsonObject("effectiveConfig");
        return name.equals(agent.getJsonObject("desiredConfig").getString("name")) && effective != null
            && ("uid=" + uuid + "\n").equals(effective.getJsonObject("files").getJsonObject("agent.conf").getString("body"));
      }, "the agent runs its rendering of version 1");
      callWithQuery("/api/v1/agents", "?selector=service.name%3D" + name, 200);
      call("post", "/api/v1/agents/{uid}/restart", Map.of("uid", uid), null, 409);
      call("post", "/api/v1/commands/restart", Map.of(), new JsonObject().put("selector", "service.name=" + name), 202);

      // A rollout of version 2, taken through every state change.
      call("post", "/api/v1/rollouts", Map.of(), new JsonObject().put("config", name).put("version", 1), 409);
      call("post", "/api/v1/rollouts", Map.of(), new JsonObject().put("config", "openapi-none"), 404);
      call("post", "/api/v1/rollouts", Map.of(), new JsonObject().put("config", name)
          .put("strategy", new JsonObject().put("onFailure", "retry")), 400);
      JsonObject started = call("post", "/api/v1/rollouts", Map.of(), new JsonObject().put("config", name)
          .put("version", 2).put("strategy", new JsonObject().put("canary", 1).put("growth", 2)
              .put("waitSeconds", 60).put("healthySeconds", 0).put("maxFailures", "50%").put("onFailure", "pause")),
          201);
      Map<String, String> id = Map.of("id", started.getString("id"));
      call("post", "/api/v1/rollouts", Map.of(), new JsonObject().put("config", name).put("version", 2), 409);
      await(() -> {
        JsonArray waves = call("get", "/api/v1/rollouts/{id}", id, null, 200).getJsonArray("waves");
        return waves.size() == 1 && waves.getJsonObject(0).getString("passedAt") != null;
      }, "the canary passes");
      assertEquals("paused", call("post", "/api/v1/rollouts/{id}/pause", id, null, 200).getString("state"));
      call("post", "/api/v1/rollouts/{id}/pause", id, null, 409);
      assertEquals("running", call("post", "/api/v1/rollouts/{id}/resume", id, null, 200).getString("state"));
      assertEquals("aborted", call("post", "/api/v1/rollouts/{id}/abort", id, null, 200).getString("state"));
      call("post", "/api/v1/rollouts/{id}/resume", id, null, 409);
      JsonObject rolledBack = call("post", "/api/v1/rollouts/{id}/rollback", id, null, 200);
      assertEquals("rolled_back", rolledBack.getString("state"));
      assertEquals(1, rolledBack.getJsonArray("waves").size(), rolledBack.encode());
      call("post", "/api/v1/rollouts/{id}/abort", id, null, 409);
      call("get", "/api/v1/rollouts", Map.of(), null, 200);
      await(() -> agents.stream().allMatch(a -> "v: 1\n".equals(a.appliedBody())), "every agent runs version 1 again");
      await(() -> callWithQuery("/api/v1/agents", "?selector=service.name%3D" + name, 200).getJsonArray("agents")
          .stream().anyMatch(a -> ((JsonObject) a).getJsonObject("desiredConfig").getLong("rolledBackFrom") != null),
          "the canary is shown as rolled back");

      call("delete", "/api/v1/configs/{name}", Map.of("name", name), null, 204);
      call("delete", "/api/v1/configs/{name}", Map.of("name", name), null, 404);
      call("get", "/api/v1/configs/{name}/versions/{version}", Map.of("name", name, "version", "2"), null, 200);
    } finally {
      agents.forEach(ReconnectingAgent::close);
    }
  }

  @Test
  void nodesAnswerAsDocumented() throws Exception {
    JsonArray nodes = call("get", "/api/v1/nodes", Map.of(), null, 200).getJsonArray("nodes");
    String local = nodes.stream().map(n -> (JsonObject) n).filter(n -> n.getBoolean("local"))
        .map(n -> n.getString("name")).findFirst().orElseThrow();
    try {
      assertEquals("draining", call("post", "/api/v1/nodes/{name}/drain", Map.of("name", local), null, 202)
          .getString("state"));
      // The list shows what each node last published (every 2 s).
      await(() -> "draining".equals(call("get", "/api/v1/nodes", Map.of(), null, 200).getJsonArray("nodes")
          .getJsonObject(0).getString("state")), "the node is listed as draining");
    } finally {
      assertEquals("active", call("post", "/api/v1/nodes/{name}/resume", Map.of("name", local), null, 202)
          .getString("state"));
    }
  }

  // ---- the document ----

  private static Map<String, Object> path(String path) {
    return map(map(doc.get("paths"), "paths").get(path), path);
  }

  /** Every operation of the document, as "METHOD /path/{param}". */
  private static Set<String> documentedOperations() {
    Set<String> out = new TreeSet<>();
    map(doc.get("paths"), "paths").forEach((path, item) -> map(item, path).keySet().stream()
        .filter(METHODS::contains)
        .forEach(method -> out.add(method.toUpperCase() + " " + path)));
    return out;
  }

  /** The operation object of "METHOD /path". */
  private static Map<String, Object> operation(String operation) {
    int space = operation.indexOf(' ');
    Object op = path(operation.substring(space + 1)).get(operation.substring(0, space).toLowerCase());
    return map(op, operation);
  }

  private static Map<String, Object> responses(Map<String, Object> op, String where) {
    return map(op.get("responses"), where + " responses");
  }

  /** Checks a media type's or a parameter's example(s) against its schema; answers how many. */
  private static int checkExamples(Object holder, String where) {
    if (holder == null) {
      return 0;
    }
    Map<String, Object> h = map(deref(holder), where);
    Object schema = h.get("schema");
    int checked = 0;
    if (h.containsKey("example")) {
      conform(h.get("example"), schema, where + " example");
      checked++;
    }
    if (h.containsKey("examples")) {
      for (var example : map(h.get("examples"), where).entrySet()) {
        Map<String, Object> e = map(deref(example.getValue()), where + " " + example.getKey());
        assertTrue(e.containsKey("value"), where + " " + example.getKey() + " has no value");
        conform(e.get("value"), schema, where + " " + example.getKey());
        checked++;
      }
    }
    return checked;
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

  // ---- the routes of the admin router ----

  /**
   * The operations of the router that {@link AdminServer#start} builds, with an instance of every
   * {@link ApiResource} class of the gateway mounted on it, read through {@link Router#getRoutes}
   * once the server is up (so the routes AdminServer adds after the resources count too). The
   * router is caught by one more resource; the others get null collaborators, as mounting only
   * declares routes.
   */
  private static Set<String> servedOperations() throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      List<ApiResource> resources = new ArrayList<>();
      for (Class<?> type : apiResourceClasses()) {
        resources.add(instantiate(type));
      }
      AtomicReference<Router> router = new AtomicReference<>();
      resources.add(router::set);
      AdminServer server = await(AdminServer.start(vertx, "127.0.0.1", 0, null, null, () -> true, resources, null));
      await(server.stop());
      Set<String> out = new TreeSet<>();
      for (Route route : router.get().getRoutes()) {
        String path = route.getPath();
        if (path == null) {
          // Handlers for every request (the token check, the failure handler); no regex routes.
          assertFalse(route.isRegexPath(), "a regex route cannot be checked against the document");
          continue;
        }
        if (route.methods() == null || route.methods().isEmpty()) {
          assertEquals("/api/", path, "only the catch-all under /api/ may take every method");
          continue;
        }
        String openApiPath = path.replaceAll(":([A-Za-z0-9_]+)", "{$1}");
        route.methods().forEach(m -> out.add(m.name() + " " + openApiPath));
      }
      return out;
    } finally {
      await(vertx.close());
    }
  }

  /** Every concrete class of the gateway that implements {@link ApiResource}. */
  private static List<Class<?>> apiResourceClasses() throws Exception {
    Path location = Path.of(ApiResource.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    String base = ApiResource.class.getPackageName().replace(".api", "").replace('.', '/');
    List<Class<?>> out = new ArrayList<>();
    try (FileSystem jar = Files.isDirectory(location) ? null : FileSystems.newFileSystem(location)) {
      Path root = jar == null ? location : jar.getPath("/");
      try (Stream<Path> files = Files.walk(root.resolve(base))) {
        for (Path file : (Iterable<Path>) files::iterator) {
          String relative = root.relativize(file).toString().replace('\\', '/');
          if (!relative.endsWith(".class")) {
            continue;
          }
          Class<?> type = Class.forName(relative.substring(0, relative.length() - 6).replace('/', '.'), false,
              ApiResource.class.getClassLoader());
          if (ApiResource.class.isAssignableFrom(type) && !type.isInterface()
              && !Modifier.isAbstract(type.getModifiers()) && !type.isAnonymousClass() && !type.isSynthetic()) {
            out.add(type);
          }
        }
      }
    }
    assertTrue(out.contains(AgentsResource.class), "found the resources: " + out);
    return out;
  }

  /** The resource made by its public constructor with null (or zero) for every argument. */
  private static ApiResource instantiate(Class<?> type) {
    List<Throwable> failures = new ArrayList<>();
    for (Constructor<?> c : type.getConstructors()) {
      Object[] args = new Object[c.getParameterCount()];
      Class<?>[] types = c.getParameterTypes();
      for (int i = 0; i < args.length; i++) {
        args[i] = types[i].isPrimitive() ? Array.get(Array.newInstance(types[i], 1), 0) : null;
      }
      try {
        return (ApiResource) c.newInstance(args);
      } catch (ReflectiveOperationException | RuntimeException e) {
        failures.add(e);
      }
    }
    throw new AssertionError(type.getName() + " cannot be made without collaborators to read its routes: "
        + failures);
  }

  private static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  // ---- requests to the real node ----

  private static String expand(String template, Map<String, String> parameters) {
    Matcher m = PATH_PARAMETER.matcher(template);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String value = parameters.get(m.group(1));
      assertNotNull(value, template + ": no value for {" + m.group(1) + "}");
      m.appendReplacement(out, Matcher.quoteReplacement(value));
    }
    return m.appendTail(out).toString();
  }

  private static HttpResponse<String> send(String method, String pathAndQuery, JsonObject body) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + gateway.adminPort() + pathAndQuery)).timeout(Duration.ofSeconds(15));
    if (body == null) {
      request.method(method, HttpRequest.BodyPublishers.noBody());
    } else {
      request.method(method, HttpRequest.BodyPublishers.ofString(body.encode())).header("Content-Type",
          "application/json");
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  /**
   * Sends a request for the documented operation {@code method template}, checks the request
   * body against the documented one (unless it is meant to be refused) and the answer against
   * the documented response for its status, and answers the JSON object (null without a body).
   */
  private static JsonObject call(String method, String template, Map<String, String> parameters, JsonObject body,
      int expectedStatus) throws Exception {
    String where = method.toUpperCase() + " " + template;
    if (body != null && expectedStatus < 400) {
      Object requestBody = operation(where).get("requestBody");
      assertNotNull(requestBody, where + " documents no request body");
      Object media = map(map(deref(requestBody), where).get("content"), where).get("application/json");
      conform(wire(body), map(media, where).get("schema"), where + " request");
    }
    HttpResponse<String> r = send(method.toUpperCase(), expand(template, parameters), body);
    assertEquals(expectedStatus, r.statusCode(), where + ": " + r.body());
    return checkAnswer(method.toUpperCase(), template, r);
  }

  private static JsonObject callWithQuery(String path, String query, int expectedStatus) throws Exception {
    HttpResponse<String> r = send("GET", path + query, null);
    assertEquals(expectedStatus, r.statusCode(), path + query + ": " + r.body());
    return checkAnswer("GET", path, r);
  }

  /** The answer must be documented for its status, with its media type, and match the schema. */
  private static JsonObject checkAnswer(String method, String template, HttpResponse<String> r) {
    String where = method + " " + template + " -> " + r.statusCode();
    Object documented = responses(operation(method + " " + template), where).get(String.valueOf(r.statusCode()));
    assertNotNull(documented, where + " is not documented: " + r.body());
    Object content = map(deref(documented), where).get("content");
    String mediaType = r.headers().firstValue("Content-Type").orElse("").replaceAll(";.*", "").trim();
    if (content == null) {
      assertEquals("", r.body(), where + " documents no body");
      return null;
    }
    Object media = map(content, where).get(mediaType);
    assertNotNull(media, where + " answered " + mediaType + ", documented: " + map(content, where).keySet());
    if (!mediaType.equals("application/json")) {
      return null;
    }
    Object json = Json.decodeValue(r.body());
    conform(json, map(media, where).get("schema"), where);
    return json instanceof JsonObject ? (JsonObject) json : null;
  }

  /** Polls until {@code condition} holds (each poll may itself check answers); fails after 30 s. */
  private static void await(Check condition, String what) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (System.nanoTime() < deadline) {
      if (condition.call()) {
        return;
      }
      Thread.sleep(100);
    }
    fail(what + " within 30 s");
  }

  @FunctionalInterface
  private interface Check {
    boolean call() throws Exception;
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
