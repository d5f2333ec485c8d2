package dev.opamp.loadtest;

import com.google.protobuf.ByteString;
import dev.opamp.gateway.proto.Header;
import dev.opamp.gateway.proto.PackageAvailable;
import dev.opamp.gateway.proto.PackageDownloadDetails;
import dev.opamp.gateway.proto.PackageStatus;
import dev.opamp.gateway.proto.PackageStatusEnum;
import dev.opamp.gateway.proto.PackageStatuses;
import dev.opamp.gateway.proto.PackageType;
import dev.opamp.gateway.proto.PackagesAvailable;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * What the OpAMP supervisor does with a package offer, for one simulated agent: every package
 * whose hash differs from what the agent has is downloaded over HTTP (streamed through SHA-256,
 * never stored), checked against the offered content hash, installed (a delay; fails at
 * --failure-rate), and reported with the statuses a supervisor reports (InstallPending,
 * Downloading, Installing, Installed or InstallFailed). A new top-level version restarts the
 * agent: it reports its description again with the new {@code service.version}. A newer offer
 * (say, a rollback) abandons the work on the older one. Confined to the agent's event loop: the
 * downloads and timers are started there, so their callbacks run there too.
 */
final class PackageUpdates {

  private static final int MAX_DOWNLOAD_ATTEMPTS = 8;
  private static final long DEFAULT_RETRY_MILLIS = 2000;

  private final SimAgent agent;
  private final AgentEnv env;
  /** Per package: what the agent has, and how the last offer of it went. */
  private final Map<String, PackageStatus> statuses = new TreeMap<>();
  private ByteString offeredAllHash = ByteString.EMPTY;
  /** Bumped by every new offer: callbacks of an older one find it changed and stop. */
  private int generation;
  private boolean allFine = true;

  PackageUpdates(SimAgent agent, AgentEnv env) {
    this.agent = agent;
    this.env = env;
  }

  /** The statuses as the agent reports them now (in a full state, and after each step). */
  PackageStatuses report() {
    return PackageStatuses.newBuilder().putAllPackages(statuses).setServerProvidedAllPackagesHash(offeredAllHash)
        .build();
  }

  boolean hasReport() {
    return !statuses.isEmpty() || !offeredAllHash.isEmpty();
  }

  void offered(PackagesAvailable offer) {
    if (offer.getAllPackagesHash().equals(offeredAllHash)) {
      return; // the same set again (a re-offer on reconnect): already done or under way
    }
    int mine = ++generation;
    offeredAllHash = offer.getAllPackagesHash();
    allFine = true;
    statuses.keySet().retainAll(offer.getPackagesMap().keySet()); // packages no longer offered are removed
    List<String> work = new ArrayList<>();
    offer.getPackagesMap().forEach((name, p) -> {
      PackageStatus had = statuses.get(name);
      if (had != null && had.getStatus() == PackageStatusEnum.PackageStatusEnum_Installed
          && had.getAgentHasHash().equals(p.getHash())) {
        return;
      }
      work.add(name);
      statuses.put(name, status(name, had, p, PackageStatusEnum.PackageStatusEnum_InstallPending, "").build());
    });
    agent.sendPackageStatuses(report(), null);
    next(mine, offer, work, 0);
  }

  private void next(int mine, PackagesAvailable offer, List<String> work, int i) {
    if (mine != generation || agent.stopped) {
      return;
    }
    if (i == work.size()) {
      env.stats.outcome(agent.index, allFine);
      return;
    }
    String name = work.get(i);
    PackageAvailable p = offer.getPackagesOrThrow(name);
    statuses.put(name, status(name, statuses.get(name), p, PackageStatusEnum.PackageStatusEnum_Downloading, "")
        .setDownloadDetails(PackageDownloadDetails.newBuilder().setDownloadPercent(0)).build());
    agent.sendPackageStatuses(report(), null);
    download(mine, p, 1, error -> {
      if (mine != generation) {
        return;
      }
      if (error != null) {
        finish(mine, offer, work, i, name, p, error);
        return;
      }
      statuses.put(name, status(name, statuses.get(name), p, PackageStatusEnum.PackageStatusEnum_Installing, "").build());
      agent.sendPackageStatuses(report(), null);
      long delay = Math.max(1, env.applyDelayMillis);
      env.vertx.setTimer(delay, t -> {
        boolean fails = env.failureRate > 0 && ThreadLocalRandom.current().nextDouble() < env.failureRate;
        finish(mine, offer, work, i, name, p, fails ? "simulated failure: the new version did not start" : null);
      });
    });
  }

