package dev.opamp.gateway.fleet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import org.junit.jupiter.api.Test;

class HexTest {
  private static final byte[] BYTES = {0x00, 0x0f, (byte) 0xa5, (byte) 0xff, 0x7e};

  @Test
  void rendersLowercaseTwoDigitsPerByte() {
    assertEquals("000fa5ff7e", Hex.hex(BYTES));
    assertEquals("000fa5ff7e", Hex.hex(ByteString.copyFrom(BYTES)));
    assertEquals("", Hex.hex(new byte[0]));
    assertEquals("", Hex.hex(ByteString.EMPTY));
  }

  @Test
  void parsesEitherCase() {
    assertArrayEquals(BYTES, Hex.parse("000fa5ff7e"));
    assertArrayEquals(BYTES, Hex.parse("000FA5FF7E"));
    assertArrayEquals(new byte[0], Hex.parse(""));
  }

  @Test
  void rejectsOddLengthAndNonDigitsNamingThePosition() {
    assertTrue(assertThrows(IllegalArgumentException.class, () -> Hex.parse("abc"))
        .getMessage().contains("even"));
    IllegalArgumentException bad =
        assertThrows(IllegalArgumentException.class, () -> Hex.parse("00zz"));
    assertTrue(bad.getMessage().contains("position 3"), bad.getMessage());
    assertTrue(bad.getMessage().contains("'z'"), bad.getMessage());
    // Non-ASCII digits that Character.digit would accept.
    assertThrows(IllegalArgumentException.class, () -> Hex.parse("\u0661\u0662"));
    assertThrows(IllegalArgumentException.class, () -> Hex.parse("0x"));
  }
}
