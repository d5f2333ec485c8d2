package dev.opamp.gateway.cluster;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.hazelcast.config.Config;
import dev.opamp.gateway.config.GatewaySettings;
import dev.opamp.gateway.config.SettingsLoader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/**
 * The deployment files in {@code cluster-config/kubernetes/} and {@code cluster-config/systemd/}
 * must parse, fit together, and only use settings the gateway has.
 */
class DeploymentFilesTest {

  // Maven runs tests with the module directory as the working directory.
  private static final Path CLUSTER_CONFIG = Path.of("..", "cluster-config");
  private static final Path KUBERNETES = CLUSTER_CONFIG.resolve("kubernetes");
  private static final Path SYSTEMD = CLUSTER_CONFIG.resolve("systemd");
  private static final String JAR = "/opt/opamp-gateway/opamp-gateway.jar";
  /** Where the example files put the gateway's own files; the tests move it into a temp dir. */
  private static final String ETC = "/etc/opamp-gateway/";
  /** How long the gateway's shutdown hook waits for the node to stop (Main). */
  private static final int GATEWAY_STOP_SECONDS = 60;

  /** Kinds of the documents in each manifest, in order. */
  private static final Map<String, List<String>> MANIFESTS = Map.of(
      "statefulset.yaml", List.of("StatefulSet"),
      "service-headless.yaml", List.of("Service"),
      "service.yaml", List.of("Service", "Service"),
      "rbac.yaml", List.of("ServiceAccount", "Role", "RoleBinding"),
      "configmap.yaml", List.of("ConfigMap"),
      "pdb.yaml", List.of("PodDisruptionBudget"));

  private static Set<String> knownFlags;

  @TempDir
  Path dir;

  @BeforeAll
  static void readFlagCatalogue() {
    // Every flag --help lists: the settings catalogue as the user sees it.
    knownFlags = new TreeSet<>();
    Matcher m = Pattern.compile("(?m)^\\s+(?:-h, )?(--[a-z][a-z0-9-]*)").matcher(SettingsLoader.usage());
    while (m.find()) {
      knownFlags.add(m.group(1));
    }
    assertTrue(knownFlags.containsAll(List.of("--config", "--node-name", "--hazelcast-config", "--agent-retention")),
        "flags read from --help: " + knownFlags);
  }

  // ---------------------------------------------------------------- Kubernetes

  @Test
  void everyManifestParsesWithTheExpectedKinds() throws IOException {
    Set<String> present = new TreeSet<>();
    try (Stream<Path> listing = Files.list(KUBERNETES)) {
      listing.forEach(f -> present.add(f.getFileName().toString()));
    }
    assertEquals(new TreeSet<>(MANIFESTS.keySet()), present, "files in " + KUBERNETES);
    for (var manifest : MANIFESTS.entrySet()) {
      List<Map<String, Object>> documents = documents(manifest.getKey());
      List<String> kinds = documents.stream().map(d -> string(d, "kind")).toList();
      assertEquals(manifest.getValue(), kinds, manifest.getKey());
      for (Map<String, Object> d : documents) {
        assertNotNull(d.get("apiVersion"), manifest.getKey() + ": apiVersion");
        assertNotNull(string(d, "metadata", "name"), manifest.getKey() + ": metadata.name");
        assertEquals("opamp-gateway", string(d, "metadata", "labels", "app.kubernetes.io/name"),
            manifest.getKey() + ": " + string(d, "metadata", "name") + " label");
      }
    }
  }

