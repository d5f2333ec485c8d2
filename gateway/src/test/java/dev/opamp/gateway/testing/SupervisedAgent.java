package dev.opamp.gateway.testing;

import com.google.protobuf.ByteString;
import dev.opamp.gateway.proto.AgentCapabilities;
import dev.opamp.gateway.proto.AgentDescription;
import dev.opamp.gateway.proto.AgentToServer;
import dev.opamp.gateway.proto.PackageAvailable;
import dev.opamp.gateway.proto.PackageStatus;
import dev.opamp.gateway.proto.PackageStatusEnum;
import dev.opamp.gateway.proto.PackageStatuses;
import dev.opamp.gateway.proto.PackageType;
import dev.opamp.gateway.proto.PackagesAvailable;
import dev.opamp.gateway.proto.ServerToAgent;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * A WebSocket agent run by a simulated OpAMP supervisor that accepts packages: on an offer it
 * reports Downloading, downloads every file over HTTP and checks its SHA-256, then either reports
 * InstallFailed or reports Installed and "restarts": it reconnects with the new version as its
 * {@code service.version} (or, as told, the old one, or unhealthy).
 */
public final class SupervisedAgent implements AutoCloseable {

  /** What the simulated install of a top-level version does. */
  public enum Outcome { INSTALL, FAIL, UNHEALTHY, WRONG_VERSION }

  private static final long CAPABILITIES = Messages.PACKAGE_CAPABILITIES
      | AgentCapabilities.AgentCapabilities_AcceptsRestartCommand_VALUE;

  private final Vertx vertx;
  private final WebSocketClient client;
  private final HttpClient http;
  private final int port;
  private final ByteString uid = Messages.newUid();
  private final String serviceName;
  private final AtomicLong sequence = new AtomicLong(1);
  private final List<PackagesAvailable> offers = new CopyOnWriteArrayList<>();
  private volatile Function<String, Outcome> outcome = version -> Outcome.INSTALL;
  private volatile String version;
  private volatile boolean healthy = true;
  private volatile PackageStatuses statuses;
  private volatile ByteString workingOn = ByteString.EMPTY;
  private volatile WebSocket socket;
  private volatile boolean closed;

  public SupervisedAgent(Vertx vertx, int port, String serviceName, String version) {
    this.vertx = vertx;
    this.client = vertx.createWebSocketClient();
    this.http = vertx.createHttpClient();
    this.port = port;
    this.serviceName = serviceName;
    this.version = version;
  }

  /** What installing each top-level version does (by default: it installs and runs healthy). */
  public SupervisedAgent outcome(Function<String, Outcome> rule) {
    this.outcome = rule;
    return this;
  }

  public SupervisedAgent start() {
    connect();
    return this;
  }

  public String key() {
    return Messages.key(uid);
  }

  /** The version it runs now, as its description says. */
  public String version() {
    return version;
  }

  public boolean healthy() {
    return healthy;
  }

  /** Every PackagesAvailable offer it received, oldest first. */
  public List<PackagesAvailable> offers() {
    return offers;
  }

  /** The top-level version of each offer it received, oldest first. */
  public List<String> offeredVersions() {
    List<String> out = new ArrayList<>();
    for (PackagesAvailable o : offers) {
      o.getPackagesMap().values().stream().filter(p -> p.getType() == PackageType.PackageType_TopLevel)
          .forEach(p -> out.add(p.getVersion()));
    }
    return out;
  }

  private void connect() {
    if (closed) {
      return;
    }
    client.connect(new WebSocketConnectOptions().setHost("127.0.0.1").setPort(port).setURI("/v1/opamp"))
        .onSuccess(ws -> {
          socket = ws;
          ws.binaryMessageHandler(b -> onMessage(ws, b));
          ws.closeHandler(v -> {
            if (socket == ws) {
              socket = null;
              retry();
            }
          });
          send(ws, fullState());
        })
        .onFailure(e -> retry());
  }

  private void retry() {
    if (!closed) {
      vertx.setTimer(200, id -> connect());
    }
  }

  private AgentToServer fullState() {
    AgentToServer.Builder m = Messages.fullState(uid, sequence.getAndIncrement(), serviceName).toBuilder()
        .setCapabilities(CAPABILITIES)
        .setAgentDescription(AgentDescription.newBuilder()
            .addIdentifyingAttributes(Messages.attr("service.name", serviceName))
            .addIdentifyingAttributes(Messages.attr("service.version", version))
            .addNonIdentifyingAttributes(Messages.attr("env", "test")))
        .setHealth(Messages.healthy(healthy, healthy ? "running" : "crash looping"));
    if (statuses != null) {
      m.setPackageStatuses(statuses);
    }
    return m.build();
  }

