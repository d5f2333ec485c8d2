package dev.opamp.gateway.remoteconfig;

import dev.opamp.gateway.remoteconfig.proto.ConfigFile;
import java.util.Locale;
import java.util.Map;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;

/** Checks that every YAML file of a config parses before a version is saved. */
public final class YamlCheck {

  private YamlCheck() {}

  /** YAML by its name ({@code .yaml}, {@code .yml}) or by its content type. */
  public static boolean isYaml(String fileName, String contentType) {
    String name = fileName.toLowerCase(Locale.ROOT);
    return name.endsWith(".yaml") || name.endsWith(".yml")
        || contentType.toLowerCase(Locale.ROOT).contains("yaml");
  }

  /** Throws IllegalArgumentException naming the file, line and column of the first YAML error. */
  public static void check(Map<String, ConfigFile> files) {
    for (Map.Entry<String, ConfigFile> e : files.entrySet()) {
      if (!isYaml(e.getKey(), e.getValue().getContentType())) {
        continue;
      }
      try {
        new Load(LoadSettings.builder().setAllowDuplicateKeys(false).build())
            .loadAllFromString(e.getValue().getBody()).forEach(doc -> { });
      } catch (MarkedYamlEngineException ex) {
        var mark = ex.getProblemMark().orElse(null);
        throw new IllegalArgumentException(e.getKey() + " is not valid YAML"
            + (mark == null ? "" : " (line " + (mark.getLine() + 1) + ", column " + (mark.getColumn() + 1) + ")")
            + ": " + ex.getProblem());
      } catch (YamlEngineException ex) {
        throw new IllegalArgumentException(e.getKey() + " is not valid YAML: " + ex.getMessage());
      }
    }
  }
}
