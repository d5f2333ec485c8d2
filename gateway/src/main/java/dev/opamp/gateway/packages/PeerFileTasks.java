package dev.opamp.gateway.packages;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.HazelcastInstanceAware;
import java.io.Serializable;
import java.util.concurrent.Callable;

/** What one node asks another about the package files it stores (see {@link PackageFiles}). */
final class PeerFileTasks {

  private PeerFileTasks() {}

  /** Answers the size of a file the member holds, or -1. */
  static final class Holds implements Callable<Long>, Serializable, HazelcastInstanceAware {
    private static final long serialVersionUID = 1L;
    private final String hex;
    private transient HazelcastInstance hazelcast;

    Holds(String hex) {
      this.hex = hex;
    }

    @Override
    public void setHazelcastInstance(HazelcastInstance hazelcast) {
      this.hazelcast = hazelcast;
    }

    @Override
    public Long call() {
      return PackageFiles.of(hazelcast).sizeNow(hex);
    }
  }

  /** Answers one chunk of a file the member holds. */
  static final class ReadChunk implements Callable<byte[]>, Serializable, HazelcastInstanceAware {
    private static final long serialVersionUID = 1L;
    private final String hex;
    private final long offset;
    private final int length;
    private transient HazelcastInstance hazelcast;

    ReadChunk(String hex, long offset, int length) {
      this.hex = hex;
      this.offset = offset;
      this.length = Math.min(length, PackageFiles.CHUNK);
    }

    @Override
    public void setHazelcastInstance(HazelcastInstance hazelcast) {
      this.hazelcast = hazelcast;
    }

    @Override
    public byte[] call() throws Exception {
      return PackageFiles.of(hazelcast).readNow(hex, offset, length);
    }
  }
}