  @Test
  void statefulSetRunsThreeNodesDiscoveredThroughTheHeadlessService() throws IOException {
    Map<String, Object> sts = only("statefulset.yaml");
    Map<String, Object> headless = only("service-headless.yaml");
    assertEquals("opamp-gateway", string(sts, "metadata", "name"));
    assertEquals(3, get(sts, "spec", "replicas"));
    assertEquals(string(headless, "metadata", "name"), string(sts, "spec", "serviceName"));
    Map<String, Object> podLabels = map(get(sts, "spec", "template", "metadata", "labels"));
    assertSelects(map(get(sts, "spec", "selector", "matchLabels")), podLabels, "StatefulSet selector");

    // Kubernetes would put OPAMP_GATEWAY_* variables of Services into the container: settings.
    assertEquals(Boolean.FALSE, get(sts, "spec", "template", "spec", "enableServiceLinks"));

    // Hazelcast finds its peers through the headless Service, on the member port.
    Config members = MemberConfig.fromFile(CLUSTER_CONFIG.resolve("kubernetes-members.yaml"));
    assertEquals(string(headless, "metadata", "name"),
        members.getNetworkConfig().getJoin().getKubernetesConfig().getProperty("service-name"));
    assertEquals("None", string(headless, "spec", "clusterIP"));
    assertEquals(Boolean.TRUE, get(headless, "spec", "publishNotReadyAddresses"));
    assertSelects(map(get(headless, "spec", "selector")), podLabels, "headless Service selector");
    List<Object> headlessPorts = list(get(headless, "spec", "ports"));
    assertEquals(1, headlessPorts.size(), "the headless Service carries only the member port");
    Map<String, Object> container = container(sts);
    assertEquals(5701, get(map(headlessPorts.get(0)), "port"));
    assertEquals(members.getNetworkConfig().getPort(),
        containerPort(container, get(map(headlessPorts.get(0)), "targetPort")));

    // The member may read what discovery needs, under the pods' service account.
    Map<String, Map<String, Object>> rbac = byKind("rbac.yaml");
    String account = string(rbac.get("ServiceAccount"), "metadata", "name");
    assertEquals(account, string(sts, "spec", "template", "spec", "serviceAccountName"));
    Map<String, Object> binding = rbac.get("RoleBinding");
    assertEquals("Role", string(binding, "roleRef", "kind"));
    assertEquals(string(rbac.get("Role"), "metadata", "name"), string(binding, "roleRef", "name"));
    Map<String, Object> subject = map(list(get(binding, "subjects")).get(0));
    assertEquals("ServiceAccount", string(subject, "kind"));
    assertEquals(account, string(subject, "name"));
    Map<String, Set<String>> granted = grantedVerbs(rbac.get("Role"));
    for (String resource : List.of("endpoints", "pods", "services", "discovery.k8s.io/endpointslices")) {
      assertTrue(granted.getOrDefault(resource, Set.of()).containsAll(List.of("get", "list")),
          "the Role grants get and list on " + resource + ": " + granted);
    }
    assertEquals(Set.of("get", "list"), granted.values().stream().flatMap(Set::stream)
        .collect(Collectors.toCollection(TreeSet::new)), "read-only");

    Map<String, Object> pdb = only("pdb.yaml");
    assertSelects(map(get(pdb, "spec", "selector", "matchLabels")), podLabels, "PodDisruptionBudget selector");
    assertEquals(1, get(pdb, "spec", "maxUnavailable"));
  }

