package dev.opamp.gateway.packages;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import org.junit.jupiter.api.Test;

/** The single byte ranges a resumed download asks for. */
class ByteRangeTest {

  @Test
  void readsOpenClosedAndSuffixRanges() {
    assertArrayEquals(new long[] {100, 999}, ByteRange.parse("bytes=100-", 1000));
    assertArrayEquals(new long[] {0, 9}, ByteRange.parse("bytes=0-9", 1000));
    assertArrayEquals(new long[] {990, 999}, ByteRange.parse("bytes=990-5000", 1000), "clipped to the end");
    assertArrayEquals(new long[] {900, 999}, ByteRange.parse("bytes=-100", 1000));
    assertArrayEquals(new long[] {0, 999}, ByteRange.parse("bytes=-5000", 1000));
  }

  @Test
  void aRangeFromTheEndOnIsUnsatisfiable() {
    assertSame(ByteRange.UNSATISFIABLE, ByteRange.parse("bytes=1000-", 1000));
    assertSame(ByteRange.UNSATISFIABLE, ByteRange.parse("bytes=-0", 1000));
    assertSame(ByteRange.UNSATISFIABLE, ByteRange.parse("bytes=0-", 0));
  }

  @Test
  void whatIsNotOneByteRangeGetsTheWholeFile() {
    assertNull(ByteRange.parse("bytes=0-1,5-6", 1000));
    assertNull(ByteRange.parse("items=0-1", 1000));
    assertNull(ByteRange.parse("bytes=5-1", 1000));
    assertNull(ByteRange.parse("bytes=x-", 1000));
  }
}
