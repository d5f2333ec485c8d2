package dev.opamp.loadtest;

import io.vertx.core.json.JsonObject;
import java.util.Map;
import java.util.TreeMap;

/**
 * A fleet's counters at one moment, summed over worker processes.
 *
 * @param agents agents simulated
 * @param connected agents holding a session now (WebSocket open and answered, or HTTP polled)
 * @param everConnected agents that have been connected at least once
 * @param connects successful connections so far, reconnections included
 * @param errors errors by kind
 * @param rampDoneMicros when every agent had connected once (wall clock; 0 while not)
 * @param stormPhase storms started so far
 * @param stormReconnected WebSocket agents reconnected since the last storm
 * @param stormDoneMicros when every WebSocket agent had reconnected after the last storm (0 while not)
 * @param succeeded agents that reached the measured outcome since it was armed (a config APPLIED,
 *     a package set INSTALLED, a certificate received)
 * @param failed agents that failed it (FAILED, INSTALL_FAILED, a refused certificate request)
 * @param lastReportMicros the latest of those reports (wall clock)
 * @param webSocketAgents how many of the agents speak WebSocket
 * @param failoverAgents agents that were on the killed node when the failover was armed
 * @param failoverReconnected of those, how many have connected again since
 * @param failoverDoneMicros when the last of them connected again (0 while not)
 * @param downloadedBytes package bytes downloaded and hashed
 */
record FleetStatus(int agents, int connected, int everConnected, long connects, Map<String, Long> errors,
    long rampDoneMicros, int stormPhase, int stormReconnected, long stormDoneMicros, int succeeded, int failed,
    long lastReportMicros, int webSocketAgents, int failoverAgents, int failoverReconnected,
    long failoverDoneMicros, long downloadedBytes) {

  long errorCount() {
    return errors.values().stream().mapToLong(Long::longValue).sum();
  }

  JsonObject toJson() {
    return new JsonObject().put("agents", agents).put("connected", connected).put("everConnected", everConnected)
        .put("connects", connects).put("errors", new JsonObject(new TreeMap<>(errors)))
        .put("rampDoneMicros", rampDoneMicros).put("stormPhase", stormPhase)
        .put("stormReconnected", stormReconnected).put("stormDoneMicros", stormDoneMicros)
        .put("succeeded", succeeded).put("failed", failed).put("lastReportMicros", lastReportMicros)
        .put("webSocketAgents", webSocketAgents).put("failoverAgents", failoverAgents)
        .put("failoverReconnected", failoverReconnected).put("failoverDoneMicros", failoverDoneMicros)
        .put("downloadedBytes", downloadedBytes);
  }

  static FleetStatus fromJson(JsonObject o) {
    Map<String, Long> errors = new TreeMap<>();
    o.getJsonObject("errors").forEach(e -> errors.put(e.getKey(), ((Number) e.getValue()).longValue()));
    return new FleetStatus(o.getInteger("agents"), o.getInteger("connected"), o.getInteger("everConnected"),
        o.getLong("connects"), errors, o.getLong("rampDoneMicros"), o.getInteger("stormPhase"),
        o.getInteger("stormReconnected"), o.getLong("stormDoneMicros"), o.getInteger("succeeded"),
        o.getInteger("failed"), o.getLong("lastReportMicros"), o.getInteger("webSocketAgents"),
        o.getInteger("failoverAgents", 0), o.getInteger("failoverReconnected", 0), o.getLong("failoverDoneMicros", 0L),
        o.getLong("downloadedBytes", 0L));
  }

  /** The sum of several processes' statuses: a time is known only when every process knows it. */
  static FleetStatus merge(Iterable<FleetStatus> parts) {
    int agents = 0, connected = 0, ever = 0, phase = Integer.MAX_VALUE, stormRe = 0, succeeded = 0, failed = 0, ws = 0;
    long connects = 0, rampDone = 0, stormDone = 0, lastReport = 0, downloaded = 0;
    boolean rampKnown = true, stormKnown = true, failoverKnown = true;
    int foAgents = 0, foRe = 0;
    long foDone = 0;
    Map<String, Long> errors = new TreeMap<>();
    int n = 0;
    for (FleetStatus s : parts) {
      n++;
      agents += s.agents;
      connected += s.connected;
      ever += s.everConnected;
      connects += s.connects;
      s.errors.forEach((k, v) -> errors.merge(k, v, Long::sum));
      rampKnown &= s.rampDoneMicros > 0 || s.agents == 0;
      rampDone = Math.max(rampDone, s.rampDoneMicros);
      phase = Math.min(phase, s.stormPhase);
      stormRe += s.stormReconnected;
      stormKnown &= s.stormDoneMicros > 0 || s.webSocketAgents == 0;
      stormDone = Math.max(stormDone, s.stormDoneMicros);
      succeeded += s.succeeded;
      downloaded += s.downloadedBytes;
      failed += s.failed;
      lastReport = Math.max(lastReport, s.lastReportMicros);
      ws += s.webSocketAgents;
      foAgents += s.failoverAgents;
      foRe += s.failoverReconnected;
      failoverKnown &= s.failoverDoneMicros > 0;
      foDone = Math.max(foDone, s.failoverDoneMicros);
    }
    if (n == 0) {
      phase = 0;
    }
    return new FleetStatus(agents, connected, ever, connects, errors, rampKnown ? rampDone : 0, phase, stormRe,
        stormKnown ? stormDone : 0, succeeded, failed, lastReport, ws, foAgents, foRe, failoverKnown ? foDone : 0,
        downloaded);
  }
}
