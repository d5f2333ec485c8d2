package dev.opamp.gateway.credentials;

import dev.opamp.gateway.config.SettingsException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.logging.Logger;

/**
 * The secret that seals the CA key in the cluster map: read from {@code --ca-key-secret-file},
 * or generated (owner-only) under the data dir when the cluster has no CA yet. Its content is
 * never logged; only where it is.
 */
final class CaSecret {

  private static final Logger LOG = Logger.getLogger(CaSecret.class.getName());
  static final String FLAG = "--ca-key-secret-file";
  private static final int MIN_LENGTH = 16;

  private CaSecret() {}

  /**
   * The secret in {@code file}; when it does not exist and {@code mayGenerate}, a new random one
   * written there first, otherwise an error that ends with {@code hintIfMissing}.
   */
  static char[] load(Path file, boolean mayGenerate, String hintIfMissing) {
    try {
      return read(file);
    } catch (NoSuchFileException e) {
      if (!mayGenerate) {
        throw new SettingsException(FLAG + ": cannot read " + file + " (no such file)" + hintIfMissing);
      }
    } catch (IOException e) {
      throw SettingsException.unreadable(FLAG, file, e);
    }
    return generate(file);
  }

  private static char[] read(Path file) throws IOException {
    String text = Files.readString(file, StandardCharsets.UTF_8).replaceFirst("[\\r\\n]+$", "");
    if (text.length() < MIN_LENGTH) {
      throw new SettingsException(FLAG + ": the secret in " + file + " is too short (at least " + MIN_LENGTH
          + " characters)");
    }
    return text.toCharArray();
  }

  private static char[] generate(Path file) {
    byte[] random = new byte[32];
    new SecureRandom().nextBytes(random);
    String secret = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
    try {
      if (file.toAbsolutePath().getParent() != null) {
        Files.createDirectories(file.toAbsolutePath().getParent());
      }
      try {
        Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      } catch (UnsupportedOperationException e) {
        Files.createFile(file); // not a POSIX file system: the directory's protection applies
      }
      Files.writeString(file, secret + "\n", StandardCharsets.UTF_8);
    } catch (FileAlreadyExistsException e) {
      return load(file, false, ""); // another node on this data dir wrote it first
    } catch (IOException e) {
      throw new SettingsException(FLAG + ": cannot write a new CA key secret to " + file + " ("
          + SettingsException.reasonOf(e) + ")", e);
    }
    LOG.warning("generated the CA key secret in " + file.toAbsolutePath() + " (owner-only); every node of this"
        + " cluster must be started with the same secret: copy the file to them and pass " + FLAG);
    return secret.toCharArray();
  }
}
