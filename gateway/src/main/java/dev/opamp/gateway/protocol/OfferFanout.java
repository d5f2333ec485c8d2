package dev.opamp.gateway.protocol;

import dev.opamp.gateway.fleet.FleetStore;
import dev.opamp.gateway.fleet.proto.AgentRecord;
import dev.opamp.gateway.session.LiveSession;
import dev.opamp.gateway.session.SessionRegistry;
import io.vertx.core.Vertx;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * When desired state changes (configs, connection settings, packages), offers each agent this
 * node holds what it now needs. The records are read for this node's own sessions only (each
 * from its own partition, never a scan of the other nodes' agents), a batch at a time; at most
 * two batches are in flight, so a fan-out to many agents holds a bounded number of records and
 * never stalls the event loops.
 */
public final class OfferFanout {

  private static final Logger LOG = Logger.getLogger(OfferFanout.class.getName());
  /** Records read per batch. */
  private static final int BATCH = 2000;
  private static final long RETRY_MILLIS = 2000;

  private final Vertx vertx;
  private final FleetStore fleet;
  private final SessionRegistry sessions;
  private final String nodeName;
  private final AtomicBoolean running = new AtomicBoolean();
  private final AtomicBoolean again = new AtomicBoolean();

  public OfferFanout(Vertx vertx, FleetStore fleet, SessionRegistry sessions, String nodeName) {
    this.vertx = vertx;
    this.fleet = fleet;
    this.sessions = sessions;
    this.nodeName = nodeName;
  }

  /** Starts a fan-out; a change during one makes exactly one more run after it. */
  public void desiredStateChanged() {
    if (!running.compareAndSet(false, true)) {
      again.set(true);
      return;
    }
    List<String> work = sessions.keys();
    if (work.isEmpty()) {
      finished();
      return;
    }
    // Two batches in flight: one is read while the other's sessions refresh.
    Run run = new Run(work);
    run.next();
    run.next();
  }

  /** One fan-out: the batches of this node's agents, read and refreshed. */
  private final class Run {
    private final List<String> work;
    private final AtomicInteger nextStart = new AtomicInteger();
    private final AtomicInteger unfinished;
    private final AtomicBoolean failed = new AtomicBoolean();

    Run(List<String> work) {
      this.work = work;
      this.unfinished = new AtomicInteger((work.size() + BATCH - 1) / BATCH);
    }

    void next() {
      int start = nextStart.getAndAdd(BATCH);
      if (start >= work.size() || failed.get()) {
        return;
      }
      int end = Math.min(work.size(), start + BATCH);
      fleet.records(new HashSet<>(work.subList(start, end))).onComplete(r -> {
        if (r.failed()) {
          if (failed.compareAndSet(false, true)) {
            LOG.log(Level.WARNING, "offer fan-out on " + nodeName + " could not read its agents; retrying",
                r.cause());
            again.set(true); // the cluster may be moving partitions (a node left): try again shortly
            vertx.setTimer(RETRY_MILLIS, id -> finished());
          }
          return;
        }
        for (Map.Entry<String, AgentRecord> e : r.result().entrySet()) {
          LiveSession session = sessions.holder(e.getKey());
          if (session != null) {
            session.refresh(e.getValue());
          }
        }
        if (unfinished.decrementAndGet() == 0) {
          finished();
        } else {
          next();
        }
      });
    }
  }

  private void finished() {
    running.set(false);
    if (again.getAndSet(false)) {
      desiredStateChanged();
    }
  }
}
