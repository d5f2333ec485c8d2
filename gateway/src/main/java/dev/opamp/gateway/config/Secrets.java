package dev.opamp.gateway.config;

import java.util.regex.Pattern;

/** Keeps secrets out of messages and logs. */
public final class Secrets {

  // "password=..." in a query string (PostgreSQL) or ";PASSWORD=..." in H2's settings.
  private static final Pattern PASSWORD_PARAMETER = Pattern.compile("(?i)(password\\s*=)[^;&]*");
  // "//user:secret@host", which some tools write even where the driver ignores it.
  private static final Pattern USER_INFO = Pattern.compile("(//[^/:@;?]*:)[^/@;?]*@");

  private Secrets() {
  }

  /** A JDBC URL fit for a message: any password in it is shown as {@code ***}. */
  public static String redactUrl(String url) {
    if (url == null) {
      return null;
    }
    String masked = PASSWORD_PARAMETER.matcher(url).replaceAll("$1***");
    return USER_INFO.matcher(masked).replaceAll("$1***@");
  }
}
