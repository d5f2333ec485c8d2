package dev.opamp.gateway.tls;

import dev.opamp.gateway.fleet.Hex;
import dev.opamp.gateway.metrics.GatewayMetrics;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.KeyCertOptions;
import io.vertx.core.net.ServerSSLOptions;
import io.vertx.core.net.TrustOptions;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Level;
import java.util.logging.Logger;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * TLS of one listener (the OpAMP port or the admin port): its certificate and key, and for the
 * OpAMP port the client-certificate trust. A periodic check on a worker thread notices when the
 * PEM files, the trust bundle or the policy's anchors change and puts the new material in force
 * for new connections on every server of the listener, without a restart; open connections keep
 * theirs. New material that cannot serve leaves the old in place, with a warning.
 */
public final class ListenerTls {

  private static final Logger LOG = Logger.getLogger(ListenerTls.class.getName());
  private static final long UPDATE_TIMEOUT_SECONDS = 30;

  private final ListenerFiles files;
  private final ClientAuthentication clientAuth;
  private final ClientCertificateTrust trust;
  private final TrustOptions trustOptions;
  private final Path bundleFile;
  private final String bundleLabel;
  private final ClientCertificatePolicy policy;
  private final GatewayMetrics metrics;
  private final List<HttpServer> servers = new CopyOnWriteArrayList<>();
  private final AtomicBoolean checking = new AtomicBoolean();

  private volatile ServerCertificate serving;
  private volatile ServerSSLOptions sslOptions;
  // What the watcher saw last (worker thread only; one check at a time).
  private String seenCertificate;
  private String seenBundle;
  private List<X509Certificate> bundle = List.of();
  private List<X509Certificate> policyAnchors = List.of();
  private Vertx vertx;
  private long timer = -1;

  private ListenerTls(ListenerFiles files, ServerCertificate serving, ClientAuthentication clientAuth,
      ClientCertificateTrust trust, Path bundleFile, String bundleLabel, ClientCertificatePolicy policy,
      GatewayMetrics metrics) {
    this.files = files;
    this.serving = serving;
    this.clientAuth = clientAuth;
    this.trust = trust;
    this.trustOptions = trust == null ? null : TrustOptions.wrap(trust);
    this.bundleFile = bundleFile;
    this.bundleLabel = bundleLabel;
    this.policy = policy;
    this.metrics = metrics;
    this.seenCertificate = Hex.hex(serving.digest());
    this.sslOptions = sslOptionsFor(serving);
  }

  /** A listener that serves TLS without asking clients for certificates (the admin port). */
  public static ListenerTls serverOnly(ListenerFiles files, GatewayMetrics metrics) throws TlsMaterialException {
    return load(files, ClientAuthentication.NONE, null, null, ClientCertificatePolicy.NONE, metrics);
  }

  /**
   * Reads and checks the listener's files (blocking: call on a worker thread). With client
   * authentication, client chains must lead to the policy's anchors or to the certificates in
   * {@code bundleFile} (null for none).
   */
  public static ListenerTls load(ListenerFiles files, ClientAuthentication clientAuth, Path bundleFile,
      String bundleLabel, ClientCertificatePolicy policy, GatewayMetrics metrics) throws TlsMaterialException {
    ServerCertificate serving = ServerCertificate.read(files);
    warnIfNotValidNow(files, serving);
    ClientCertificateTrust trust = clientAuth == ClientAuthentication.NONE ? null
        : new ClientCertificateTrust(policy, metrics::tlsClientRefused);
    ListenerTls tls = new ListenerTls(files, serving, clientAuth, trust, bundleFile, bundleLabel, policy, metrics);
    if (trust != null) {
      if (bundleFile != null) {
        byte[] pem = PemFiles.read(bundleFile, bundleLabel);
        tls.bundle = PemFiles.certificates(bundleFile, bundleLabel, pem);
        tls.seenBundle = Hex.hex(ServerCertificate.digestOf(pem, new byte[0]));
      }
      tls.policyAnchors = List.copyOf(policy.trustAnchors());
      trust.trust(tls.anchors());
    }
    metrics.tlsCertificateExpiry(files.listener(), tls::daysToExpiry);
    return tls;
  }

