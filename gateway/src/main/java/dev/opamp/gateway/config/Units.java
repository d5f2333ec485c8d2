package dev.opamp.gateway.config;

import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads and writes the two units settings are given in: durations such as {@code 30s} and
 * byte sizes such as {@code 64MiB}. Parse failures throw {@link IllegalArgumentException}
 * with the reason only; the caller adds which setting it was.
 */
final class Units {

  static final String DURATION_FORMAT = "a whole number with a unit: ms, s, m, h or d, e.g. 30s";
  static final String SIZE_FORMAT = "a whole number of bytes, or with KiB, MiB or GiB, e.g. 64MiB";

  private static final Pattern NUMBER_AND_UNIT = Pattern.compile("(-?\\d+)\\s*([A-Za-z]*)");

  private static final Map<String, ChronoUnit> TIME_UNITS = Map.of(
      "ms", ChronoUnit.MILLIS, "s", ChronoUnit.SECONDS, "m", ChronoUnit.MINUTES, "h", ChronoUnit.HOURS,
      "d", ChronoUnit.DAYS);

  // Binary units only: "MB" is left out on purpose, it means 10^6 to some and 2^20 to others.
  private static final Map<String, Long> SIZE_UNITS = Map.of(
      "", 1L, "b", 1L, "kib", 1L << 10, "mib", 1L << 20, "gib", 1L << 30);

  private Units() {
  }

  /** {@code 500ms}, {@code 30s}, {@code 5m}, {@code 1h}, {@code 7d}; a bare number has no unit and is refused. */
  static Duration parseDuration(String text) {
    Matcher m = NUMBER_AND_UNIT.matcher(text.strip());
    ChronoUnit unit = m.matches() ? TIME_UNITS.get(m.group(2)) : null;
    if (unit == null) {
      throw new IllegalArgumentException("is not a duration (" + DURATION_FORMAT + ")");
    }
    long amount = parseLong(m.group(1));
    try {
      Duration duration = Duration.of(amount, unit);
      duration.toMillis(); // timers take milliseconds, so those must fit a long
      return duration;
    } catch (ArithmeticException e) {
      throw new IllegalArgumentException("is too long a duration");
    }
  }

  /** A plain number of bytes, or a number with B, KiB, MiB or GiB (any letter case). */
  static long parseBytes(String text) {
    Matcher m = NUMBER_AND_UNIT.matcher(text.strip());
    Long multiplier = m.matches() ? SIZE_UNITS.get(m.group(2).toLowerCase(Locale.ROOT)) : null;
    if (multiplier == null) {
      throw new IllegalArgumentException("is not a size (" + SIZE_FORMAT + ")");
    }
    try {
      return Math.multiplyExact(parseLong(m.group(1)), multiplier);
    } catch (ArithmeticException e) {
      throw new IllegalArgumentException("is too large a size");
    }
  }

  /** The shortest exact spelling: {@code 90s}, {@code 5m}, {@code 1500ms}. */
  static String formatDuration(Duration duration) {
    long millis = duration.toMillis();
    if (millis % 86_400_000 == 0 && millis != 0) {
      return millis / 86_400_000 + "d";
    }
    if (millis % 3_600_000 == 0 && millis != 0) {
      return millis / 3_600_000 + "h";
    }
    if (millis % 60_000 == 0 && millis != 0) {
      return millis / 60_000 + "m";
    }
    return millis % 1000 == 0 ? millis / 1000 + "s" : millis + "ms";
  }

  /** The largest binary unit that divides the size exactly: {@code 64MiB}, {@code 1000}. */
  static String formatBytes(long bytes) {
    String[] units = {"GiB", "MiB", "KiB"};
    for (int i = 0; i < units.length; i++) {
      long unit = 1L << (10 * (units.length - i));
      if (bytes != 0 && bytes % unit == 0) {
        return bytes / unit + units[i];
      }
    }
    return Long.toString(bytes);
  }

  private static long parseLong(String digits) {
    try {
      return Long.parseLong(digits);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("is too large a number");
    }
  }
}
