#!/usr/bin/env bash
# The standard benchmark: starts gateway node(s) with fixed settings, runs `connect` (with the
# bare-transport floor measured in the same run) and `fanout`, each against freshly started
# nodes, prints the figures and stops everything it started.
#
#   loadtest/bench.sh                          # 10 000 WebSocket agents, one node (-Xmx1g)
#   AGENTS=19000 loadtest/bench.sh             # one node at its file-descriptor limit
#   AGENTS=100000 NODES=6 loadtest/bench.sh    # a cluster of six gateway processes
#   NODES=3 SCENARIOS="connect fanout failover" loadtest/bench.sh   # and SIGKILL the last node mid-run
#   SCENARIOS="packages credentials" loadtest/bench.sh  # a package upgrade of the fleet; a CSR from every agent
#
# Settings (environment): AGENTS (10000), NODES (1), RATE (3000 connects/s), GATEWAY_JVM
# ("-Xmx1g"; the floor server gets the same), HOLD (10s), SETTLE (10s), CONNECT_TIMEOUT (180s), SCENARIOS
# ("connect fanout"; "packages", "credentials" and "failover" are optional, failover needs NODES > 1),
# PACKAGE_MIB (8, the package file of "packages"), SIM_JVM (the simulator's JVM flags: "-XX:TieredStopAtLevel=1
# -XX:+UseParallelGC"), OUT (loadtest/target/bench). Reports: $OUT/<scenario>.json and .txt;
# gateway logs: $OUT/gateway-<n>.log.
#
# Above 19 000 agents the simulator runs several worker processes; above 2 000 it connects from
# several loopback addresses (127.0.0.2, ...), one per 2 000 agents. Every run is bounded in time; the script
# stops its gateways on exit, Ctrl-C included.
set -euo pipefail

cd "$(dirname "$0")/.."
AGENTS=${AGENTS:-10000}
NODES=${NODES:-1}
RATE=${RATE:-3000}
# The simulator's own JVM: its hot path is small, so the quick compiler (C1) alone serves it at a
# fraction of the compile work, which leaves the shared cores to the gateway being measured.
SIM_JVM=${SIM_JVM:--XX:TieredStopAtLevel=1 -XX:+UseParallelGC}
GATEWAY_JVM=${GATEWAY_JVM:--Xmx1g}
HOLD=${HOLD:-10s}
SETTLE=${SETTLE:-10s}
CONNECT_TIMEOUT=${CONNECT_TIMEOUT:-180s}
SCENARIOS=${SCENARIOS:-connect fanout}
PACKAGE_MIB=${PACKAGE_MIB:-8}
OUT=${OUT:-loadtest/target/bench}
GATEWAY_JAR=gateway/target/opamp-gateway.jar
LOADTEST_JAR=loadtest/target/opamp-loadtest.jar

if [[ ! -f $GATEWAY_JAR || ! -f $LOADTEST_JAR ]]; then
  echo "bench: building the jars" >&2
  mvn -q -o -DskipTests package || mvn -q -DskipTests package
fi
mkdir -p "$OUT"

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Two ports per node, 4320/4321 for the first, +10 for each next; moved on while taken.
OPAMP_PORTS=(); ADMIN_PORTS=(); HZ_PORTS=()
base=4320
for ((i = 0; i < NODES; i++)); do
  while ! port_free "$base" || ! port_free $((base + 1)); do base=$((base + 10)); done
  OPAMP_PORTS+=("$base"); ADMIN_PORTS+=($((base + 1))); base=$((base + 10))
done
hz=5801
for ((i = 0; i < NODES; i++)); do
  while ! port_free "$hz"; do hz=$((hz + 1)); done
  HZ_PORTS+=("$hz"); hz=$((hz + 1))
done

