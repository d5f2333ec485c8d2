package dev.opamp.gateway;

import com.hazelcast.core.HazelcastInstance;
import dev.opamp.gateway.api.AdminServer;
import dev.opamp.gateway.api.AgentsResource;
import dev.opamp.gateway.api.ApiResource;
import dev.opamp.gateway.api.CommandsResource;
import dev.opamp.gateway.api.ConfigsResource;
import dev.opamp.gateway.api.ConnectionSettingsResource;
import dev.opamp.gateway.api.CredentialsResource;
import dev.opamp.gateway.api.NodesResource;
import dev.opamp.gateway.api.PackageAssignmentsResource;
import dev.opamp.gateway.api.PackagesResource;
import dev.opamp.gateway.api.RolloutsResource;
import dev.opamp.gateway.cluster.AgentRouter;
import dev.opamp.gateway.cluster.LocalNode;
import dev.opamp.gateway.cluster.NodeDirectory;
import dev.opamp.gateway.cluster.ClusterNode;
import dev.opamp.gateway.config.GatewaySettings;
import dev.opamp.gateway.config.SettingsException;
import dev.opamp.gateway.credentials.AgentCredentials;
import dev.opamp.gateway.credentials.ConnectionSettingsCatalog;
import dev.opamp.gateway.credentials.ConnectionSettingsOffer;
import dev.opamp.gateway.credentials.ConnectionSettingsRollouts;
import dev.opamp.gateway.fleet.FleetStore;
import dev.opamp.gateway.metrics.GatewayMetrics;
import dev.opamp.gateway.packages.DownloadLinks;
import dev.opamp.gateway.packages.PackageCatalog;
import dev.opamp.gateway.packages.PackageDownloads;
import dev.opamp.gateway.packages.PackageFiles;
import dev.opamp.gateway.packages.PackageOffer;
import dev.opamp.gateway.packages.PackageRepository;
import dev.opamp.gateway.packages.PackageRollouts;
import dev.opamp.gateway.protocol.OfferFanout;
import dev.opamp.gateway.protocol.OpampProtocol;
import dev.opamp.gateway.protocol.RemoteConfigOffer;
import dev.opamp.gateway.remoteconfig.ConfigCatalog;
import dev.opamp.gateway.remoteconfig.ConfigRepository;
import dev.opamp.gateway.remoteconfig.ConfigRolloutSubject;
import dev.opamp.gateway.remoteconfig.RolloutDriver;
import dev.opamp.gateway.remoteconfig.RolloutRepository;
import dev.opamp.gateway.session.SessionRegistry;
import dev.opamp.gateway.tls.ClientCertificatePolicy;
import dev.opamp.gateway.tls.DeferredClientCertificatePolicy;
import dev.opamp.gateway.tls.GatewayTls;
import dev.opamp.gateway.transport.OpampEndpoint;
import dev.opamp.gateway.transport.TransportLimits;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Logger;

/**
 * One running gateway node: its Hazelcast member, the OpAMP endpoint and the admin server,
 * started in that order and stopped in reverse. Tests start several in one JVM.
 */
public final class GatewayNode {

  private static final Logger LOG = Logger.getLogger(GatewayNode.class.getName());

  private final Vertx vertx;
  private final GatewaySettings settings;
  private final ClusterNode cluster;
  private final GatewayMetrics metrics;
  private final OpampEndpoint opamp;
  private final AdminServer admin;
  private final NodeDirectory directory;
  private final ConfigCatalog catalog;
  private final RolloutDriver rollouts;
  private final Credentials credentials;
  private final GatewayTls tls;
  private final PackageCatalog packageCatalog;

  /** The credentials side of a node: the CA at work and the connection-settings definitions. */
  private record Credentials(AgentCredentials agents, ConnectionSettingsCatalog settings) {
    void stop() {
      agents.stop();
      settings.stop();
    }
  }