  private void finish(int mine, PackagesAvailable offer, List<String> work, int i, String name, PackageAvailable p,
      String error) {
    if (mine != generation) {
      return;
    }
    PackageStatus had = statuses.get(name);
    String newVersion = null;
    if (error == null) {
      statuses.put(name, status(name, had, p, PackageStatusEnum.PackageStatusEnum_Installed, "")
          .setAgentHasVersion(p.getVersion()).setAgentHasHash(p.getHash()).build());
      if (p.getType() == PackageType.PackageType_TopLevel) {
        newVersion = p.getVersion(); // the supervisor restarts the agent with the new executable
      }
    } else {
      allFine = false;
      statuses.put(name, status(name, had, p, PackageStatusEnum.PackageStatusEnum_InstallFailed, error).build());
    }
    agent.sendPackageStatuses(report(), newVersion);
    next(mine, offer, work, i + 1);
  }

  private static PackageStatus.Builder status(String name, PackageStatus had, PackageAvailable p,
      PackageStatusEnum state, String error) {
    PackageStatus.Builder b = PackageStatus.newBuilder().setName(name)
        .setServerOfferedVersion(p.getVersion()).setServerOfferedHash(p.getHash())
        .setStatus(state).setErrorMessage(error);
    if (had != null) {
      b.setAgentHasVersion(had.getAgentHasVersion()).setAgentHasHash(had.getAgentHasHash());
    }
    return b;
  }

  /** Downloads the file through SHA-256; answers null when its hash is the offered one, else why not. */
  private void download(int mine, PackageAvailable p, int attempt, java.util.function.Consumer<String> done) {
    RequestOptions request = new RequestOptions().setMethod(HttpMethod.GET)
        .setAbsoluteURI(p.getFile().getDownloadUrl()).setIdleTimeout(30_000);
    for (Header h : p.getFile().getHeaders().getHeadersList()) {
      request.addHeader(h.getKey(), h.getValue());
    }
    env.downloads.request(request)
        .compose(req -> req.send())
        // Called on the agent's event loop (the request was made there), so the body handler is
        // set before any chunk of the body arrives.
        .onComplete(ar -> {
          if (mine != generation) {
            return;
          }
          if (ar.failed()) {
            retryOr(mine, p, attempt, "download: " + Errors.reason(ar.cause()), DEFAULT_RETRY_MILLIS, done);
            return;
          }
          HttpClientResponse response = ar.result();
          if (response.statusCode() == 503 || response.statusCode() == 429) {
            response.end();
            // The gateway's download cap: come back when it says, with jitter.
            retryOr(mine, p, attempt, "download: HTTP " + response.statusCode(), retryAfterMillis(response), done);
            return;
          }
          if (response.statusCode() != 200) {
            response.end();
            env.stats.error("download: HTTP " + response.statusCode());
            done.accept("download refused: HTTP " + response.statusCode());
            return;
          }
          hash(response, p, done);
        });
  }

  private void hash(HttpClientResponse response, PackageAvailable p, java.util.function.Consumer<String> done) {
    MessageDigest sha256;
    try {
      sha256 = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    response.handler(chunk -> {
      byte[] bytes = chunk.getBytes();
      sha256.update(bytes);
      env.stats.downloaded(bytes.length);
    });
    response.exceptionHandler(e -> {
      env.stats.error("download: " + Errors.reason(e));
      done.accept("download failed: " + Errors.reason(e));
    });
    response.endHandler(v -> {
      ByteString got = ByteString.copyFrom(sha256.digest());
      if (!got.equals(p.getFile().getContentHash())) {
        env.stats.error("download: hash mismatch");
        done.accept("the downloaded file's SHA-256 is not the offered content hash");
      } else {
        done.accept(null);
      }
    });
  }

  private void retryOr(int mine, PackageAvailable p, int attempt, String reason, long millis,
      java.util.function.Consumer<String> done) {
    if (attempt >= MAX_DOWNLOAD_ATTEMPTS) {
      env.stats.error(reason);
      done.accept(reason + " (gave up after " + attempt + " attempts)");
      return;
    }
    long wait = millis + ThreadLocalRandom.current().nextLong(millis / 2 + 1);
    env.vertx.setTimer(wait, t -> download(mine, p, attempt + 1, done));
  }

  private static long retryAfterMillis(HttpClientResponse response) {
    String header = response.getHeader("Retry-After");
    try {
      return header == null ? DEFAULT_RETRY_MILLIS : Math.max(100, Long.parseLong(header.trim()) * 1000);
    } catch (NumberFormatException e) {
      return DEFAULT_RETRY_MILLIS;
    }
  }
}
