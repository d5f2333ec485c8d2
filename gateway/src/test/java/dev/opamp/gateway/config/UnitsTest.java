package dev.opamp.gateway.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class UnitsTest {

  @Test
  void durationsNeedOneOfFourUnits() {
    assertEquals(Duration.ofMillis(500), Units.parseDuration("500ms"));
    assertEquals(Duration.ofSeconds(30), Units.parseDuration("30s"));
    assertEquals(Duration.ofMinutes(5), Units.parseDuration(" 5m "));
    assertEquals(Duration.ofHours(1), Units.parseDuration("1h"));
    assertThrows(IllegalArgumentException.class, () -> Units.parseDuration("30"));
    assertThrows(IllegalArgumentException.class, () -> Units.parseDuration("30sec"));
    assertThrows(IllegalArgumentException.class, () -> Units.parseDuration("1.5s"));
    assertThrows(IllegalArgumentException.class, () -> Units.parseDuration("99999999999999999h"));
  }

  @Test
  void sizesArePlainBytesOrBinaryUnits() {
    assertEquals(67_108_864L, Units.parseBytes("64MiB"));
    assertEquals(262_144L, Units.parseBytes("256KiB"));
    assertEquals(1L << 30, Units.parseBytes("1gib"));
    assertEquals(1000L, Units.parseBytes("1000"));
    assertEquals(-5L, Units.parseBytes("-5"), "the sign is kept; the range is checked per setting");
    assertThrows(IllegalArgumentException.class, () -> Units.parseBytes("64MB"), "MB is ambiguous");
    assertThrows(IllegalArgumentException.class, () -> Units.parseBytes("lots"));
    assertThrows(IllegalArgumentException.class, () -> Units.parseBytes("9999999999GiB"));
  }

  @Test
  void formatsTheShortestExactSpelling() {
    assertEquals("90s", Units.formatDuration(Duration.ofSeconds(90)));
    assertEquals("1m", Units.formatDuration(Duration.ofSeconds(60)));
    assertEquals("2h", Units.formatDuration(Duration.ofHours(2)));
    assertEquals("1500ms", Units.formatDuration(Duration.ofMillis(1500)));
    assertEquals("64MiB", Units.formatBytes(64L << 20));
    assertEquals("1025", Units.formatBytes(1025));
    assertEquals("0", Units.formatBytes(0));
  }
}
