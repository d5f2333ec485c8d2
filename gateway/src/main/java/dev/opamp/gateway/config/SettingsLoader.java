package dev.opamp.gateway.config;

import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParseResult;

/**
 * Builds {@link GatewaySettings} from four layers, each overriding the one before: built-in
 * defaults, the YAML settings file named by {@code --config}, environment variables
 * {@code OPAMP_GATEWAY_<FLAG>}, and command-line flags.
 *
 * <p>Typical use in {@code main}:
 * <pre>{@code
 * SettingsLoader.Result result = SettingsLoader.load(args, System.getenv());
 * if (result.helpRequested()) { System.out.print(result.usage()); return; }
 * GatewaySettings settings = result.settings();
 * }</pre>
 * Any bad setting throws a {@link SettingsException} with a one-line message.
 */
public final class SettingsLoader {

  private static final String CONFIG_FLAG = "--config";
  private static final String CONFIG_ENV = Setting.ENV_PREFIX + "CONFIG";

  private SettingsLoader() {
  }

  /**
   * What the command line asked for: settings to run with, or the {@code --help} text.
   * Exactly one of {@code settings} and {@code usage} is non-null.
   */
  public record Result(GatewaySettings settings, String usage) {

    public Result {
      if ((settings == null) == (usage == null)) {
        throw new IllegalArgumentException("exactly one of settings and usage must be given");
      }
    }

    /** True when {@code --help} was given: print {@link #usage()} and exit 0. */
    public boolean helpRequested() {
      return usage != null;
    }
  }

  /**
   * @param args the command-line arguments
   * @param env the environment; pass {@code System.getenv()}, or a map in tests
   * @throws SettingsException naming the first bad setting
   */
  public static Result load(String[] args, Map<String, String> env) {
    Objects.requireNonNull(env, "env");
    CommandLine commandLine = commandLine();
    ParseResult flags = parseFlags(commandLine, args);
    if (flags.isUsageHelpRequested()) {
      return new Result(null, usage(commandLine));
    }
    Map<Setting, SettingValue> values = new EnumMap<>(Setting.class);
    SettingValue configFile = configFile(flags, env);
    if (configFile != null) {
      values.putAll(SettingsFile.read(configFile.path(), configFile.source()));
    }
    values.putAll(fromEnvironment(env));
    values.putAll(fromFlags(flags));
    GatewaySettings.Builder builder = GatewaySettings.builder();
    values.forEach((setting, value) -> setting.applyTo(builder, value));
    return new Result(builder.build(), null);
  }

  /** The {@code --help} text: every flag with its default and a one-line description. */
  public static String usage() {
    return usage(commandLine());
  }

  private static String usage(CommandLine commandLine) {
    return commandLine.getUsageMessage(CommandLine.Help.Ansi.OFF);
  }

  private static CommandLine commandLine() {
    CommandSpec spec = CommandSpec.create().name("opamp-gateway");
    spec.usageMessage()
        .customSynopsis("java -jar opamp-gateway.jar [FLAGS]")
        .description("Runs one node of the OpAMP gateway.", "")
        .sortOptions(false)
        .width(100)
        .longOptionsMaxWidth(32)
        .footer("",
            "Every flag can also be set by an environment variable, OPAMP_GATEWAY_ and the flag",
            "in capitals with underscores (OPAMP_GATEWAY_OPAMP_PORT=4320), or by a key in the",
            "--config file, the flag without dashes (opamp-port: 4320). Flags win over the",
            "environment, which wins over the file.",
            "Durations: 500ms, 30s, 5m, 1h, 7d. Sizes: bytes, or with KiB, MiB, GiB (64MiB).");
    spec.addOption(OptionSpec.builder("-h", "--help").usageHelp(true)
        .description("Print this help and exit").build());
    spec.addOption(OptionSpec.builder(CONFIG_FLAG).paramLabel("FILE").type(String.class)
        .description("YAML settings file, keys named like the flags", "Default: none").build());
    GatewaySettings defaults = GatewaySettings.defaults();
    for (Setting setting : Setting.values()) {
      spec.addOption(OptionSpec.builder(setting.flag()).paramLabel(setting.paramLabel()).type(String.class)
          .description(setting.help(defaults)).build());
    }
    CommandLine commandLine = new CommandLine(spec);
    commandLine.setExpandAtFiles(false); // "@file" arguments would be a second, undocumented settings file
    return commandLine;
  }

  private static ParseResult parseFlags(CommandLine commandLine, String[] args) {
    try {
      return commandLine.parseArgs(args);
    } catch (CommandLine.UnmatchedArgumentException e) {
      String unmatched = e.getUnmatched().isEmpty() ? "" : e.getUnmatched().get(0);
      if (unmatched.startsWith("-")) {
        throw new SettingsException(unmatched.split("=", 2)[0] + ": unknown flag (see --help)", e);
      }
      throw new SettingsException("\"" + unmatched + "\": unexpected argument; settings are flags (see --help)", e);
    } catch (CommandLine.MissingParameterException e) {
      throw new SettingsException(nameOf(e.getMissing().get(0)) + ": needs a value", e);
    } catch (CommandLine.OverwrittenOptionException e) {
      throw new SettingsException(nameOf(e.getOverwritten()) + ": given more than once", e);
    } catch (CommandLine.ParameterException e) {
      throw new SettingsException(SettingsException.reasonOf(e), e);
    }
  }

  private static String nameOf(CommandLine.Model.ArgSpec arg) {
    return arg instanceof OptionSpec option ? option.longestName() : arg.paramLabel();
  }

  private static SettingValue configFile(ParseResult flags, Map<String, String> env) {
    String flag = flags.matchedOptionValue(CONFIG_FLAG, null);
    if (flag != null) {
      return new SettingValue(flag, CONFIG_FLAG);
    }
    String variable = env.get(CONFIG_ENV);
    return variable == null || variable.isBlank() ? null : new SettingValue(variable, CONFIG_ENV);
  }

  private static Map<Setting, SettingValue> fromEnvironment(Map<String, String> env) {
    Map<Setting, SettingValue> values = new EnumMap<>(Setting.class);
    for (Setting setting : Setting.values()) {
      String value = env.get(setting.envVariable());
      // An empty variable counts as unset: templating tools often leave optional ones empty.
      if (value != null && !value.isBlank()) {
        values.put(setting, new SettingValue(value, setting.envVariable()));
      }
    }
    return values;
  }

  private static Map<Setting, SettingValue> fromFlags(ParseResult flags) {
    Map<Setting, SettingValue> values = new EnumMap<>(Setting.class);
    for (Setting setting : Setting.values()) {
      String value = flags.matchedOptionValue(setting.flag(), null);
      if (value != null) {
        values.put(setting, new SettingValue(value, setting.flag()));
      }
    }
    return values;
  }
}
