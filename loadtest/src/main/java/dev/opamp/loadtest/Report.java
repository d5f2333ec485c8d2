package dev.opamp.loadtest;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** The final report: JSON (nested objects, so {@code fanout.p99Ms} is {@code .fanout.p99Ms}) and a table. */
final class Report {

  private Report() {}

  static void write(JsonObject report, Path file) throws IOException {
    Path parent = file.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    Files.writeString(file, report.encodePrettily() + "\n");
  }

  /** Every leaf as one row, {@code dotted.name  value}. */
  static void printTable(JsonObject report, PrintStream out) {
    StringBuilder rows = new StringBuilder();
    int[] width = {10};
    flatten("", report, (k, v) -> width[0] = Math.max(width[0], k.length()));
    String format = "%-" + width[0] + "s  %s%n";
    rows.append(String.format(format, "field", "value"));
    rows.append(String.format(format, "-".repeat(width[0]), "-".repeat(20)));
    flatten("", report, (k, v) -> rows.append(String.format(format, k, text(v))));
    out.print(rows);
    out.flush();
  }

  private static String text(Object v) {
    if (v instanceof Double d) {
      return d == Math.rint(d) && Math.abs(d) < 1e15 ? String.format("%,d", d.longValue()) : String.format("%,.2f", d);
    }
    if (v instanceof Long || v instanceof Integer) {
      return String.format("%,d", ((Number) v).longValue());
    }
    return String.valueOf(v);
  }

  private static void flatten(String prefix, JsonObject o, java.util.function.BiConsumer<String, Object> leaf) {
    for (Map.Entry<String, Object> e : o) {
      String key = prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey();
      Object v = e.getValue();
      if (v instanceof JsonObject child) {
        if (child.isEmpty()) {
          continue;
        }
        flatten(key, child, leaf);
      } else if (v instanceof JsonArray a) {
        leaf.accept(key, String.join("; ", a.stream().map(String::valueOf).toList()));
      } else if (v != null) {
        leaf.accept(key, v);
      }
    }
  }
}