  @Test
  void containerArgsAreGatewayFlagsThatLoad() throws IOException {
    Map<String, Object> sts = only("statefulset.yaml");
    Map<String, Object> container = container(sts);
    assertEquals(List.of("java", "-jar", JAR), list(get(container, "command")));
    List<String> args = list(get(container, "args")).stream().map(String::valueOf).toList();
    assertOnlyKnownFlags(args, "StatefulSet args");

    // Load the args as the gateway would, with $(VAR) expanded as Kubernetes does and the
    // mounted files placed in a temp dir.
    Map<String, String> env = containerEnv(container);
    List<String> expanded = new ArrayList<>();
    for (String arg : args) {
      expanded.add(inTempDir(expandKubernetesVariables(arg, env)));
    }
    createTokenFiles(expanded);
    GatewaySettings settings = SettingsLoader.load(expanded.toArray(String[]::new), Map.of()).settings();

    assertEquals("0.0.0.0", settings.opampHost());
    assertEquals("0.0.0.0", settings.adminHost());
    assertEquals(containerPort(container, "opamp"), settings.opampPort());
    assertEquals(containerPort(container, "admin"), settings.adminPort());
    assertEquals(5701, containerPort(container, "hazelcast"));
    assertEquals("opamp-gateway-0", settings.nodeName(), "--node-name is the pod name");
    assertNotNull(settings.opampAuthToken(), "agents need a token");
    assertNotNull(settings.adminAuthToken(), "admin clients need a token");

    // The files the args name are where the volumes are mounted.
    Map<String, Map<String, Object>> mounts = new LinkedHashMap<>();
    for (Object m : list(get(container, "volumeMounts"))) {
      mounts.put(string(map(m), "name"), map(m));
    }
    Map<String, Map<String, Object>> volumes = new LinkedHashMap<>();
    for (Object v : list(get(sts, "spec", "template", "spec", "volumes"))) {
      volumes.put(string(map(v), "name"), map(v));
    }
    assertEquals(volumes.keySet(), mounts.keySet(), "every volume is mounted");

    Map<String, Object> configMap = only("configmap.yaml");
    String hazelcastVolume = volumeOf(volumes, "configMap", "name", string(configMap, "metadata", "name"));
    Map<String, Object> hazelcastMount = mounts.get(hazelcastVolume);
    assertEquals(flagValue(args, "--hazelcast-config"), string(hazelcastMount, "mountPath"));
    assertTrue(map(get(configMap, "data")).containsKey(string(hazelcastMount, "subPath")));

    String tokensVolume = volumeOf(volumes, "secret", "secretName", "opamp-gateway-tokens");
    String tokensDir = string(mounts.get(tokensVolume), "mountPath") + "/";
    assertTrue(flagValue(args, "--opamp-auth-token-file").startsWith(tokensDir));
    assertTrue(flagValue(args, "--admin-auth-token-file").startsWith(tokensDir));
    String dataDir = flagValue(args, "--data-dir");
    assertTrue(mounts.values().stream().anyMatch(m -> dataDir.equals(m.get("mountPath"))), "data dir is a volume");
  }

  @Test
  void probesAndDrainHookUseTheAdminPort() throws IOException {
    Map<String, Object> sts = only("statefulset.yaml");
    Map<String, Object> container = container(sts);
    List<String> args = list(get(container, "args")).stream().map(String::valueOf).toList();
    int adminPort = Integer.parseInt(flagValue(args, "--admin-port"));
    assertEquals(adminPort, containerPort(container, "admin"));

    Map<String, String> probes = Map.of("livenessProbe", "/healthz", "readinessProbe", "/readyz",
        "startupProbe", "/healthz");
    probes.forEach((probe, path) -> {
      assertEquals(path, string(container, probe, "httpGet", "path"), probe);
      assertEquals(adminPort, containerPort(container, get(container, probe, "httpGet", "port")), probe);
    });

    // preStop: drain this node through the local admin API (with the admin token), then wait.
    List<Object> hook = list(get(container, "lifecycle", "preStop", "exec", "command"));
    String script = String.valueOf(hook.get(hook.size() - 1));
    assertTrue(script.contains("http://127.0.0.1:" + adminPort + "/api/v1/nodes/${POD_NAME}/drain"), script);
    assertTrue(script.contains("-X POST"), script);
    assertTrue(script.contains(flagValue(args, "--admin-auth-token-file")), "the hook sends the admin token");
    assertEquals("metadata.name", podNameField(container));
    Matcher sleep = Pattern.compile("sleep (\\d+)").matcher(script);
    assertTrue(sleep.find(), "the hook waits for the agents to move");
    Matcher curlTimeout = Pattern.compile("-m (\\d+)").matcher(script);
    assertTrue(curlTimeout.find(), "the drain call has a time limit");
    int hookSeconds = Integer.parseInt(sleep.group(1)) + Integer.parseInt(curlTimeout.group(1));
    int grace = (Integer) get(sts, "spec", "template", "spec", "terminationGracePeriodSeconds");
    assertTrue(grace >= hookSeconds + GATEWAY_STOP_SECONDS,
        "terminationGracePeriodSeconds " + grace + " covers the hook (" + hookSeconds
            + " s) and the gateway's stop (" + GATEWAY_STOP_SECONDS + " s)");

    // The heap fits in the memory limit, with room to spare.
    String javaOptions = containerEnv(container).get("JAVA_TOOL_OPTIONS");
    Matcher xmx = Pattern.compile("-Xmx(\\d+)([mg])").matcher(javaOptions);
    assertTrue(xmx.find(), "JAVA_TOOL_OPTIONS sets -Xmx: " + javaOptions);
    long heapMiB = Long.parseLong(xmx.group(1)) * (xmx.group(2).equals("g") ? 1024 : 1);
    long limitMiB = mebibytes(string(container, "resources", "limits", "memory"));
    assertNotNull(get(container, "resources", "requests", "memory"));
    assertNotNull(get(container, "resources", "requests", "cpu"));
    assertTrue(heapMiB * 3 / 2 <= limitMiB, "-Xmx " + heapMiB + "MiB leaves room in the " + limitMiB + "MiB limit");
  }

