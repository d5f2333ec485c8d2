package dev.opamp.gateway.metrics;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;

/**
 * Finds Prometheus's binaries (Debian's {@code prometheus} package: {@code prometheus} and
 * {@code promtool}). A missing one fails the test in CI (environment {@code CI=true}, which
 * {@code .ci/run} sets after installing the package) and skips it elsewhere.
 */
final class PrometheusTools {

  private PrometheusTools() {}

  static Path require(String binary) {
    String path = System.getenv().getOrDefault("PATH", "");
    for (String dir : path.split(File.pathSeparator)) {
      if (dir.isEmpty()) {
        continue;
      }
      Path candidate = Path.of(dir, binary);
      if (Files.isExecutable(candidate)) {
        return candidate;
      }
    }
    String message = binary + " is not installed (it comes with Debian's prometheus package: "
        + "apt-get install prometheus; .ci/run installs it)";
    if ("true".equalsIgnoreCase(System.getenv("CI"))) {
      fail(message + "; CI=true, so this test cannot be skipped");
    }
    Assumptions.abort(message + "; skipped outside CI");
    throw new IllegalStateException("unreachable");
  }
}