  private GatewayNode(Vertx vertx, GatewaySettings settings, ClusterNode cluster, GatewayMetrics metrics,
      OpampEndpoint opamp, AdminServer admin, NodeDirectory directory, ConfigCatalog catalog,
      RolloutDriver rollouts, Credentials credentials, GatewayTls tls, PackageCatalog packageCatalog) {
    this.vertx = vertx;
    this.settings = settings;
    this.cluster = cluster;
    this.metrics = metrics;
    this.opamp = opamp;
    this.admin = admin;
    this.directory = directory;
    this.catalog = catalog;
    this.rollouts = rollouts;
    this.credentials = credentials;
    this.tls = tls;
    this.packageCatalog = packageCatalog;
  }

  /** Starts a node on a Vert.x instance of its own (one event loop per core). */
  public static Future<GatewayNode> start(GatewaySettings settings) {
    Vertx vertx = Vertx.vertx(new VertxOptions().setPreferNativeTransport(true));
    return start(vertx, settings).onFailure(e -> vertx.close());
  }

  /**
   * Starts a node whose OpAMP port judges client certificates by {@code clientCertificates}
   * (trust anchors and revocations) instead of the gateway's own; tests use it.
   */
  public static Future<GatewayNode> start(GatewaySettings settings, ClientCertificatePolicy clientCertificates) {
    Vertx vertx = Vertx.vertx(new VertxOptions().setPreferNativeTransport(true));
    return start(vertx, settings, clientCertificates).onFailure(e -> vertx.close());
  }

  static Future<GatewayNode> start(Vertx vertx, GatewaySettings settings) {
    // The gateway CA and its revocations judge client certificates once the credentials side has
    // started (it needs the cluster); the OpAMP port opens only after that.
    return start(vertx, settings, new DeferredClientCertificatePolicy());
  }

  private static Future<GatewayNode> start(Vertx vertx, GatewaySettings settings,
      ClientCertificatePolicy clientCertificates) {
    SessionRegistry sessions = new SessionRegistry();
    GatewayMetrics metrics = new GatewayMetrics(sessions, settings.nodeName());
    metrics.receiveBudgetLimit(settings.receiveBudgetBytes());
    // PEM files are checked before anything starts: a bad one stops the start with its flag named.
    return GatewayTls.load(vertx, settings, clientCertificates, metrics)
        .compose(tls -> start(vertx, settings, sessions, metrics, tls, clientCertificates));
  }

