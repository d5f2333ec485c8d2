package dev.opamp.gateway.testing;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.function.Predicate;

/** Bounded polling for tests: asks again every interval until the answer is right or time is up. */
public final class Poll {

  public static final Duration INTERVAL = Duration.ofMillis(100);

  private Poll() {}

  /**
   * Calls {@code probe} until its value satisfies {@code done} and returns that value. A probe that
   * throws counts as "not yet". After {@code timeout} fails with {@code what}, the last value and
   * the last failure.
   */
  public static <T> T until(String what, Duration timeout, Callable<T> probe, Predicate<? super T> done)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    T last = null;
    Exception lastFailure = null;
    while (true) {
      try {
        last = probe.call();
        lastFailure = null;
        if (done.test(last)) {
          return last;
        }
      } catch (InterruptedException e) {
        throw e;
      } catch (Exception e) {
        lastFailure = e;
      }
      if (System.nanoTime() - deadline >= 0) {
        AssertionError failure = new AssertionError(what + ": not within " + timeout + "; last value: " + last
            + (lastFailure == null ? "" : "; last failure: " + lastFailure));
        if (lastFailure != null) {
          failure.initCause(lastFailure);
        }
        throw failure;
      }
      Thread.sleep(INTERVAL.toMillis());
    }
  }

  /** Waits until {@code condition} holds. */
  public static void until(String what, Duration timeout, Callable<Boolean> condition) throws InterruptedException {
    until(what, timeout, condition, Boolean.TRUE::equals);
  }
}
