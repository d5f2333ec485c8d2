package dev.opamp.gateway.config;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * A setting that stops the gateway from starting: an invalid value, an unreadable file, an
 * unknown flag. The message is always one line that names the setting (its flag, environment
 * variable or settings-file key), so {@code Main} can print it as is and exit non-zero.
 */
public final class SettingsException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  /** Long third-party messages (a Hazelcast schema report, say) are cut to stay readable. */
  private static final int MAX_LENGTH = 400;

  public SettingsException(String message) {
    super(oneLine(message));
  }

  public SettingsException(String message, Throwable cause) {
    super(oneLine(message), cause);
  }

  /** {@code <label>: cannot read <file> (<why>)}, for any file a setting names. */
  public static SettingsException unreadable(String label, Path file, IOException cause) {
    String why;
    if (cause instanceof NoSuchFileException) {
      why = "no such file";
    } else if (cause instanceof AccessDeniedException) {
      why = "permission denied";
    } else {
      why = reasonOf(cause);
    }
    return new SettingsException(label + ": cannot read " + file + " (" + why + ")", cause);
  }

  /**
   * A throwable's message squeezed onto one line, for quoting a library's reason inside
   * a setting's message; the class name stands in when there is no message.
   */
  public static String reasonOf(Throwable error) {
    String message = error.getMessage();
    return message == null || message.isBlank() ? error.getClass().getSimpleName() : oneLine(message);
  }

  private static String oneLine(String text) {
    String line = text.strip().replaceAll("\\s*\\R\\s*", " ").replaceAll("\\s{2,}", " ");
    return line.length() <= MAX_LENGTH ? line : line.substring(0, MAX_LENGTH - 1) + "…";
  }
}
