package dev.opamp.gateway.packages;

import com.google.protobuf.ByteString;
import com.hazelcast.cluster.Member;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.IExecutorService;
import dev.opamp.gateway.fleet.Hex;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.regex.Pattern;

/**
 * This node's package files, stored once each under {@code <data-dir>/packages/files/<sha256>}.
 *
 * <p>Uploads are written to {@code packages/tmp} first and moved into the store (an atomic rename
 * within one directory tree) only once complete and hashed, so a file named by a hash is always
 * that whole file: nothing half-written is ever served or offered.
 *
 * <p>Every node of a cluster serves every stored file. A node that lacks one pulls it from a
 * member that has it, through the cluster itself: it asks every member whether it holds the hash
 * ({@link PeerFileTasks.Holds}), then reads it from one of them in 1 MiB chunks
 * ({@link PeerFileTasks.ReadChunk}) into a staged file, and keeps it only if its SHA-256 is the one
 * asked for. Members trust each other already (the cluster is their authentication), no second
 * network path or address is needed, memory stays bounded by one chunk per pull, and concurrent
 * requests for the same hash share one pull. Files are pulled when a version is published (every
 * node follows the catalog) and again on demand when a download finds the file missing.
 */
public final class PackageFiles {

  static final String CONTEXT_KEY = "opamp-gateway.package-files";
  static final String EXECUTOR = "opamp-package-files";
  static final int CHUNK = 1 << 20;
  private static final Pattern HEX = Pattern.compile("[0-9a-f]{64}");
  private static final Logger LOG = Logger.getLogger(PackageFiles.class.getName());

  /** The file's bytes do not hash to what was claimed for them. */
  public static final class HashMismatchException extends IOException {
    HashMismatchException(ByteString actual, ByteString expected) {
      super("the file's SHA-256 is " + Hex.hex(actual) + ", not " + Hex.hex(expected));
    }
  }

  private final Vertx vertx;
  private final HazelcastInstance hazelcast;
  private final Path files;
  private final Path temp;
  private final Map<String, Future<Path>> pulls = new ConcurrentHashMap<>();

  public PackageFiles(Vertx vertx, HazelcastInstance hazelcast, Path dataDir) {
    this.vertx = vertx;
    this.hazelcast = hazelcast;
    Path root = dataDir.resolve("packages");
    this.files = root.resolve("files");
    this.temp = root.resolve("tmp");
  }

  /** Creates the directories, sweeps temp files a previous run left, and answers pulls from peers. */
  public Future<Void> start() {
    return vertx.executeBlocking(() -> {
      Files.createDirectories(files);
      Files.createDirectories(temp);
      try (var left = Files.list(temp)) {
        for (Path p : (Iterable<Path>) left::iterator) {
          Files.deleteIfExists(p);
        }
      }
      hazelcast.getUserContext().put(CONTEXT_KEY, this);
      return null;
    }, false);
  }

  static boolean isHash(String hex) {
    return hex != null && HEX.matcher(hex).matches();
  }

  /** Where the file with this SHA-256 (64 lowercase hex digits) is, or would be, stored. */
  public Path path(String hex) {
    if (!isHash(hex)) {
      throw new IllegalArgumentException("not a SHA-256: " + hex);
    }
    return files.resolve(hex);
  }

  /** Blocking: whether this node holds the file. */
  boolean hasNow(String hex) {
    return isHash(hex) && Files.isRegularFile(files.resolve(hex));
  }

  /** Blocking: a new staged file under the store's temp directory. */
  public StagedFile stage(long limit) throws IOException {
    return new StagedFile(temp.resolve(UUID.randomUUID() + ".part"), limit);
  }

  /**
   * Blocking: finishes a staged file and moves it into the store under its hash; answers the
   * hash. With {@code expected} set, a file whose hash differs is dropped and refused.
   */
  public ByteString commit(StagedFile staged, ByteString expected) throws IOException {
    try {
      ByteString hash = staged.finish();
      if (expected != null && !expected.equals(hash)) {
        throw new HashMismatchException(hash, expected);
      }
      Path target = files.resolve(Hex.hex(hash));
      if (Files.exists(target)) {
        return hash; // the same bytes are stored already
      }
      try {
        Files.move(staged.temp(), target, StandardCopyOption.ATOMIC_MOVE);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(staged.temp(), target);
      }
      return hash;
    } finally {
      staged.close();
    }
  }

