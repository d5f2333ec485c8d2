package dev.opamp.gateway.protocol;

import dev.opamp.gateway.fleet.ReportOutcome;

/** Closes the session an agent left behind on another node when it reconnected here. */
@FunctionalInterface
public interface StaleSessions {
  void close(ReportOutcome.Holder displaced, String uidKey);
}
