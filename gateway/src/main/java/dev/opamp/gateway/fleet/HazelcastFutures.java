package dev.opamp.gateway.fleet;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.concurrent.CompletionStage;

/** Hazelcast's asynchronous answers as Vert.x futures. */
public final class HazelcastFutures {

  private HazelcastFutures() {}

  /**
   * Completes a Vert.x future from a Hazelcast stage, back on {@code context}. Hazelcast runs the
   * callback on its default executor, the common fork-join pool: on a machine of two cores or
   * fewer that pool has one thread unless told otherwise, and Hazelcast then starts a new thread
   * per callback, which is why {@code Main} gives the pool two threads there.
   */
  public static <T> Future<T> onContext(Context context, CompletionStage<T> stage) {
    Promise<T> promise = Promise.promise();
    stage.whenComplete((value, failure) -> context.runOnContext(v -> {
      if (failure != null) {
        promise.fail(failure);
      } else {
        promise.complete(value);
      }
    }));
    return promise.future();
  }
}
