package dev.opamp.loadtest;

import io.vertx.core.json.JsonObject;
import java.nio.ByteBuffer;
import java.util.Base64;
import java.util.zip.DataFormatException;
import org.HdrHistogram.AbstractHistogram;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

/**
 * Latency histograms in microseconds (up to an hour, 3 significant digits), their compressed
 * base64 form for crossing process boundaries, and their summary in milliseconds.
 */
final class Histograms {

  static final long HIGHEST_MICROS = 3_600_000_000L;

  private Histograms() {}

  static ConcurrentHistogram concurrent() {
    return new ConcurrentHistogram(HIGHEST_MICROS, 3);
  }

  static Histogram plain() {
    return new Histogram(HIGHEST_MICROS, 3);
  }

  static void record(AbstractHistogram h, long micros) {
    h.recordValue(Math.max(0, Math.min(HIGHEST_MICROS, micros)));
  }

  static String encode(AbstractHistogram h) {
    ByteBuffer buffer = ByteBuffer.allocate(h.getNeededByteBufferCapacity());
    int n = h.encodeIntoCompressedByteBuffer(buffer);
    return Base64.getEncoder().encodeToString(java.util.Arrays.copyOf(buffer.array(), n));
  }

  static Histogram decode(String base64) {
    try {
      return Histogram.decodeFromCompressedByteBuffer(ByteBuffer.wrap(Base64.getDecoder().decode(base64)), 0);
    } catch (DataFormatException e) {
      throw new IllegalArgumentException("not an encoded histogram", e);
    }
  }

  /** {@code count, p50Ms, p90Ms, p99Ms, maxMs}; empty histograms give only the count. */
  static JsonObject summary(AbstractHistogram h) {
    JsonObject o = new JsonObject().put("count", h.getTotalCount());
    if (h.getTotalCount() > 0) {
      o.put("p50Ms", ms(h.getValueAtPercentile(50)))
          .put("p90Ms", ms(h.getValueAtPercentile(90)))
          .put("p99Ms", ms(h.getValueAtPercentile(99)))
          .put("maxMs", ms(h.getMaxValue()));
    }
    return o;
  }

  static double ms(long micros) {
    return Math.round(micros / 10.0) / 100.0;
  }
}
