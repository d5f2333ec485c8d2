package dev.opamp.gateway.transport;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The node-wide allowance of bytes for inbound messages being assembled or decoded at once, so
 * that many large messages arriving together cannot exhaust the heap. A message that does not
 * fit is shed (UNAVAILABLE with a retry hint), not queued.
 */
public final class ReceiveBudget {

  private final long capacity;
  private final AtomicLong inUse = new AtomicLong();

  public ReceiveBudget(long capacity) {
    this.capacity = capacity;
  }

  /** Takes {@code bytes} from the budget; false (taking nothing) if they do not fit. */
  public boolean tryReserve(long bytes) {
    while (true) {
      long current = inUse.get();
      if (current + bytes > capacity) {
        return false;
      }
      if (inUse.compareAndSet(current, current + bytes)) {
        return true;
      }
    }
  }

  public void release(long bytes) {
    inUse.addAndGet(-bytes);
  }

  public long inUse() {
    return inUse.get();
  }

  public long capacity() {
    return capacity;
  }
}