  /** Turns TLS on in a server's options, with the material in force now. */
  public void configure(HttpServerOptions options) {
    ServerSSLOptions current = sslOptions;
    options.setSsl(true)
        .setKeyCertOptions(current.getKeyCertOptions())
        .setClientAuth(current.getClientAuth());
    if (trustOptions != null) {
      options.setTrustOptions(trustOptions);
    }
  }

  /**
   * A server of this listener (one per event loop for the OpAMP port): reloads reach it, and its
   * failed handshakes are counted. Call before it listens.
   */
  public void serve(HttpServer server) {
    servers.add(server);
    server.exceptionHandler(failure -> {
      if (isTlsFailure(failure)) {
        metrics.tlsHandshakeFailed(files.listener());
      }
    });
  }

  private static boolean isTlsFailure(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof javax.net.ssl.SSLException) {
        return true;
      }
    }
    return false;
  }

  /** Starts watching the files every {@code interval} on a worker thread. */
  public synchronized void startWatching(Vertx vertx, Duration interval) {
    this.vertx = vertx;
    timer = vertx.setPeriodic(interval.toMillis(), id -> {
      if (checking.compareAndSet(false, true)) {
        vertx.executeBlocking(() -> {
          check();
          return null;
        }, false).onComplete(done -> {
          checking.set(false);
          if (done.failed()) {
            LOG.log(Level.WARNING, files.listener() + " listener: TLS reload check failed", done.cause());
          }
        });
      }
    });
  }

  public synchronized void stopWatching() {
    if (vertx != null && timer >= 0) {
      vertx.cancelTimer(timer);
      timer = -1;
    }
    servers.clear();
  }

  /** The client certificate a connection presented and the handshake verified; null without one. */
  public static X509Certificate peerCertificate(SSLSession session) {
    if (session == null) {
      return null;
    }
    try {
      var chain = session.getPeerCertificates();
      return chain.length > 0 && chain[0] instanceof X509Certificate leaf ? leaf : null;
    } catch (SSLPeerUnverifiedException e) {
      return null;
    }
  }

  /**
   * True if the policy revokes this client certificate now. The handshake already refuses a
   * revoked certificate; this catches a TLS session resumed, or a connection kept alive, since.
   */
  public boolean isRevoked(X509Certificate peer) {
    return trust != null && trust.isRevoked(peer);
  }

  public boolean asksForClientCertificates() {
    return trust != null;
  }

  /** The serving certificate (for tests and logs). */
  public X509Certificate certificate() {
    return serving.leaf();
  }

  double daysToExpiry() {
    return Duration.between(Instant.now(), serving.notAfter()).toSeconds() / 86_400.0;
  }

  /**
   * Takes the policy's anchors as they are now (worker thread): called once the policy is known,
   * before the listener opens. Warns when no client certificate could be trusted.
   */
  public void refreshTrust() {
    if (trust == null) {
      return;
    }
    checkTrust();
    if (trust.anchors().isEmpty()) {
      LOG.warning(files.listener() + " listener: --opamp-client-auth " + clientAuth.label()
          + " but no trust anchor (no --opamp-client-ca and none from the gateway CA): every client "
          + "certificate will be refused");
    }
  }

  /** One look at the files and anchors (worker thread): puts changed, usable material in force. */
  void check() {
    checkCertificate();
    if (trust != null) {
      checkTrust();
    }
  }

  private void checkCertificate() {
    byte[] certPem;
    byte[] keyPem;
    try {
      certPem = PemFiles.read(files.cert(), files.certLabel());
      keyPem = PemFiles.read(files.key(), files.keyLabel());
    } catch (TlsMaterialException e) {
      if (!e.getMessage().equals(seenCertificate)) {
        seenCertificate = e.getMessage();
        failed(e.getMessage());
      }
      return;
    }
    String digest = Hex.hex(ServerCertificate.digestOf(certPem, keyPem));
    if (digest.equals(seenCertificate)) {
      return;
    }
    seenCertificate = digest;
    if (digest.equals(Hex.hex(serving.digest()))) {
      return; // back to what is served (after a bad edit was undone)
    }
    ServerCertificate next;
    try {
      next = ServerCertificate.parse(files, certPem, keyPem);
    } catch (TlsMaterialException e) {
      failed(e.getMessage());
      return;
    }
    warnIfNotValidNow(files, next);
    ServerSSLOptions options = sslOptionsFor(next);
    try {
      List<Future<Boolean>> updates = new ArrayList<>();
      for (HttpServer server : servers) {
        updates.add(server.updateSSLOptions(options, false));
      }
      Future.all(updates).toCompletionStage().toCompletableFuture().get(UPDATE_TIMEOUT_SECONDS, TimeUnit.SECONDS);
    } catch (Exception e) {
      failed("the server refused the new certificate (" + e.getClass().getSimpleName() + ")");
      return;
    }
    serving = next;
    sslOptions = options;
    metrics.tlsReload(files.listener(), GatewayMetrics.TLS_RELOAD_SUCCESS);
    LOG.info(() -> files.listener() + " listener: TLS certificate reloaded from " + files.cert() + " ("
        + next.leaf().getSubjectX500Principal().getName() + ", valid until " + next.notAfter() + ")");
  }

  private void checkTrust() {
    boolean changed = false;
    if (bundleFile != null) {
      try {
        byte[] pem = PemFiles.read(bundleFile, bundleLabel);
        String digest = Hex.hex(ServerCertificate.digestOf(pem, new byte[0]));
        if (!digest.equals(seenBundle)) {
          seenBundle = digest;
          bundle = PemFiles.certificates(bundleFile, bundleLabel, pem);
          changed = true;
        }
      } catch (TlsMaterialException e) {
        if (!e.getMessage().equals(seenBundle)) {
          seenBundle = e.getMessage();
          failed(e.getMessage());
        }
      }
    }
    List<X509Certificate> fromPolicy = List.copyOf(policy.trustAnchors());
    if (!fromPolicy.equals(policyAnchors)) {
      policyAnchors = fromPolicy;
      changed = true;
    }
    if (changed) {
      trust.trust(anchors());
      metrics.tlsReload(files.listener(), GatewayMetrics.TLS_RELOAD_SUCCESS);
      LOG.info(() -> files.listener() + " listener: client certificate trust reloaded ("
          + trust.anchors().size() + " anchors)");
    }
  }

  private List<X509Certificate> anchors() {
    List<X509Certificate> all = new ArrayList<>(policyAnchors);
    all.addAll(bundle);
    return all;
  }

  private void failed(String problem) {
    metrics.tlsReload(files.listener(), GatewayMetrics.TLS_RELOAD_FAILURE);
    LOG.warning(files.listener() + " listener: new TLS material not used, the current stays in force: " + problem);
  }

  private ServerSSLOptions sslOptionsFor(ServerCertificate certificate) {
    KeyCertOptions keys = certificate.keyCertOptions();
    ServerSSLOptions options = new ServerSSLOptions().setKeyCertOptions(keys).setClientAuth(clientAuth.vertx());
    if (trustOptions != null) {
      options.setTrustOptions(trustOptions);
    }
    return options;
  }

  private static void warnIfNotValidNow(ListenerFiles files, ServerCertificate certificate) {
    certificate.validityProblem(Instant.now()).ifPresent(problem -> LOG.warning(files.certLabel() + ": the "
        + files.listener() + " listener's certificate in " + files.cert() + " is " + problem
        + "; clients will refuse it"));
  }
}