  @Test
  void servicesReachTheContainerPorts() throws IOException {
    Map<String, Object> sts = only("statefulset.yaml");
    Map<String, Object> container = container(sts);
    Map<String, Object> podLabels = map(get(sts, "spec", "template", "metadata", "labels"));
    Map<String, Integer> servicePorts = new LinkedHashMap<>();
    for (Map<String, Object> service : documents("service.yaml")) {
      assertSelects(map(get(service, "spec", "selector")), podLabels, string(service, "metadata", "name"));
      for (Object p : list(get(service, "spec", "ports"))) {
        Map<String, Object> port = map(p);
        assertEquals(get(port, "port"), containerPort(container, get(port, "targetPort")),
            string(service, "metadata", "name") + " port " + get(port, "name"));
        servicePorts.put(string(service, "metadata", "name"), (Integer) get(port, "port"));
      }
    }
    assertEquals(Map.of("opamp-gateway", 4320, "opamp-gateway-admin", 4321), servicePorts);
  }

  @Test
  void configMapHoldsKubernetesMembersYamlByteForByte() throws IOException {
    Map<String, Object> configMap = only("configmap.yaml");
    String embedded = string(configMap, "data", "hazelcast.yaml");
    byte[] file = Files.readAllBytes(CLUSTER_CONFIG.resolve("kubernetes-members.yaml"));
    assertArrayEquals(file, embedded.getBytes(StandardCharsets.UTF_8),
        "configmap.yaml's hazelcast.yaml differs from kubernetes-members.yaml; copy the file into it");
  }

  // ---------------------------------------------------------------- systemd

  @Test
  void systemdUnitIsHardenedAndStartsTheGateway() throws IOException {
    Map<String, Map<String, List<String>>> unit = readUnit(SYSTEMD.resolve("opamp-gateway.service"));
    assertEquals(Set.of("Unit", "Service", "Install"), unit.keySet());
    Map<String, List<String>> service = unit.get("Service");
    for (var expected : Map.ofEntries(
        Map.entry("User", "opamp-gateway"),
        Map.entry("Group", "opamp-gateway"),
        Map.entry("Restart", "on-failure"),
        Map.entry("KillSignal", "SIGTERM"),
        Map.entry("LimitNOFILE", "20000"),
        Map.entry("NoNewPrivileges", "yes"),
        Map.entry("ProtectSystem", "strict"),
        Map.entry("StateDirectory", "opamp-gateway"),
        Map.entry("PrivateTmp", "yes")).entrySet()) {
      assertEquals(List.of(expected.getValue()), service.get(expected.getKey()), expected.getKey());
    }
    assertEquals(List.of("multi-user.target"), unit.get("Install").get("WantedBy"));
    assertTrue(seconds(one(service, "TimeoutStopSec")) > GATEWAY_STOP_SECONDS,
        "TimeoutStopSec leaves the gateway its " + GATEWAY_STOP_SECONDS + " s to stop");

    List<String> command = List.of(one(service, "ExecStart").split("\\s+"));
    assertEquals("/usr/bin/java", command.get(0));
    int jar = command.indexOf("-jar");
    assertTrue(jar > 0 && command.get(jar + 1).equals(JAR), "runs " + JAR + ": " + command);
    assertTrue(command.subList(1, jar).stream().anyMatch(o -> o.startsWith("-Xmx")), "a heap limit");
    List<String> args = command.subList(jar + 2, command.size());
    assertOnlyKnownFlags(args, "ExecStart");
    String configFile = flagValue(args, "--config");
    assertEquals(ETC + "gateway.yaml", configFile);

    // The data directory of the settings file is the one the unit may write.
    GatewaySettings settings = loadSettingsFile();
    String dataDir = settings.dataDir().toString();
    assertEquals("/var/lib/" + one(service, "StateDirectory"), dataDir);
    assertTrue(List.of(one(service, "ReadWritePaths").split("\\s+")).contains(dataDir), "ReadWritePaths");

    // The whole command line loads, with the settings file copied into the temp dir.
    List<String> moved = args.stream().map(this::inTempDir).toList();
    GatewaySettings fromCommand = SettingsLoader.load(moved.toArray(String[]::new), Map.of()).settings();
    assertEquals(settings, fromCommand);
  }

