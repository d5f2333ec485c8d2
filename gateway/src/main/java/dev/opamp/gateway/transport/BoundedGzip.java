package dev.opamp.gateway.transport;

import io.vertx.core.buffer.Buffer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.zip.GZIPInputStream;

/** Inflates a gzip body, stopping as soon as the output passes the limit (a gzip bomb costs nothing). */
final class BoundedGzip {

  private BoundedGzip() {}

  /** The body inflated past the message size limit. */
  static final class TooLargeException extends Exception {
    TooLargeException(String message) {
      super(message, null, false, false);
    }
  }

  static byte[] inflate(Buffer compressed, long limit) throws IOException, TooLargeException {
    InputStream raw = new java.io.ByteArrayInputStream(compressed.getBytes());
    try (GZIPInputStream in = new GZIPInputStream(raw, 8192)) {
      ByteArrayOutputStream out = new ByteArrayOutputStream((int) Math.min(limit, compressed.length() * 4L + 64));
      byte[] chunk = new byte[8192];
      long total = 0;
      int n;
      while ((n = in.read(chunk)) > 0) {
        total += n;
        if (total > limit) {
          throw new TooLargeException("gzip body inflates past the " + limit + "-byte message limit");
        }
        out.write(chunk, 0, n);
      }
      return out.toByteArray();
    }
  }
}