  private static Future<GatewayNode> start(Vertx vertx, GatewaySettings settings, SessionRegistry sessions,
      GatewayMetrics metrics, GatewayTls tls, ClientCertificatePolicy clientCertificates) {
    int eventLoops = VertxOptions.DEFAULT_EVENT_LOOP_POOL_SIZE;
    return ClusterNode.start(vertx, settings).compose(cluster -> openDesiredMaps(vertx, cluster)).compose(cluster -> {
      HazelcastInstance hazelcast = cluster.hazelcast();
      FleetStore fleet = new FleetStore(vertx, hazelcast);
      LocalNode local = cluster.attach(vertx, sessions);
      AgentRouter router = new AgentRouter(vertx, hazelcast, local, fleet);
      ConfigRepository configs = new ConfigRepository(vertx, hazelcast);
      RolloutRepository rolloutStore = new RolloutRepository(vertx, hazelcast, configs);
      ConfigCatalog catalog = new ConfigCatalog(vertx, configs, rolloutStore);
      PackageRepository packageStore = new PackageRepository(vertx, hazelcast, rolloutStore);
      PackageRollouts packageRollouts = new PackageRollouts(vertx, packageStore, rolloutStore, fleet);
      ConnectionSettingsCatalog connectionSettings = new ConnectionSettingsCatalog(vertx, hazelcast, rolloutStore);
      ConnectionSettingsRollouts settingsRollouts = new ConnectionSettingsRollouts(vertx, connectionSettings,
          rolloutStore, fleet);
      RolloutDriver rollouts = new RolloutDriver(vertx, hazelcast, rolloutStore, fleet,
          List.of(new ConfigRolloutSubject(configs, fleet), packageRollouts, settingsRollouts));
      OfferFanout fanout = new OfferFanout(vertx, fleet, sessions, cluster.nodeName());
      catalog.onChange(fanout::desiredStateChanged);
      connectionSettings.onChange(fanout::desiredStateChanged);
      PackageFiles packageFiles = new PackageFiles(vertx, hazelcast, settings.dataDir());
      PackageCatalog packages = new PackageCatalog(vertx, packageStore, packageFiles, rolloutStore);
      packages.onChange(fanout::desiredStateChanged);
      DownloadLinks links = new DownloadLinks(settings.packageUrlTtl(), settings.packageBaseUrl());
      PackageDownloads downloads = new PackageDownloads(vertx, packageFiles, links, metrics,
          settings.packageMaxDownloads());
      AtomicInteger opampPort = new AtomicInteger(settings.opampPort());
      NodeDirectory directory = new NodeDirectory(vertx, hazelcast, local, fleet, settings.agentRetention());
      // Agents a previous run of this node held are gone with it: show them disconnected first.
      return catalog.start()
          .compose(loaded -> packageFiles.start())
          .compose(ready -> links.start(vertx, hazelcast, settings.opampHost()))
          .compose(ready -> packages.start())
          .compose(loaded -> AgentCredentials.start(vertx, hazelcast, settings, metrics,
              hazelcast.getConfig().getClusterName()))
          .compose(agentCredentials -> {
            agentCredentials.onChange(fanout::desiredStateChanged);
            if (clientCertificates instanceof DeferredClientCertificatePolicy deferred) {
              deferred.resolve(agentCredentials.clientCertificatePolicy());
            }
            Credentials credentials = new Credentials(agentCredentials, connectionSettings);
            OpampProtocol protocol = new OpampProtocol(cluster.nodeName(), fleet, sessions, metrics, router,
                List.of(new RemoteConfigOffer(catalog, fleet),
                    new PackageOffer(packages, fleet, links, metrics, packageStore),
                    new ConnectionSettingsOffer(agentCredentials, connectionSettings, fleet, sessions,
                        () -> agentOpampEndpoint(settings, opampPort.get()), settings.heartbeatIntervalSeconds())));
            List<ApiResource> api = List.of(new AgentsResource(fleet), new CommandsResource(fleet, router),
                new NodesResource(vertx, directory, router), new ConfigsResource(configs, catalog::reload),
                new RolloutsResource(vertx, rolloutStore, rollouts, packageRollouts, settingsRollouts),
                new PackagesResource(vertx, packageStore, packageFiles, settings.packageMaxUploadBytes(),
                    packages::reload),
                new PackageAssignmentsResource(packageStore, packages::reload),
                new CredentialsResource(agentCredentials, fleet),
                new ConnectionSettingsResource(connectionSettings, connectionSettings::reload));
            return connectionSettings.start()
                .compose(loaded -> tls.refreshTrust(vertx))
                .compose(trusted -> fleet.disconnectNode(cluster.nodeName(), protocol.firstEpoch()))
                .compose(stale -> OpampEndpoint.start(vertx, settings.opampHost(), settings.opampPort(), eventLoops,
                    transportLimits(settings), protocol, metrics, local::acceptsAgents, tls.opamp(), downloads))
                .recover(e -> cannotListen("--opamp-port", settings.opampHost(), settings.opampPort(), e))
                .compose(opamp -> {
                  opampPort.set(opamp.port());
                  links.listening(settings.opampTls() ? "https" : "http", opamp.port());
                  return AdminServer.start(vertx, settings.adminHost(), settings.adminPort(),
                          settings.adminAuthToken(), metrics, () -> cluster.isRunning() && local.acceptsAgents(), api,
                          tls.admin())
                      .recover(e -> cannotListen("--admin-port", settings.adminHost(), settings.adminPort(), e))
                      .map(admin -> {
                        directory.start();
                        rollouts.start();
                        metrics.startSampling(vertx, hazelcast);
                        tls.startWatching(vertx, settings);
                        return new GatewayNode(vertx, settings, cluster, metrics, opamp, admin, directory, catalog,
                            rollouts, credentials, tls, packages);
                      });
                })
                .onFailure(e -> credentials.stop());
          })
          .recover(failure -> {
            catalog.stop();
            packages.stop();
            return cluster.stop(vertx).transform(ignored -> Future.failedFuture(failure));
          });
    }).onSuccess(node -> LOG.info(() -> "gateway node " + node.cluster.nodeName() + " ready: OpAMP on "
        + (settings.opampTls() ? "https/wss " : "") + settings.opampHost() + ":" + node.opampPort()
        + OpampEndpoint.PATH + ", admin on " + (settings.adminTls() ? "https " : "") + settings.adminHost() + ":"
        + node.adminPort()));
  }

