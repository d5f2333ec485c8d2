package dev.opamp.gateway.fleet;

import com.google.protobuf.ByteString;
import java.util.HexFormat;

/** Lowercase hex text for uids and hashes. (Placeholder until merged with the fuller helper.) */
public final class Hex {
  private static final HexFormat HEX = HexFormat.of();

  private Hex() {}

  public static String hex(byte[] bytes) {
    return HEX.formatHex(bytes);
  }

  public static String hex(ByteString bytes) {
    return HEX.formatHex(bytes.toByteArray());
  }

  public static byte[] parse(String text) {
    return HEX.parseHex(text);
  }
}
