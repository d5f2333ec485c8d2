package dev.opamp.gateway.fleet;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.concurrent.CompletionStage;

/** Hazelcast's asynchronous answers as Vert.x futures. */
public final class HazelcastFutures {

  private HazelcastFutures() {}

  /**
   * Completes a Vert.x future from a Hazelcast stage, back on {@code context}. The hop is made on
   * the thread that completes the stage (a partition or response thread, which only queues a task
   * for the context): Hazelcast's default for callbacks is the common fork-join pool, which on a
   * machine of two cores or fewer starts a new thread per callback.
   */
  public static <T> Future<T> onContext(Context context, CompletionStage<T> stage) {
    Promise<T> promise = Promise.promise();
    stage.whenCompleteAsync((value, failure) -> context.runOnContext(v -> {
      if (failure != null) {
        promise.fail(failure);
      } else {
        promise.complete(value);
      }
    }), Runnable::run);
    return promise.future();
  }
}
