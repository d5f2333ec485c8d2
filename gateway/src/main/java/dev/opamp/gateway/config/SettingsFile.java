package dev.opamp.gateway.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;

/**
 * The YAML settings file given with {@code --config}: a flat mapping whose keys are the flag
 * names without the dashes, e.g. {@code opamp-port: 4320}. Unknown keys are refused, so a
 * misspelt setting is not silently ignored.
 */
final class SettingsFile {

  private SettingsFile() {
  }

  /**
   * @param file the settings file
   * @param label how the user named it ({@code --config} or its environment variable)
   */
  static Map<Setting, SettingValue> read(Path file, String label) {
    String text;
    try {
      text = Files.readString(file);
    } catch (IOException e) {
      throw SettingsException.unreadable(label, file, e);
    }
    Object document = parse(text, file, label);
    Map<Setting, SettingValue> values = new EnumMap<>(Setting.class);
    if (document == null) {
      return values; // an empty file sets nothing
    }
    if (!(document instanceof Map<?, ?> entries)) {
      throw new SettingsException(label + ": " + file
          + " must be a mapping of setting names to values, such as \"opamp-port: 4320\"");
    }
    for (Map.Entry<?, ?> entry : entries.entrySet()) {
      String key = String.valueOf(entry.getKey());
      String source = key + " in " + file;
      Setting setting = Setting.forKey(key).orElseThrow(() -> new SettingsException(source
          + ": unknown setting (keys are the flag names without \"--\"; see --help)"));
      values.put(setting, new SettingValue(scalar(entry.getValue(), source), source));
    }
    return values;
  }

  private static Object parse(String text, Path file, String label) {
    LoadSettings settings = LoadSettings.builder()
        .setLabel(file.toString())
        .setAllowDuplicateKeys(false) // a repeated key is a mistake, not an override
        .build();
    try {
      return new Load(settings).loadFromString(text);
    } catch (MarkedYamlEngineException e) {
      String where = e.getProblemMark()
          .map(m -> "line " + (m.getLine() + 1) + ", column " + (m.getColumn() + 1) + ": ")
          .orElse("");
      throw new SettingsException(label + ": " + file + " is not valid YAML (" + where + e.getProblem() + ")", e);
    } catch (YamlEngineException e) {
      throw new SettingsException(label + ": " + file + " is not valid YAML ("
          + SettingsException.reasonOf(e) + ")", e);
    }
  }

  private static String scalar(Object value, String source) {
    if (value == null) {
      throw new SettingsException(source + ": has no value (remove the line to keep the default)");
    }
    if (value instanceof Map || value instanceof List) {
      throw new SettingsException(source + ": needs a single value, not a list or mapping");
    }
    return String.valueOf(value);
  }
}
