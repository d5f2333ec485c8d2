package dev.opamp.gateway.cluster;

import com.hazelcast.config.ClasspathYamlConfig;
import com.hazelcast.config.Config;
import com.hazelcast.config.SerializerConfig;
import com.hazelcast.map.MapStoreFactory;
import dev.opamp.gateway.fleet.AgentRecordSerializer;
import dev.opamp.gateway.fleet.FleetProcessors;
import dev.opamp.gateway.fleet.proto.AgentRecord;
import com.hazelcast.spi.properties.ClusterProperty;
import com.hazelcast.internal.config.SchemaViolationConfigurationException;
import dev.opamp.gateway.config.GatewaySettings;
import dev.opamp.gateway.config.SettingsException;
import dev.opamp.gateway.store.DesiredStateMaps;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The Hazelcast member config for one gateway node: the user's file given with
 * {@code --hazelcast-config}, or the built-in standalone one, plus what the gateway always
 * decides itself (instance name, the {@code node} attribute, no shutdown hook, and the
 * write-through map-store of the {@code desired-*} maps; see {@link DesiredStateMaps}).
 */
final class MemberConfig {

  static final String LABEL = "--hazelcast-config";
  static final String BUILT_IN_RESOURCE = "hazelcast-standalone.yaml";
  static final String INSTANCE_NAME_PREFIX = "opamp-gateway-";

  private MemberConfig() {
  }

  /** The member config with the {@code desired-*} maps written through to {@code desiredState}. */
  static Config forNode(GatewaySettings settings, MapStoreFactory<String, byte[]> desiredState) {
    Config config = forNode(settings);
    DesiredStateMaps.configure(config, desiredState);
    return config;
  }

  /** The member config without the desired-state map-store. */
  static Config forNode(GatewaySettings settings) {
    Path file = settings.hazelcastConfig();
    Config config = file == null ? builtIn() : fromFile(file);
    config.setInstanceName(INSTANCE_NAME_PREFIX + settings.nodeName());
    // Agent records travel and rest as their protobuf bytes.
    config.getSerializationConfig().addSerializerConfig(new SerializerConfig()
        .setTypeClass(AgentRecord.class)
        .setImplementation(new AgentRecordSerializer()));
    config.getSerializationConfig().addDataSerializableFactory(FleetProcessors.FACTORY_ID, new FleetProcessors());
    config.getMemberAttributeConfig().setAttribute(ClusterNode.NODE_ATTRIBUTE, settings.nodeName());
    defaultProperty(config, ClusterProperty.LOGGING_TYPE.getName(), "jdk");
    defaultProperty(config, ClusterProperty.PHONE_HOME_ENABLED.getName(), "false");
    // The gateway stops its member itself, after its sessions; a JVM hook would race that.
    config.setProperty(ClusterProperty.SHUTDOWNHOOK_ENABLED.getName(), "false");
    return config;
  }

  /** Where the member's config came from, for messages. */
  static String origin(GatewaySettings settings) {
    Path file = settings.hazelcastConfig();
    return file == null ? "the built-in standalone config" : file.toString();
  }

  static Config builtIn() {
    return new ClasspathYamlConfig(MemberConfig.class.getClassLoader(), BUILT_IN_RESOURCE);
  }

  /** Loads an XML or YAML member config, chosen by the file's extension. */
  static Config fromFile(Path file) {
    String name = String.valueOf(file.getFileName()).toLowerCase(Locale.ROOT);
    if (!(name.endsWith(".xml") || name.endsWith(".yaml") || name.endsWith(".yml"))) {
      throw new SettingsException(LABEL + ": " + file + " must be a .xml, .yaml or .yml file");
    }
    if (Files.isDirectory(file)) {
      throw new SettingsException(LABEL + ": " + file + " is a directory, not a file");
    }
    try {
      Files.newInputStream(file).close(); // to report "no such file" or "permission denied" plainly
      return Config.loadFromFile(file.toFile());
    } catch (IOException e) {
      throw SettingsException.unreadable(LABEL, file, e);
    } catch (RuntimeException e) {
      throw new SettingsException(LABEL + ": " + file + " is not a valid Hazelcast member config ("
          + problemsIn(e) + ")", e);
    }
  }

  /**
   * A YAML schema failure's message only counts its violations ("2 schema violations found");
   * the violations themselves, each with its place in the file, are what the user needs.
   */
  private static String problemsIn(RuntimeException e) {
    if (!(e instanceof SchemaViolationConfigurationException violation)) {
      return SettingsException.reasonOf(e);
    }
    List<String> problems = new ArrayList<>();
    collectViolations(violation, problems);
    return String.join("; ", problems);
  }

  private static void collectViolations(SchemaViolationConfigurationException violation, List<String> problems) {
    if (violation.getErrors().isEmpty()) {
      problems.add(violation.getMessage() + " at " + violation.getInstanceLocation());
    }
    violation.getErrors().forEach(nested -> collectViolations(nested, problems));
  }

  /** Sets a property the user's config and system properties leave unset, so theirs wins. */
  private static void defaultProperty(Config config, String name, String value) {
    if (config.getProperty(name) == null && System.getProperty(name) == null) {
      config.setProperty(name, value);
    }
  }
}
