package dev.opamp.gateway.protocol;

import com.google.protobuf.ByteString;
import dev.opamp.gateway.fleet.Hex;
import java.security.SecureRandom;
import java.util.UUID;

/** Instance uids: validity, the map key form, canonical UUID text, and new UUID v7 values. */
public final class InstanceUids {

  /** OpAMP instance uids are exactly 16 bytes. */
  public static final int LENGTH = 16;

  private static final SecureRandom RANDOM = new SecureRandom();

  private InstanceUids() {}

  public static boolean isValid(ByteString uid) {
    return uid.size() == LENGTH && !isAllZero(uid);
  }

  /** The fleet map key: 32 lowercase hex digits. */
  public static String key(ByteString uid) {
    return Hex.hex(uid);
  }

  /** Parses a uid given as 32 hex digits or as canonical UUID text; null if it is neither. */
  public static String keyFromText(String text) {
    String hex = text.length() == 36 ? text.replace("-", "") : text;
    if (hex.length() != 32 || (text.length() == 36 && !isCanonicalUuid(text))) {
      return null;
    }
    try {
      return Hex.hex(Hex.parse(hex.toLowerCase(java.util.Locale.ROOT)));
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  public static String uuidText(ByteString uid) {
    if (uid.size() != LENGTH) {
      return Hex.hex(uid);
    }
    String h = Hex.hex(uid);
    return h.substring(0, 8) + "-" + h.substring(8, 12) + "-" + h.substring(12, 16) + "-"
        + h.substring(16, 20) + "-" + h.substring(20);
  }

  /** A new UUID version 7 (time-ordered, as the specification recommends). */
  public static ByteString newUuidV7() {
    byte[] b = new byte[LENGTH];
    RANDOM.nextBytes(b);
    long millis = System.currentTimeMillis();
    for (int i = 0; i < 6; i++) {
      b[i] = (byte) (millis >>> (40 - 8 * i));
    }
    b[6] = (byte) ((b[6] & 0x0f) | 0x70); // version 7
    b[8] = (byte) ((b[8] & 0x3f) | 0x80); // IETF variant
    return ByteString.copyFrom(b);
  }

  private static boolean isCanonicalUuid(String text) {
    try {
      return UUID.fromString(text) != null && text.charAt(8) == '-' && text.charAt(13) == '-'
          && text.charAt(18) == '-' && text.charAt(23) == '-';
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  private static boolean isAllZero(ByteString uid) {
    for (int i = 0; i < uid.size(); i++) {
      if (uid.byteAt(i) != 0) {
        return false;
      }
    }
    return true;
  }
}
