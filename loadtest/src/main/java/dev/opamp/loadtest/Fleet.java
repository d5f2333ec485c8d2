package dev.opamp.loadtest;

import io.vertx.core.json.JsonObject;

/** The simulated agents, in this process ({@link LocalFleet}) or in worker processes ({@link WorkerFleet}). */
interface Fleet extends AutoCloseable {

  /** Starts connecting every agent at the ramp rate; returns at once. */
  void ramp();

  FleetStatus status();

  /** Forgets earlier outcomes (config, package, certificate reports); returns once every process has done so. */
  void armOutcomes();

  /** Every connected agent generates a key pair and sends a certificate request (CSR) now. */
  void requestCertificates();

  /**
   * Failover: from now on, every agent connected to target {@code targetIndex} (about to be killed)
   * is timed from {@code killMicros} to its next connection; returns once every process has counted them.
   */
  void armFailover(int targetIndex, long killMicros);

  /** Every WebSocket agent drops its connection at once and reconnects straight away. */
  void storm();

  /** From now on, {@code percentPerSecond} of the WebSocket agents drop and reconnect each second; 0 stops. */
  void churn(double percentPerSecond);

  /** The merged latency histograms (encoded), the fanout one measured from {@code putMicros}. */
  JsonObject histograms(long putMicros);

  /** The processes holding the agents, for their CPU time. */
  java.util.List<Long> pids();

  /** Stops every agent and releases everything. */
  @Override
  void close();
}
