package dev.opamp.gateway.remoteconfig;

import dev.opamp.gateway.remoteconfig.proto.RolloutStrategy;

/** Reading and checking rollout strategies: counts given as a number or as a share ("10%"). */
public final class RolloutStrategies {

  private RolloutStrategies() {}

  /** The defaults: one canary, doubling waves, 5 s waits and health checks, no failure tolerated. */
  public static RolloutStrategy withDefaults(RolloutStrategy given) {
    RolloutStrategy.Builder b = given.toBuilder();
    if (b.getCanary().isEmpty()) {
      b.setCanary("1");
    }
    if (b.getGrowth() == 0) {
      b.setGrowth(2);
    }
    if (b.getMaxFailures().isEmpty()) {
      b.setMaxFailures("0");
    }
    if (b.getOnFailure().isEmpty()) {
      b.setOnFailure("rollback");
    }
    RolloutStrategy s = b.build();
    check(s);
    return s;
  }

  /** Throws IllegalArgumentException naming the first bad field. */
  static void check(RolloutStrategy s) {
    resolve(s.getCanary(), 100, "canary");
    resolve(s.getMaxFailures(), 100, "maxFailures");
    if (resolve(s.getCanary(), 100, "canary") < 1 && !s.getCanary().endsWith("%")) {
      throw new IllegalArgumentException("canary must be at least 1 agent");
    }
    if (!(s.getGrowth() >= 1)) {
      throw new IllegalArgumentException("growth must be at least 1");
    }
    if (!s.getOnFailure().equals("rollback") && !s.getOnFailure().equals("pause")) {
      throw new IllegalArgumentException("onFailure must be \"rollback\" or \"pause\"");
    }
  }

  /** A count, or a share of {@code of} rounded up ("10%" of 15 is 2). */
  static int resolve(String text, int of, String field) {
    try {
      if (text.endsWith("%")) {
        double share = Double.parseDouble(text.substring(0, text.length() - 1));
        if (!(share >= 0 && share <= 100)) {
          throw new NumberFormatException();
        }
        return (int) Math.ceil(of * share / 100.0);
      }
      int n = Integer.parseInt(text);
      if (n < 0) {
        throw new NumberFormatException();
      }
      return n;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(field + " must be a count (\"5\") or a share (\"10%\"), not \"" + text + "\"");
    }
  }
}
