package dev.opamp.loadtest;

import java.time.Instant;

/** Wall-clock time in microseconds: comparable across the simulator's processes on one machine. */
final class Micros {

  private Micros() {}

  static long now() {
    Instant i = Instant.now();
    return i.getEpochSecond() * 1_000_000L + i.getNano() / 1000;
  }
}