  private void onMessage(WebSocket ws, Buffer b) {
    ServerToAgent m;
    try {
      m = ServerToAgent.parseFrom(b.getBytes(1, b.length()));
    } catch (Exception e) {
      throw new AssertionError("undecodable reply", e);
    }
    if ((m.getFlags() & 1) != 0) {
      send(ws, fullState());
    }
    if (m.hasPackagesAvailable() && !m.getPackagesAvailable().getAllPackagesHash().equals(workingOn)) {
      PackagesAvailable offer = m.getPackagesAvailable();
      offers.add(offer);
      workingOn = offer.getAllPackagesHash();
      install(offer);
    }
  }

  /** What a supervisor does with an offer. */
  private void install(PackagesAvailable offer) {
    report(offer, PackageStatusEnum.PackageStatusEnum_Downloading, null);
    List<Future<Void>> downloads = new ArrayList<>();
    for (PackageAvailable p : offer.getPackagesMap().values()) {
      downloads.add(download(p));
    }
    Future.all(downloads).onComplete(done -> {
      if (!offer.getAllPackagesHash().equals(workingOn)) {
        return; // a newer offer came meanwhile
      }
      if (done.failed()) {
        report(offer, PackageStatusEnum.PackageStatusEnum_InstallFailed, done.cause().getMessage());
        return;
      }
      String topLevel = offer.getPackagesMap().values().stream()
          .filter(p -> p.getType() == PackageType.PackageType_TopLevel).map(PackageAvailable::getVersion)
          .findFirst().orElse(version);
      Outcome result = outcome.apply(topLevel);
      if (result == Outcome.FAIL) {
        report(offer, PackageStatusEnum.PackageStatusEnum_InstallFailed, "the new collector did not start");
        return;
      }
      report(offer, PackageStatusEnum.PackageStatusEnum_Installed, null);
      // The supervisor restarts the collector: it comes back with the version it now runs.
      version = result == Outcome.WRONG_VERSION ? version : topLevel;
      healthy = result != Outcome.UNHEALTHY;
      WebSocket ws = socket;
      if (ws != null) {
        ws.close(); // the close handler reconnects with the new description
      }
    });
  }

  private Future<Void> download(PackageAvailable p) {
    return http.request(new RequestOptions().setMethod(HttpMethod.GET).setAbsoluteURI(p.getFile().getDownloadUrl()))
        .compose(request -> request.send())
        .compose(response -> response.statusCode() == 200 ? response.body()
            : Future.failedFuture("download answered " + response.statusCode()))
        .compose(body -> {
          try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(body.getBytes());
            return ByteString.copyFrom(hash).equals(p.getFile().getContentHash()) ? Future.succeededFuture()
                : Future.failedFuture("the file's SHA-256 does not match the offer");
          } catch (Exception e) {
            return Future.failedFuture(e);
          }
        });
  }

  private void report(PackagesAvailable offer, PackageStatusEnum status, String error) {
    PackageStatuses.Builder s = PackageStatuses.newBuilder().setServerProvidedAllPackagesHash(offer.getAllPackagesHash());
    for (Map.Entry<String, PackageAvailable> e : offer.getPackagesMap().entrySet()) {
      boolean installed = status == PackageStatusEnum.PackageStatusEnum_Installed;
      s.putPackages(e.getKey(), PackageStatus.newBuilder()
          .setName(e.getKey())
          .setAgentHasVersion(installed ? e.getValue().getVersion() : "")
          .setAgentHasHash(installed ? e.getValue().getHash() : ByteString.EMPTY)
          .setServerOfferedVersion(e.getValue().getVersion())
          .setServerOfferedHash(e.getValue().getHash())
          .setStatus(status)
          .setErrorMessage(error == null ? "" : error)
          .build());
    }
    statuses = s.build();
    WebSocket ws = socket;
    if (ws != null) {
      send(ws, Messages.heartbeat(uid, sequence.getAndIncrement()).toBuilder().setCapabilities(CAPABILITIES)
          .setPackageStatuses(statuses).build());
    }
  }

  private void send(WebSocket ws, AgentToServer m) {
    ws.writeBinaryMessage(Buffer.buffer().appendByte((byte) 0).appendBytes(m.toByteArray()));
  }

  @Override
  public void close() {
    closed = true;
    WebSocket ws = socket;
    socket = null;
    if (ws != null) {
      ws.close();
    }
  }
}