  @Test
  void systemdSettingsFileIsForANodeOfATcpIpCluster() throws IOException {
    GatewaySettings settings = loadSettingsFile();
    assertEquals("0.0.0.0", settings.opampHost());
    assertEquals(4320, settings.opampPort());
    assertEquals(4321, settings.adminPort());
    assertEquals("gw-1", settings.nodeName());
    assertEquals(Duration.ofDays(7), settings.agentRetention());
    assertNotNull(settings.opampAuthToken());
    assertNotNull(settings.adminAuthToken());
    assertEquals(dir.resolve("hazelcast.yaml"), settings.hazelcastConfig(),
        "the member config sits next to the settings file");
  }

  // ---------------------------------------------------------------- helpers

  /** systemd/gateway.yaml through the gateway's own loader, its /etc files moved to the temp dir. */
  private GatewaySettings loadSettingsFile() throws IOException {
    String text = Files.readString(SYSTEMD.resolve("gateway.yaml"));
    Path copy = Files.writeString(dir.resolve("gateway.yaml"), text.replace(ETC, dir + "/"));
    for (String line : text.split("\n")) {
      if (line.matches("[a-z-]+-token-file:.*")) {
        createTokenFile(inTempDir(line.substring(line.indexOf(':') + 1).strip()));
      }
    }
    return SettingsLoader.load(new String[] {"--config", copy.toString()}, Map.of()).settings();
  }

  private String inTempDir(String arg) {
    return arg.startsWith(ETC) ? dir.resolve(arg.substring(ETC.length())).toString() : arg;
  }

  private void createTokenFiles(List<String> args) throws IOException {
    for (int i = 0; i + 1 < args.size(); i++) {
      if (args.get(i).endsWith("-token-file")) {
        createTokenFile(args.get(i + 1));
      }
    }
  }

  private static void createTokenFile(String path) throws IOException {
    Path file = Path.of(path);
    Files.createDirectories(file.getParent());
    Files.writeString(file, "test-token-" + file.getFileName() + "\n");
  }

  private static void assertOnlyKnownFlags(List<String> args, String where) {
    for (String arg : args) {
      if (arg.startsWith("--")) {
        String flag = arg.split("=", 2)[0];
        assertTrue(knownFlags.contains(flag), where + ": " + flag + " is not a gateway flag (see --help)");
      }
    }
  }

  /** The value after {@code flag}, as {@code --flag value} or {@code --flag=value}. */
  private static String flagValue(List<String> args, String flag) {
    for (int i = 0; i < args.size(); i++) {
      if (args.get(i).equals(flag) && i + 1 < args.size()) {
        return args.get(i + 1);
      }
      if (args.get(i).startsWith(flag + "=")) {
        return args.get(i).substring(flag.length() + 1);
      }
    }
    return fail(flag + " is not given in " + args);
  }

