package dev.opamp.gateway.protocol;

import dev.opamp.gateway.fleet.FleetStore;
import dev.opamp.gateway.fleet.HeldByNode;
import dev.opamp.gateway.fleet.proto.AgentRecord;
import dev.opamp.gateway.session.LiveSession;
import dev.opamp.gateway.session.SessionRegistry;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * When desired state changes (configs, connection settings, packages), offers each agent this
 * node holds what it now needs: one
 * query for this node's agents (never one cluster call per agent), then the sessions are
 * refreshed in paced batches so a fan-out to many agents never stalls the event loops.
 */
public final class OfferFanout {

  private static final Logger LOG = Logger.getLogger(OfferFanout.class.getName());
  /** Sessions refreshed per batch, and the pause between batches. */
  private static final int BATCH = 500;
  private static final long PAUSE_MILLIS = 5;
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
    fleet.records(new HeldByNode(nodeName)).onComplete(r -> {
      if (r.failed()) {
        LOG.log(Level.WARNING, "offer fan-out on " + nodeName + " could not read its agents; retrying", r.cause());
        again.set(true); // the cluster may be moving partitions (a node left): try again shortly
        vertx.setTimer(RETRY_MILLIS, id -> finished());
        return;
      }
      List<Map.Entry<String, AgentRecord>> work = new ArrayList<>(r.result().entrySet());
      refreshFrom(work, 0);
    });
  }

  private void refreshFrom(List<Map.Entry<String, AgentRecord>> work, int start) {
    int end = Math.min(work.size(), start + BATCH);
    for (int i = start; i < end; i++) {
      LiveSession session = sessions.holder(work.get(i).getKey());
      if (session != null) {
        session.refresh(work.get(i).getValue());
      }
    }
    if (end < work.size()) {
      vertx.setTimer(PAUSE_MILLIS, id -> refreshFrom(work, end));
    } else {
      finished();
    }
  }

  private void finished() {
    running.set(false);
    if (again.getAndSet(false)) {
      desiredStateChanged();
    }
  }
}
