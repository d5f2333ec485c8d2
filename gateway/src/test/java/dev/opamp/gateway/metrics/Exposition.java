package dev.opamp.gateway.metrics;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/** The samples of a Prometheus text exposition (what {@code /metrics} answers), parsed for tests. */
record Exposition(List<Sample> samples) {

  /** One sample line: metric name, labels and value. */
  record Sample(String name, Map<String, String> labels, double value) {
    /** Name and labels, as Prometheus identifies a series. */
    String series() {
      return name + labels;
    }
  }

  static Exposition parse(String text) {
    List<Sample> samples = new ArrayList<>();
    for (String line : text.split("\n")) {
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      int brace = line.indexOf('{');
      int space = line.indexOf(' ');
      Map<String, String> labels = new LinkedHashMap<>();
      String name;
      String rest;
      if (brace >= 0 && brace < space) {
        name = line.substring(0, brace);
        int close = parseLabels(line, brace + 1, labels);
        rest = line.substring(close + 1).trim();
      } else {
        name = line.substring(0, space);
        rest = line.substring(space + 1).trim();
      }
      String value = rest.split(" ")[0];
      samples.add(new Sample(name, labels, parseValue(value)));
    }
    return new Exposition(samples);
  }

  /** Reads {@code a="x",b="y"} from {@code from}; returns the index of the closing brace. */
  private static int parseLabels(String line, int from, Map<String, String> labels) {
    int i = from;
    while (line.charAt(i) != '}') {
      int eq = line.indexOf('=', i);
      String key = line.substring(i, eq).trim();
      StringBuilder value = new StringBuilder();
      int j = eq + 2; // past ="
      while (line.charAt(j) != '"') {
        char c = line.charAt(j);
        if (c == '\\') {
          char next = line.charAt(++j);
          value.append(next == 'n' ? '\n' : next);
        } else {
          value.append(c);
        }
        j++;
      }
      labels.put(key, value.toString());
      i = j + 1;
      if (line.charAt(i) == ',') {
        i++;
      }
    }
    return i;
  }

  private static double parseValue(String v) {
    return switch (v) {
      case "+Inf" -> Double.POSITIVE_INFINITY;
      case "-Inf" -> Double.NEGATIVE_INFINITY;
      case "NaN" -> Double.NaN;
      default -> Double.parseDouble(v);
    };
  }

  Set<String> names() {
    return samples.stream().map(Sample::name).collect(Collectors.toCollection(TreeSet::new));
  }

  /** Every series whose name starts with {@code prefix}, as name plus labels. */
  Set<String> series(String prefix) {
    return samples.stream().filter(s -> s.name().startsWith(prefix)).map(Sample::series)
        .collect(Collectors.toCollection(TreeSet::new));
  }

  /** The value of the one sample with this name and these labels (others ignored); fails if none. */
  double value(String name, String... labelPairs) {
    return samples.stream()
        .filter(s -> s.name().equals(name))
        .filter(s -> {
          for (int i = 0; i < labelPairs.length; i += 2) {
            if (!labelPairs[i + 1].equals(s.labels().get(labelPairs[i]))) {
              return false;
            }
          }
          return true;
        })
        .mapToDouble(Sample::value)
        .findFirst()
        .orElseThrow(() -> new AssertionError("no sample " + name + " " + List.of(labelPairs)));
  }
}