# A Hazelcast TCP-IP member config per node (they differ only in the member's own port).
write_cluster_configs() {
  local name="opamp-bench-$$-$RANDOM" members="" i
  for p in "${HZ_PORTS[@]}"; do members+="          - 127.0.0.1:$p"$'\n'; done
  mkdir -p "$OUT/cluster"
  for ((i = 0; i < NODES; i++)); do
    cat > "$OUT/cluster/hazelcast-$i.yaml" <<YAML
# Written by loadtest/bench.sh for one benchmark run.
hazelcast:
  cluster-name: $name
  network:
    port: {port: ${HZ_PORTS[$i]}, auto-increment: false, port-count: 1}
    interfaces: {enabled: true, interfaces: [127.0.0.1]}
    join:
      auto-detection: {enabled: false}
      multicast: {enabled: false}
      tcp-ip:
        enabled: true
        connection-timeout-seconds: 5
        member-list:
$members
  jet: {enabled: false}
  properties:
    hazelcast.phone.home.enabled: false
    hazelcast.shutdownhook.enabled: false
    hazelcast.logging.type: jdk
    hazelcast.socket.bind.any: false
  map:
    agents: {backup-count: 1, in-memory-format: BINARY}
    config-blobs: {backup-count: 1, in-memory-format: BINARY}
    desired-*: {backup-count: 1, in-memory-format: BINARY}
YAML
  done
}

GATEWAY_PIDS=()
stop_gateways() {
  local pid
  for pid in "${GATEWAY_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${GATEWAY_PIDS[@]}"; do
    for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
    kill -9 "$pid" 2>/dev/null || true
  done
  GATEWAY_PIDS=()
}
trap stop_gateways EXIT

start_gateways() {
  local i extra
  rm -rf "$OUT/data"
  if [[ $NODES -gt 1 ]]; then
    write_cluster_configs
    # Every node of a cluster seals and unseals the gateway CA's key with one secret.
    mkdir -p "$OUT/data"
    (umask 077; head -c 32 /dev/urandom | base64 | tr -d '\n=' > "$OUT/data/ca-key.secret")
  fi
  for ((i = 0; i < NODES; i++)); do
    extra=()
    [[ $NODES -gt 1 ]] && extra=(--hazelcast-config "$OUT/cluster/hazelcast-$i.yaml" --ca-key-secret-file "$OUT/data/ca-key.secret")
    # shellcheck disable=SC2086
    java $GATEWAY_JVM -jar "$GATEWAY_JAR" --node-name "bench$((i + 1))" \
      --opamp-port "${OPAMP_PORTS[$i]}" --admin-port "${ADMIN_PORTS[$i]}" --data-dir "$OUT/data/node$i" \
      "${extra[@]}" > "$OUT/gateway-$i.log" 2>&1 &
    GATEWAY_PIDS+=($!)
  done
  for ((i = 0; i < NODES; i++)); do
    for t in $(seq 1 180); do
      curl -fs "http://127.0.0.1:${ADMIN_PORTS[$i]}/readyz" > /dev/null 2>&1 && break
      kill -0 "${GATEWAY_PIDS[$i]}" 2>/dev/null || { echo "bench: gateway $i died; see $OUT/gateway-$i.log" >&2; exit 1; }
      [[ $t == 180 ]] && { echo "bench: gateway $i not ready after 180 s" >&2; exit 1; }
      sleep 1
    done
  done
}

join() { local IFS=,; echo "$*"; }
targets() { local t=() p; for p in "${OPAMP_PORTS[@]}"; do t+=("ws://127.0.0.1:$p/v1/opamp"); done; join "${t[@]}"; }
admins() { local a=() p; for p in "${ADMIN_PORTS[@]}"; do a+=("http://127.0.0.1:$p"); done; join "${a[@]}"; }