  /**
   * Opens, on a worker thread, the desired-state maps that the components built next open on the
   * event loop: a map's first opening waits for its initial load from the store and, on a node
   * joining a cluster, for the members that load it. Later openings return at once.
   */
  private static Future<ClusterNode> openDesiredMaps(Vertx vertx, ClusterNode cluster) {
    return vertx.executeBlocking(() -> {
      for (String map : List.of(ConfigRepository.HEADS_MAP, ConfigRepository.VERSIONS_MAP,
          ConfigRepository.OVERRIDES_MAP, RolloutRepository.ROLLOUTS_MAP, PackageRepository.VERSIONS_MAP,
          PackageRepository.ASSIGNMENTS_MAP, PackageRepository.BLOCKS_MAP, ConnectionSettingsCatalog.MAP)) {
        cluster.hazelcast().getMap(map);
      }
      return cluster;
    }, false).recover(failure -> cluster.stop(vertx).transform(ignored -> Future.failedFuture(failure)));
  }

  private static <T> Future<T> cannotListen(String flag, String host, int port, Throwable cause) {
    return Future.failedFuture(new SettingsException(flag + ": cannot listen on " + host + ":" + port
        + " (" + SettingsException.reasonOf(cause) + ")", cause));
  }

  /** The OpAMP URL offered to agents with their certificate when no definition names one. */
  static String agentOpampEndpoint(GatewaySettings s, int port) {
    return s.agentOpampEndpoint() != null ? s.agentOpampEndpoint()
        : (s.opampTls() ? "wss://" : "ws://") + s.opampHost() + ":" + port + OpampEndpoint.PATH;
  }

  static TransportLimits transportLimits(GatewaySettings s) {
    return new TransportLimits(s.maxMessageBytes(), s.receiveBudgetBytes(), s.wsPingInterval(), s.wsIdleTimeout(),
        s.firstMessageTimeout(), s.httpSessionTimeout(), s.writeQueueMaxBytes(), s.slowConsumerTimeout(),
        s.opampAuthToken());
  }

  public int opampPort() {
    return opamp.port();
  }

  public int adminPort() {
    return admin.port();
  }

  public String nodeName() {
    return cluster.nodeName();
  }

  public Vertx vertx() {
    return vertx;
  }

  public ClusterNode cluster() {
    return cluster;
  }

  public GatewayMetrics metrics() {
    return metrics;
  }

  public GatewaySettings settings() {
    return settings;
  }

  /**
   * What the OpAMP listener should accept as client certificates under mTLS: chains to the
   * gateway CA, and not revoked (cluster-wide).
   */
  public ClientCertificatePolicy clientCertificatePolicy() {
    return credentials.agents().clientCertificatePolicy();
  }

  /** The gateway CA's certificate, PEM. */
  public String caCertificatePem() {
    return credentials.agents().caCertificatePem();
  }

  /** Stops accepting agents, closes the admin port, leaves the cluster, then closes Vert.x. */
  public Future<Void> stop() {
    // Completed outside Vert.x: once Vert.x is closed, its contexts deliver nothing more.
    Promise<Void> stopped = Promise.promise();
    metrics.stopSampling();
    tls.stopWatching();
    directory.stop();
    catalog.stop();
    packageCatalog.stop();
    rollouts.stop();
    credentials.stop();
    opamp.stop()
        .eventually(admin::stop)
        .eventually(() -> cluster.stop(vertx))
        .onComplete(ignored -> {
          metrics.close();
          vertx.close().onComplete(stopped);
        });
    return stopped.future();
  }
}