  /** Kubernetes expands {@code $(NAME)} in args from the container's environment. */
  private static String expandKubernetesVariables(String arg, Map<String, String> env) {
    Matcher m = Pattern.compile("\\$\\(([A-Za-z_][A-Za-z0-9_]*)\\)").matcher(arg);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String value = env.get(m.group(1));
      assertNotNull(value, "$(" + m.group(1) + ") is defined in the container's env");
      m.appendReplacement(out, Matcher.quoteReplacement(value));
    }
    return m.appendTail(out).toString();
  }

  /** The container's env, with downward-API fields filled in as for pod opamp-gateway-0. */
  private static Map<String, String> containerEnv(Map<String, Object> container) {
    Map<String, String> env = new LinkedHashMap<>();
    for (Object e : list(get(container, "env"))) {
      Map<String, Object> variable = map(e);
      String name = string(variable, "name");
      if (variable.containsKey("value")) {
        env.put(name, String.valueOf(variable.get("value")));
      } else {
        String field = string(variable, "valueFrom", "fieldRef", "fieldPath");
        env.put(name, switch (field) {
          case "metadata.name" -> "opamp-gateway-0";
          case "metadata.namespace" -> "gateway-test";
          default -> fail("unexpected downward API field " + field);
        });
      }
    }
    return env;
  }

  private static String podNameField(Map<String, Object> container) {
    for (Object e : list(get(container, "env"))) {
      if ("POD_NAME".equals(map(e).get("name"))) {
        return string(map(e), "valueFrom", "fieldRef", "fieldPath");
      }
    }
    return fail("POD_NAME is not in the container's env");
  }

  /** A port given by number or by name, resolved against the container's ports. */
  private static int containerPort(Map<String, Object> container, Object port) {
    for (Object p : list(get(container, "ports"))) {
      Map<String, Object> declared = map(p);
      if (port.equals(declared.get("name")) || port.equals(declared.get("containerPort"))) {
        return (Integer) declared.get("containerPort");
      }
    }
    return fail("port " + port + " is not a container port");
  }

  private static String volumeOf(Map<String, Map<String, Object>> volumes, String type, String key, String name) {
    return volumes.entrySet().stream()
        .filter(v -> v.getValue().get(type) != null && name.equals(map(v.getValue().get(type)).get(key)))
        .map(Map.Entry::getKey).findFirst()
        .orElseGet(() -> fail("no " + type + " volume for " + name));
  }

  /** Verbs the Role grants, by resource ({@code group/resource}, the core group without prefix). */
  private static Map<String, Set<String>> grantedVerbs(Map<String, Object> role) {
    Map<String, Set<String>> granted = new LinkedHashMap<>();
    for (Object r : list(get(role, "rules"))) {
      Map<String, Object> rule = map(r);
      for (Object group : list(rule.get("apiGroups"))) {
        for (Object resource : list(rule.get("resources"))) {
          String key = String.valueOf(group).isEmpty() ? String.valueOf(resource) : group + "/" + resource;
          list(rule.get("verbs")).forEach(v -> granted.computeIfAbsent(key, k -> new TreeSet<>()).add(String.valueOf(v)));
        }
      }
    }
    return granted;
  }

  private static void assertSelects(Map<String, Object> selector, Map<String, Object> labels, String what) {
    assertFalse(selector.isEmpty(), what + " selects something");
    selector.forEach((k, v) -> assertEquals(v, labels.get(k), what + " selects the gateway pods by " + k));
  }

  private static Map<String, Object> container(Map<String, Object> sts) {
    List<Object> containers = list(get(sts, "spec", "template", "spec", "containers"));
    assertEquals(1, containers.size(), "one container");
    return map(containers.get(0));
  }

  private static long mebibytes(String quantity) {
    Matcher m = Pattern.compile("(\\d+)(Mi|Gi)").matcher(quantity);
    assertTrue(m.matches(), "memory quantity in Mi or Gi: " + quantity);
    return Long.parseLong(m.group(1)) * (m.group(2).equals("Gi") ? 1024 : 1);
  }

  private static long seconds(String timespan) {
    Matcher m = Pattern.compile("(\\d+)(s|min)?").matcher(timespan);
    assertTrue(m.matches(), "a time span in s or min: " + timespan);
    return Long.parseLong(m.group(1)) * ("min".equals(m.group(2)) ? 60 : 1);
  }

  private static List<Map<String, Object>> documents(String file) throws IOException {
    String text = Files.readString(KUBERNETES.resolve(file));
    LoadSettings settings = LoadSettings.builder().setLabel(file).setAllowDuplicateKeys(false).build();
    List<Map<String, Object>> documents = new ArrayList<>();
    for (Object document : new Load(settings).loadAllFromString(text)) {
      if (document != null) {
        documents.add(map(document));
      }
    }
    return documents;
  }

  private static Map<String, Object> only(String file) throws IOException {
    List<Map<String, Object>> documents = documents(file);
    assertEquals(1, documents.size(), file + " holds one document");
    return documents.get(0);
  }

  private static Map<String, Map<String, Object>> byKind(String file) throws IOException {
    Map<String, Map<String, Object>> byKind = new LinkedHashMap<>();
    for (Map<String, Object> d : documents(file)) {
      assertEquals(null, byKind.put(string(d, "kind"), d), file + ": one " + string(d, "kind"));
    }
    return byKind;
  }

  private static Object get(Map<String, Object> root, String... path) {
    Object node = root;
    for (String key : path) {
      if (!(node instanceof Map<?, ?> m)) {
        return null;
      }
      node = m.get(key);
    }
    return node;
  }

  private static String string(Map<String, Object> root, String... path) {
    Object value = get(root, path);
    return value == null ? null : String.valueOf(value);
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> map(Object node) {
    assertTrue(node instanceof Map, "a mapping: " + node);
    return (Map<String, Object>) node;
  }

  @SuppressWarnings("unchecked")
  private static List<Object> list(Object node) {
    assertTrue(node instanceof List, "a list: " + node);
    return (List<Object>) node;
  }

  // ---------------------------------------------------------------- systemd unit reading

  /**
   * A unit file as systemd reads it, simply: {@code [Section]} headers, {@code Key=Value}
   * lines (a key may repeat), {@code #} and {@code ;} comments, and a trailing backslash
   * continuing a line.
   */
  private static Map<String, Map<String, List<String>>> readUnit(Path file) throws IOException {
    Map<String, Map<String, List<String>>> sections = new LinkedHashMap<>();
    Map<String, List<String>> current = null;
    List<String> lines = Files.readAllLines(file);
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i).strip();
      while (line.endsWith("\\") && i + 1 < lines.size()) {
        line = line.substring(0, line.length() - 1) + " " + lines.get(++i).strip();
      }
      if (line.isEmpty() || line.startsWith("#") || line.startsWith(";")) {
        continue;
      }
      int where = i + 1;
      if (line.startsWith("[")) {
        assertTrue(line.endsWith("]"), file + ":" + where + ": section header");
        current = new LinkedHashMap<>();
        assertEquals(null, sections.put(line.substring(1, line.length() - 1), current), "section repeated");
        continue;
      }
      assertNotNull(current, file + ":" + where + ": a setting before any section");
      int eq = line.indexOf('=');
      assertTrue(eq > 0, file + ":" + where + ": not Key=Value: " + line);
      String key = line.substring(0, eq).strip();
      assertTrue(key.matches("[A-Za-z][A-Za-z0-9]*"), file + ":" + where + ": key " + key);
      current.computeIfAbsent(key, k -> new ArrayList<>()).add(line.substring(eq + 1).strip());
    }
    return sections;
  }

  private static String one(Map<String, List<String>> section, String key) {
    List<String> values = section.get(key);
    assertNotNull(values, key + " is set");
    assertEquals(1, values.size(), key + " is set once");
    return values.get(0);
  }
}