run() {
  local scenario=$1; shift
  start_gateways
  echo "bench: $scenario, $AGENTS agents, $NODES node(s) (pids $(join "${GATEWAY_PIDS[@]}"))" >&2
  # shellcheck disable=SC2086
  java $SIM_JVM -jar "$LOADTEST_JAR" --scenario "$scenario" --agents "$AGENTS" --rate "$RATE" \
    --target "$(targets)" --admin "http://127.0.0.1:${ADMIN_PORTS[0]}" --metrics "$(admins)" \
    --gateway-pid "$(join "${GATEWAY_PIDS[@]}")" --settle "$SETTLE" --duration "$HOLD" --connect-timeout "$CONNECT_TIMEOUT" \
    --report "$OUT/$scenario.json" "$@" | tee "$OUT/$scenario.txt"
  stop_gateways
}

for scenario in $SCENARIOS; do
  case $scenario in
    connect) run connect --floor --floor-jvm-args "$GATEWAY_JVM" ;;
    packages) run packages --package-mib "$PACKAGE_MIB" --fanout-timeout 300s ;;
    credentials) run credentials --fanout-timeout 300s ;;
    failover)
      if [[ $NODES -gt 1 ]]; then
        # the last node is killed; the admin API is read on the first one that answers
        run failover --admin "$(admins)"
      else
        echo "bench: failover needs NODES > 1; skipped" >&2
      fi ;;
    *) run "$scenario" ;;
  esac
done

echo
echo "== figures ($AGENTS agents, $NODES node(s), gateway $GATEWAY_JVM) =="
for scenario in $SCENARIOS; do
  f="$OUT/$scenario.json"
  [[ -f $f ]] || continue
  jq -r --arg s "$scenario" '[
      "\($s): connected \(.connected)/\(.agents), errors \(.errors), connect \(.connectSeconds // "n/a") s (load \(.machine.loadAverage1m // "?"))",
      "  gateway heap/agent \(.gateway.heapBytesPerAgent // "n/a") B (\(.gateway.heapMethod // "-")), rss/agent \(.gateway.rssBytesPerAgent // "n/a") B, cpu/connect \(.gateway.cpuMsPerConnect // "n/a") ms",
      (if .floor then "  floor heap/agent \(.floor.heapBytesPerAgent // "n/a") B, ratioToFloor \(.ratioToFloor // "n/a")" else empty end),
      (if .fanout then "  fanout p50 \(.fanout.p50Ms // "n/a") ms, p99 \(.fanout.p99Ms // "n/a") ms, all applied \(.fanout.allAppliedMs // "n/a") ms (\(.fanout.applied)/\(.agents))" else empty end),
      (if .packages then "  packages: \(.packages.fileBytes) B file, p50 \(.packages.p50Ms // "n/a") ms, p99 \(.packages.p99Ms // "n/a") ms, all installed \(.packages.allInstalledMs // "n/a") ms (\(.packages.installed // 0)/\(.agents)), \(.packages.downloadMiBPerSecond // "n/a") MiB/s, gateway peak heap \(.packages.gatewayPeakHeapBytes // "n/a") B, rss \(.packages.gatewayPeakRssBytes // "n/a") B" else empty end),
      (if .credentials then "  credentials: p50 \(.credentials.p50Ms // "n/a") ms, p99 \(.credentials.p99Ms // "n/a") ms, all certified \(.credentials.allCertifiedMs // "n/a") ms (\(.credentials.certified)/\(.credentials.requested)), \(.credentials.signingsPerSecond // "n/a") signings/s" else empty end),
      (if .failover then "  failover: node \(.failover.killedNode) killed with \(.failover.agentsOnKilledNode // "n/a") agents, all back \(.failover.allReconnectedSeconds // "n/a") s (p50 \(.failover.reconnectSeconds.p50 // "n/a") s, p99 \(.failover.reconnectSeconds.p99 // "n/a") s), cluster count restored \(.failover.fleetCountRestoredSeconds // "n/a") s, lost \(.failover.lost // "n/a")" else empty end),
      (if (.walls | length) > 0 then "  walls: \(.walls | join("; "))" else empty end)
    ] | .[]' "$f"
done
