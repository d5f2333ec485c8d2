package dev.opamp.gateway.fleet;

import com.google.protobuf.ByteString;

/**
 * Lowercase hexadecimal text for bytes (hashes, instance uids), and back.
 *
 * <p>The fleet map is keyed by the instance uid as 32 lowercase hex digits, so the
 * lowercase form produced here is the one to use for keys.
 */
public final class Hex {
  private static final char[] DIGITS = "0123456789abcdef".toCharArray();

  private Hex() {}

  /** Returns {@code bytes} as lowercase hex digits, two per byte ("" for no bytes). */
  public static String hex(byte[] bytes) {
    char[] out = new char[bytes.length * 2];
    for (int i = 0; i < bytes.length; i++) {
      out[2 * i] = DIGITS[(bytes[i] >> 4) & 0xf];
      out[2 * i + 1] = DIGITS[bytes[i] & 0xf];
    }
    return new String(out);
  }

  /** Returns {@code bytes} as lowercase hex digits, two per byte ("" for no bytes). */
  public static String hex(ByteString bytes) {
    char[] out = new char[bytes.size() * 2];
    for (int i = 0; i < bytes.size(); i++) {
      byte b = bytes.byteAt(i);
      out[2 * i] = DIGITS[(b >> 4) & 0xf];
      out[2 * i + 1] = DIGITS[b & 0xf];
    }
    return new String(out);
  }

  /**
   * Parses hex digits (either case, no separators or prefix) into bytes.
   *
   * @throws IllegalArgumentException if the length is odd or a character is not a hex digit
   */
  public static byte[] parse(String text) {
    if (text.length() % 2 != 0) {
      throw new IllegalArgumentException(
          "hex text must have an even number of digits, got " + text.length());
    }
    byte[] out = new byte[text.length() / 2];
    for (int i = 0; i < out.length; i++) {
      out[i] = (byte) ((digit(text, 2 * i) << 4) | digit(text, 2 * i + 1));
    }
    return out;
  }

  private static int digit(String text, int index) {
    int value = Character.digit(text.charAt(index), 16);
    // Character.digit also accepts non-ASCII digits (e.g. fullwidth); hex text is ASCII only.
    if (value < 0 || text.charAt(index) > 'f') {
      throw new IllegalArgumentException(
          "not a hex digit at position " + (index + 1) + ": '" + text.charAt(index) + "'");
    }
    return value;
  }
}