  /** Blocking: the file's size, or -1 when this node lacks it. */
  long sizeNow(String hex) {
    try {
      return hasNow(hex) ? Files.size(files.resolve(hex)) : -1;
    } catch (IOException e) {
      return -1;
    }
  }

  /** Blocking: up to {@code length} bytes of a stored file from {@code offset}. */
  byte[] readNow(String hex, long offset, int length) throws IOException {
    try (var channel = java.nio.channels.FileChannel.open(path(hex))) {
      long size = channel.size();
      int n = (int) Math.max(0, Math.min(length, size - offset));
      java.nio.ByteBuffer buffer = java.nio.ByteBuffer.allocate(n);
      while (buffer.hasRemaining() && channel.read(buffer, offset + buffer.position()) >= 0) {
        // read until full or end of file
      }
      return buffer.array();
    }
  }

  /**
   * The file, from this node's store or pulled from a member that holds it; fails when no member
   * holds it. Completes on the caller's context.
   */
  public Future<Path> ensure(String hex) {
    if (!isHash(hex)) {
      return Future.failedFuture(new IllegalArgumentException("not a SHA-256: " + hex));
    }
    return vertx.executeBlocking(() -> hasNow(hex), false).compose(has -> {
      if (has) {
        return Future.succeededFuture(files.resolve(hex));
      }
      Future<Path> pull = pulls.computeIfAbsent(hex, h -> vertx.executeBlocking(() -> pullNow(h), false)
          .onComplete(done -> pulls.remove(h)));
      return pull;
    });
  }

  /** Blocking: copies a file from a member that holds it, verifying its hash before keeping it. */
  private Path pullNow(String hex) throws Exception {
    if (hasNow(hex)) {
      return files.resolve(hex);
    }
    IExecutorService executor = hazelcast.getExecutorService(EXECUTOR);
    Member self = hazelcast.getCluster().getLocalMember();
    Map<Member, java.util.concurrent.Future<Long>> answers = executor.submitToMembers(new PeerFileTasks.Holds(hex),
        hazelcast.getCluster().getMembers().stream().filter(m -> !m.equals(self)).toList());
    for (Map.Entry<Member, java.util.concurrent.Future<Long>> answer : answers.entrySet()) {
      long size;
      try {
        size = answer.getValue().get(30, TimeUnit.SECONDS);
      } catch (Exception e) {
        continue; // that member is gone or slow: try another
      }
      if (size < 0) {
        continue;
      }
      try {
        return pullFrom(executor, answer.getKey(), hex, size);
      } catch (Exception e) {
        LOG.log(Level.WARNING, "could not pull package file " + hex + " from " + answer.getKey(), e);
      }
    }
    throw new java.io.FileNotFoundException("no member of the cluster holds package file " + hex);
  }

  private Path pullFrom(IExecutorService executor, Member from, String hex, long size) throws Exception {
    StagedFile staged = stage(Long.MAX_VALUE);
    try {
      for (long offset = 0; offset < size; ) {
        int length = (int) Math.min(CHUNK, size - offset);
        byte[] chunk = executor.submitToMember(new PeerFileTasks.ReadChunk(hex, offset, length), from)
            .get(60, TimeUnit.SECONDS);
        if (chunk.length == 0) {
          throw new IOException("the file ended early at " + offset + " of " + size + " bytes");
        }
        staged.write(chunk);
        offset += chunk.length;
      }
      commit(staged, ByteString.copyFrom(Hex.parse(hex)));
      LOG.info(() -> "pulled package file " + hex + " (" + size + " bytes) from " + from);
      return files.resolve(hex);
    } finally {
      staged.close();
    }
  }

  /** Pulls, in the background, the files of these versions this node lacks (after a publish elsewhere). */
  void prefetch(List<String> hashes) {
    for (String hex : hashes) {
      ensure(hex).onFailure(e -> LOG.fine(() -> "package file " + hex + " not pulled yet: " + e.getMessage()));
    }
  }

  static PackageFiles of(HazelcastInstance hazelcast) {
    PackageFiles files = (PackageFiles) hazelcast.getUserContext().get(CONTEXT_KEY);
    if (files == null) {
      throw new IllegalStateException("this member keeps no package files");
    }
    return files;
  }
}
