package dev.opamp.gateway.config;

import dev.opamp.gateway.tls.ClientAuthentication;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Supplier;

/**
 * One setting's text as the user supplied it, and where: {@code source} is the flag
 * ({@code --opamp-port}), the environment variable, or the key and settings file. Turning the
 * text into a typed value checks it, and every complaint starts with that source.
 */
record SettingValue(String text, String source) {

  String host() {
    return SettingRules.host(text.strip(), source);
  }

  int port() {
    try {
      return SettingRules.port(Integer.parseInt(text.strip()), source);
    } catch (NumberFormatException e) {
      throw invalid(SettingRules.notAPort());
    }
  }

  String nodeName() {
    return SettingRules.nodeName(text.strip(), source);
  }

  Path path() {
    if (text.isBlank()) {
      throw new SettingsException(source + ": needs a file or directory path");
    }
    try {
      return Path.of(text.strip());
    } catch (InvalidPathException e) {
      throw invalid("is not a valid path (" + e.getReason() + ")");
    }
  }

  Duration duration() {
    return SettingRules.positiveDuration(parse(() -> Units.parseDuration(text)), source);
  }

  long bytes() {
    return SettingRules.positiveBytes(parse(() -> Units.parseBytes(text)), source);
  }

  int intBytes() {
    long bytes = bytes();
    if (bytes > Integer.MAX_VALUE) {
      throw invalid("is too large (at most " + Integer.MAX_VALUE + " bytes)");
    }
    return (int) bytes;
  }

  /** A plain number of seconds, or a duration that is a whole number of seconds. */
  long seconds() {
    String plain = text.strip();
    Duration duration = plain.chars().allMatch(Character::isDigit) && !plain.isEmpty()
        ? parse(() -> Units.parseDuration(plain + "s"))
        : duration();
    if (duration.toMillis() % 1000 != 0) {
      throw invalid("is not a whole number of seconds");
    }
    return SettingRules.positiveSeconds(duration.getSeconds(), source);
  }

  /** A whole number above zero. */
  int count() {
    try {
      return SettingRules.positiveCount(Integer.parseInt(text.strip()), source);
    } catch (NumberFormatException e) {
      throw invalid("is not a whole number above zero");
    }
  }

  String baseUrl() {
    return SettingRules.baseUrl(text.strip(), source);
  }

  /** The trimmed contents of the file this value names; the token itself never appears in a message. */
  String tokenFromFile() {
    Path file = path();
    String token;
    try {
      token = Files.readString(file).strip();
    } catch (CharacterCodingException e) {
      throw new SettingsException(source + ": " + file + " is not UTF-8 text", e);
    } catch (IOException e) {
      throw SettingsException.unreadable(source, file, e);
    }
    return SettingRules.token(token, source);
  }

  ClientAuthentication clientAuthentication() {
    ClientAuthentication mode = ClientAuthentication.parse(text);
    if (mode == null) {
      throw invalid("is not none, optional or required");
    }
    return mode;
  }

  String storeUrl() {
    return SettingRules.storeUrl(text.strip(), source);
  }

  String storeUser() {
    return SettingRules.storeUser(text.strip(), source);
  }

  /**
   * The contents of the file this value names, less the line break(s) at its end, so that
   * {@code echo secret > file} works while spaces inside or around a password are kept.
   * The secret itself never appears in a message.
   */
  String secretFromFile() {
    Path file = path();
    String secret;
    try {
      secret = Files.readString(file);
    } catch (CharacterCodingException e) {
      throw new SettingsException(source + ": " + file + " is not UTF-8 text", e);
    } catch (IOException e) {
      throw SettingsException.unreadable(source, file, e);
    }
    return SettingRules.password(secret.replaceFirst("[\\r\\n]+$", ""), source);
  }

  String csrPolicy() {
    return SettingRules.csrPolicy(text.strip(), source);
  }

  String selector() {
    return SettingRules.selector(text.strip(), source);
  }

  /** A share of a whole, strictly between 0 and 1, e.g. {@code 0.66}. */
  double share() {
    try {
      return SettingRules.share(Double.parseDouble(text.strip()), source);
    } catch (NumberFormatException e) {
      throw invalid("is not a number between 0 and 1");
    }
  }

  String url() {
    return SettingRules.url(text.strip(), source);
  }

  private <T> T parse(Supplier<T> parser) {
    try {
      return parser.get();
    } catch (IllegalArgumentException e) {
      throw invalid(e.getMessage());
    }
  }

  private SettingsException invalid(String problem) {
    return new SettingsException(source + ": \"" + text + "\" " + problem);
  }
}
