package dev.opamp.gateway.protocol;

import com.google.protobuf.Message;

/**
 * What a session remembers of the agent's last report: a 64-bit fingerprint per status part
 * (serialized size and deep hash), so that a repeated, unchanged part costs no cluster write
 * while the session holds no copy of the part itself.
 */
final class StatusFingerprints {

  static final int DESCRIPTION = 0;
  static final int HEALTH = 1;
  static final int EFFECTIVE_CONFIG = 2;
  static final int REMOTE_CONFIG_STATUS = 3;
  static final int PACKAGE_STATUSES = 4;
  static final int CONNECTION_SETTINGS_STATUS = 5;
  static final int CUSTOM_CAPABILITIES = 6;
  static final int AVAILABLE_COMPONENTS = 7;
  private static final int PARTS = 8;

  private final long[] parts = new long[PARTS];
  private long capabilities = -1;

  /** True (and remembered) when {@code part} differs from the last one seen in that slot. */
  boolean changed(int slot, Message part) {
    long f = of(part);
    if (parts[slot] == f) {
      return false;
    }
    parts[slot] = f;
    return true;
  }

  boolean capabilitiesChanged(long bits) {
    if (capabilities == bits) {
      return false;
    }
    capabilities = bits;
    return true;
  }

  /** Forgets everything, so the next report of each part is written whatever it holds. */
  void forget() {
    java.util.Arrays.fill(parts, 0);
    capabilities = -1;
  }

  static long of(Message part) {
    // Never 0, so a fresh slot always differs from the first report.
    return ((long) part.getSerializedSize() << 32 | (part.hashCode() & 0xffffffffL)) | 1L << 63;
  }
}
