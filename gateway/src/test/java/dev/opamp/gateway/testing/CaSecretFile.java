package dev.opamp.gateway.testing;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;

/**
 * The CA key secret the nodes of a test cluster share ({@code --ca-key-secret-file}), as every
 * real cluster must: the first node seals the generated CA key with it, the others open it.
 */
public final class CaSecretFile {

  public static final String NAME = "ca-key.secret";

  private CaSecretFile() {}

  /** {@code ca-key.secret} in {@code dir}, written with a random secret if it is not there yet. */
  public static Path in(Path dir) throws IOException {
    Path file = dir.resolve(NAME);
    try {
      Files.createDirectories(dir);
      Files.createFile(file);
      Files.writeString(file, UUID.randomUUID() + "-" + UUID.randomUUID() + "\n");
    } catch (FileAlreadyExistsException e) {
      // written by an earlier node of the same cluster
    }
    return file;
  }
}
