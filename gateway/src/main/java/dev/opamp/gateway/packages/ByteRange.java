package dev.opamp.gateway.packages;

/** Reads an HTTP {@code Range} header for one byte range of a file. */
final class ByteRange {

  /** The header names only bytes outside the file. */
  static final long[] UNSATISFIABLE = new long[0];

  private ByteRange() {}

  /**
   * {@code {first, last}} (inclusive) for {@code bytes=a-b}, {@code bytes=a-} or {@code bytes=-n};
   * null when the header is not one byte range we serve (the whole file is sent, as HTTP allows);
   * {@link #UNSATISFIABLE} when it starts at or past the end.
   */
  static long[] parse(String header, long size) {
    String h = header.strip();
    if (!h.startsWith("bytes=") || h.indexOf(',') >= 0) {
      return null;
    }
    String spec = h.substring("bytes=".length()).strip();
    int dash = spec.indexOf('-');
    if (dash < 0) {
      return null;
    }
    try {
      String from = spec.substring(0, dash).strip();
      String to = spec.substring(dash + 1).strip();
      if (from.isEmpty()) {
        long suffix = Long.parseLong(to);
        if (suffix <= 0) {
          return UNSATISFIABLE;
        }
        return size == 0 ? UNSATISFIABLE : new long[] {Math.max(0, size - suffix), size - 1};
      }
      long first = Long.parseLong(from);
      long last = to.isEmpty() ? size - 1 : Math.min(Long.parseLong(to), size - 1);
      if (first < 0 || (!to.isEmpty() && Long.parseLong(to) < first)) {
        return null;
      }
      if (first >= size) {
        return UNSATISFIABLE;
      }
      return new long[] {first, last};
    } catch (NumberFormatException e) {
      return null;
    }
  }
}
