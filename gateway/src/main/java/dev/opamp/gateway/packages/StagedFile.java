package dev.opamp.gateway.packages;

import com.google.protobuf.ByteString;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * A package file being written: bytes go to a temp file while their SHA-256 is computed, and
 * only {@link PackageFiles#commit} moves a complete, verified file into the store. Blocking:
 * every method runs on a worker thread, one call at a time.
 */
public final class StagedFile implements AutoCloseable {

  /** The file grew past the upload limit. */
  public static final class TooLargeException extends IOException {
    TooLargeException(long limit) {
      super("the file is larger than the upload limit of " + limit + " bytes (--package-max-upload-bytes)");
    }
  }

  /** The disk the store is on has no room left. */
  public static final class DiskFullException extends IOException {
    DiskFullException(Path dir, IOException cause) {
      super("no space left for package files under " + dir, cause);
    }
  }

  private final Path temp;
  private final long limit;
  private final FileChannel channel;
  private final MessageDigest digest;
  private long size;
  private boolean open = true;

  StagedFile(Path temp, long limit) throws IOException {
    this.temp = temp;
    this.limit = limit;
    this.channel = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
    try {
      this.digest = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }

  /** Appends bytes, hashing them; past the limit the file is dropped. */
  public void write(byte[] bytes) throws IOException {
    if (size + bytes.length > limit) {
      close();
      throw new TooLargeException(limit);
    }
    digest.update(bytes);
    ByteBuffer buffer = ByteBuffer.wrap(bytes);
    try {
      while (buffer.hasRemaining()) {
        channel.write(buffer);
      }
    } catch (IOException e) {
      close();
      throw diskFull(e) ? new DiskFullException(temp.getParent(), e) : e;
    }
    size += bytes.length;
  }

  public long size() {
    return size;
  }

  Path temp() {
    return temp;
  }

  /** Flushes to disk and answers the SHA-256 of everything written. */
  ByteString finish() throws IOException {
    try {
      channel.force(true); // a file named by its hash is complete, even after a crash
    } catch (IOException e) {
      close();
      throw diskFull(e) ? new DiskFullException(temp.getParent(), e) : e;
    }
    channel.close();
    open = false;
    return ByteString.copyFrom(digest.digest());
  }

  /** Drops the temp file (nothing half-written stays behind). */
  @Override
  public void close() {
    try {
      if (open) {
        open = false;
        channel.close();
      }
      Files.deleteIfExists(temp);
    } catch (IOException ignored) {
      // the temp directory is swept at the next start
    }
  }

  private boolean diskFull(IOException e) {
    String message = String.valueOf(e.getMessage()).toLowerCase(java.util.Locale.ROOT);
    if (message.contains("no space") || message.contains("disk full") || message.contains("quota")) {
      return true;
    }
    try {
      return Files.getFileStore(temp.getParent()).getUsableSpace() < 1 << 20;
    } catch (IOException unknown) {
      return false;
    }
  }
}
