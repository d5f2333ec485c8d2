package dev.opamp.gateway;

import com.hazelcast.core.HazelcastInstance;
import dev.opamp.gateway.api.AdminServer;
import dev.opamp.gateway.api.AgentsResource;
import dev.opamp.gateway.api.ApiResource;
import dev.opamp.gateway.api.CommandsResource;
import dev.opamp.gateway.api.ConfigsResource;
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
import dev.opamp.gateway.transport.OpampEndpoint;
import dev.opamp.gateway.transport.TransportLimits;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.util.List;
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
  private final PackageCatalog packageCatalog;

  private GatewayNode(Vertx vertx, GatewaySettings settings, ClusterNode cluster, GatewayMetrics metrics,
      OpampEndpoint opamp, AdminServer admin, NodeDirectory directory, ConfigCatalog catalog,
      RolloutDriver rollouts, PackageCatalog packageCatalog) {
    this.vertx = vertx;
    this.settings = settings;
    this.cluster = cluster;
    this.metrics = metrics;
    this.opamp = opamp;
    this.admin = admin;
    this.directory = directory;
    this.catalog = catalog;
    this.rollouts = rollouts;
    this.packageCatalog = packageCatalog;
  }

  /** Starts a node on a Vert.x instance of its own (one event loop per core). */
  public static Future<GatewayNode> start(GatewaySettings settings) {
    Vertx vertx = Vertx.vertx(new VertxOptions().setPreferNativeTransport(true));
    return start(vertx, settings).onFailure(e -> vertx.close());
  }

  static Future<GatewayNode> start(Vertx vertx, GatewaySettings settings) {
    SessionRegistry sessions = new SessionRegistry();
    GatewayMetrics metrics = new GatewayMetrics(sessions, settings.nodeName());
    metrics.receiveBudgetLimit(settings.receiveBudgetBytes());
    int eventLoops = VertxOptions.DEFAULT_EVENT_LOOP_POOL_SIZE;
    return ClusterNode.start(vertx, settings).compose(cluster -> {
      HazelcastInstance hazelcast = cluster.hazelcast();
      FleetStore fleet = new FleetStore(vertx, hazelcast);
      LocalNode local = cluster.attach(vertx, sessions);
      AgentRouter router = new AgentRouter(vertx, hazelcast, local, fleet);
      ConfigRepository configs = new ConfigRepository(vertx, hazelcast);
      RolloutRepository rolloutStore = new RolloutRepository(vertx, hazelcast, configs);
      ConfigCatalog catalog = new ConfigCatalog(vertx, configs, rolloutStore);
      PackageRepository packageStore = new PackageRepository(vertx, hazelcast, rolloutStore);
      PackageRollouts packageRollouts = new PackageRollouts(vertx, packageStore, rolloutStore, fleet);
      RolloutDriver rollouts = new RolloutDriver(vertx, hazelcast, rolloutStore, fleet,
          List.of(new ConfigRolloutSubject(configs, fleet), packageRollouts));
      OfferFanout fanout = new OfferFanout(vertx, fleet, sessions, cluster.nodeName());
      catalog.onChange(fanout::desiredStateChanged);
      PackageFiles packageFiles = new PackageFiles(vertx, hazelcast, settings.dataDir());
      PackageCatalog packages = new PackageCatalog(vertx, packageStore, packageFiles, rolloutStore);
      packages.onChange(fanout::desiredStateChanged);
      DownloadLinks links = new DownloadLinks(settings.packageUrlTtl(), settings.packageBaseUrl());
      PackageDownloads downloads = new PackageDownloads(vertx, packageFiles, links, metrics,
          settings.packageMaxDownloads());
      OpampProtocol protocol = new OpampProtocol(cluster.nodeName(), fleet, sessions, metrics, router,
          List.of(new RemoteConfigOffer(catalog, fleet), new PackageOffer(packages, fleet, links, metrics, packageStore)));
      NodeDirectory directory = new NodeDirectory(vertx, hazelcast, local, fleet, settings.agentRetention());
      List<ApiResource> api = List.of(new AgentsResource(fleet), new CommandsResource(fleet, router),
          new NodesResource(vertx, directory, router), new ConfigsResource(configs, catalog::reload),
          new RolloutsResource(vertx, rolloutStore, rollouts, packageRollouts),
          new PackagesResource(vertx, packageStore, packageFiles, settings.packageMaxUploadBytes(), packages::reload),
          new PackageAssignmentsResource(packageStore, packages::reload));
      // Agents a previous run of this node held are gone with it: show them disconnected first.
      return catalog.start()
          .compose(loaded -> packageFiles.start())
          .compose(ready -> links.start(vertx, hazelcast))
          .compose(ready -> packages.start())
          .compose(loaded -> fleet.disconnectNode(cluster.nodeName(), protocol.firstEpoch()))
          .compose(stale -> OpampEndpoint.start(vertx, settings.opampHost(), settings.opampPort(), eventLoops,
              transportLimits(settings), protocol, metrics, local::acceptsAgents, downloads))
          .recover(e -> cannotListen("--opamp-port", settings.opampHost(), settings.opampPort(), e))
          .onSuccess(opamp -> links.listening(settings.opampHost(), opamp.port()))
          .compose(opamp -> AdminServer.start(vertx, settings.adminHost(), settings.adminPort(),
                  settings.adminAuthToken(), metrics, () -> cluster.isRunning() && local.acceptsAgents(), api)
              .recover(e -> cannotListen("--admin-port", settings.adminHost(), settings.adminPort(), e))
              .map(admin -> {
                directory.start();
                rollouts.start();
                metrics.startSampling(vertx, hazelcast);
                return new GatewayNode(vertx, settings, cluster, metrics, opamp, admin, directory, catalog, rollouts,
                    packages);
              }))
          .recover(failure -> cluster.stop(vertx).transform(ignored -> Future.failedFuture(failure)));
    }).onSuccess(node -> LOG.info(() -> "gateway node " + node.cluster.nodeName() + " ready: OpAMP on "
        + settings.opampHost() + ":" + node.opampPort() + OpampEndpoint.PATH + ", admin on "
        + settings.adminHost() + ":" + node.adminPort()));
  }

  private static <T> Future<T> cannotListen(String flag, String host, int port, Throwable cause) {
    return Future.failedFuture(new SettingsException(flag + ": cannot listen on " + host + ":" + port
        + " (" + SettingsException.reasonOf(cause) + ")", cause));
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

  /** Stops accepting agents, closes the admin port, leaves the cluster, then closes Vert.x. */
  public Future<Void> stop() {
    // Completed outside Vert.x: once Vert.x is closed, its contexts deliver nothing more.
    Promise<Void> stopped = Promise.promise();
    metrics.stopSampling();
    directory.stop();
    catalog.stop();
    packageCatalog.stop();
    rollouts.stop();
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
