package dev.opamp.gateway.remoteconfig;

import com.google.protobuf.InvalidProtocolBufferException;
import com.hazelcast.map.EntryProcessor;
import dev.opamp.gateway.remoteconfig.proto.ConfigHead;
import java.io.Serializable;
import java.util.Map;

/**
 * Atomic changes to a config's head, run on the member that owns it: taking the next version
 * number, choosing the version agents get, deleting. Answers the head after the change (its bytes).
 */
abstract class HeadChange implements EntryProcessor<String, byte[], byte[]>, Serializable {

  private static final long serialVersionUID = 1L;
  protected final long nowMillis = System.currentTimeMillis();

  @Override
  public byte[] process(Map.Entry<String, byte[]> entry) {
    ConfigHead current = entry.getValue() == null ? null : parse(entry.getValue());
    ConfigHead next = change(entry.getKey(), current);
    if (next == null) {
      return current == null ? null : current.toByteArray();
    }
    byte[] bytes = next.toBuilder().setUpdatedUnixMs(nowMillis).build().toByteArray();
    entry.setValue(bytes);
    return bytes;
  }

  /** The new head, or null to leave it as it is. */
  abstract ConfigHead change(String name, ConfigHead current);

  static ConfigHead parse(byte[] bytes) {
    try {
      return ConfigHead.parseFrom(bytes);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("corrupt config head", e);
    }
  }

  /** Takes the next version number (a deleted config comes back with it). */
  static final class NextVersion extends HeadChange {
    private static final long serialVersionUID = 1L;

    @Override
    ConfigHead change(String name, ConfigHead current) {
      ConfigHead.Builder b = current == null ? ConfigHead.newBuilder().setName(name) : current.toBuilder();
      return b.setLatestVersion(b.getLatestVersion() + 1).setDeleted(false).build();
    }
  }

  /** Makes {@code version} the one agents get. */
  static final class Activate extends HeadChange {
    private static final long serialVersionUID = 1L;
    private final long version;

    Activate(long version) {
      this.version = version;
    }

    @Override
    ConfigHead change(String name, ConfigHead current) {
      if (current == null || current.getDeleted() || version > current.getLatestVersion()) {
        return null;
      }
      return current.toBuilder().setActiveVersion(version).build();
    }
  }

  /** Withdraws the config from every agent; its versions stay for history. */
  static final class Delete extends HeadChange {
    private static final long serialVersionUID = 1L;

    @Override
    ConfigHead change(String name, ConfigHead current) {
      // Deleted means withdrawn: a config saved again later starts with nothing active.
      return current == null || current.getDeleted() ? null
          : current.toBuilder().setDeleted(true).setActiveVersion(0).build();
    }
  }
}
