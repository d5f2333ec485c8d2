package dev.opamp.gateway.remoteconfig;

import com.google.protobuf.ByteString;
import dev.opamp.gateway.fleet.FleetStore;
import dev.opamp.gateway.proto.AgentConfigFile;
import dev.opamp.gateway.proto.AgentConfigMap;
import dev.opamp.gateway.proto.AgentRemoteConfig;
import dev.opamp.gateway.protocol.InstanceUids;
import dev.opamp.gateway.remoteconfig.proto.ConfigFile;
import dev.opamp.gateway.remoteconfig.proto.ConfigVersion;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns a config version into what one agent receives: {@code ${agent.<attribute>}} replaced by
 * the agent's attribute ({@code ${agent.instance_uid}} by its uid), and the hash of the result.
 */
final class ConfigRendering {

  static final Pattern VARIABLE = Pattern.compile("\\$\\{agent\\.([A-Za-z0-9_.\\-/]+)}");
  static final String UID_VARIABLE = "instance_uid";

  private ConfigRendering() {}

  /** An agent lacks an attribute the config uses. */
  static final class MissingAttributeException extends Exception {
    MissingAttributeException(String message) {
      super(message, null, false, false);
    }
  }

  static boolean hasVariables(Map<String, ConfigFile> files) {
    return files.values().stream().anyMatch(f -> VARIABLE.matcher(f.getBody()).find());
  }

  static AgentRemoteConfig render(ConfigVersion version, Map<String, String> attributes, ByteString uid)
      throws MissingAttributeException {
    AgentConfigMap.Builder map = AgentConfigMap.newBuilder();
    // Sorted, so the same files always hash the same.
    for (Map.Entry<String, ConfigFile> e : new TreeMap<>(version.getFilesMap()).entrySet()) {
      String body = version.getHasVariables()
          ? substitute(e.getKey(), e.getValue().getBody(), attributes, uid)
          : e.getValue().getBody();
      map.putConfigMap(e.getKey(), AgentConfigFile.newBuilder()
          .setBody(ByteString.copyFromUtf8(body))
          .setContentType(e.getValue().getContentType())
          .build());
    }
    AgentConfigMap files = map.build();
    return AgentRemoteConfig.newBuilder()
        .setConfig(files)
        .setConfigHash(ByteString.copyFrom(FleetStore.sha256(canonicalBytes(files))))
        .build();
  }

  /** The hash of a version's files as written (before variables). */
  static ByteString hashOf(Map<String, ConfigFile> files) {
    StringBuilder text = new StringBuilder();
    for (Map.Entry<String, ConfigFile> e : new TreeMap<>(files).entrySet()) {
      text.append(e.getKey()).append('\0').append(e.getValue().getContentType()).append('\0')
          .append(e.getValue().getBody()).append('\0');
    }
    return ByteString.copyFrom(FleetStore.sha256(text.toString().getBytes(StandardCharsets.UTF_8)));
  }

  private static byte[] canonicalBytes(AgentConfigMap files) {
    StringBuilder text = new StringBuilder();
    for (Map.Entry<String, AgentConfigFile> e : new TreeMap<>(files.getConfigMapMap()).entrySet()) {
      text.append(e.getKey()).append('\0').append(e.getValue().getContentType()).append('\0')
          .append(e.getValue().getBody().toStringUtf8()).append('\0');
    }
    return text.toString().getBytes(StandardCharsets.UTF_8);
  }

  private static String substitute(String file, String body, Map<String, String> attributes, ByteString uid)
      throws MissingAttributeException {
    Matcher m = VARIABLE.matcher(body);
    StringBuilder out = new StringBuilder(body.length() + 32);
    while (m.find()) {
      String name = m.group(1);
      String value = UID_VARIABLE.equals(name) ? InstanceUids.uuidText(uid) : attributes.get(name);
      if (value == null) {
        throw new MissingAttributeException(file + " uses ${agent." + name + "} but the agent has no attribute " + name);
      }
      m.appendReplacement(out, Matcher.quoteReplacement(value));
    }
    m.appendTail(out);
    return out.toString();
  }
}
