#!/usr/bin/env bash
# A real Summarizer cluster on loopback: one redis-server (append-only persistence) and N silo processes that
# cluster through Redis, keep grain state and K/V in Redis, and each serve the HTTP API.
#
#   scripts/cluster.sh up       start (builds the silo and a tiny random model on first use)
#   scripts/cluster.sh status   what is running, and each silo's /health/ready
#   scripts/cluster.sh down     stop everything this script started
#   scripts/cluster.sh kill N   kill -9 silo N (to watch the cluster recover)
#   scripts/cluster.sh start N  start silo N again (or a new one: N may exceed SILOS)
#   scripts/cluster.sh stop N   stop silo N gracefully (SIGTERM)
#   scripts/cluster.sh redis-stop | redis-start   stop (persisting) and restart Redis
#
# Settings (environment): CLUSTER_DIR (default .cluster), SILOS (3), REDIS_PORT (16390), HTTP_BASE (18080: silo i
# serves 18080+i), SILO_BASE (21110), GATEWAY_BASE (31000), MODEL_DIR (default: a tiny random checkpoint in
# CLUSTER_DIR/model), SERVICE_ID (summarizer-local), CONFIGURATION (Release), SHARD_LENGTH (256), RESPONSE_TIMEOUT
# (00:00:15: Orleans' grain-call timeout; long calls such as encoding are followed past it, and calls to a dead silo are
# retried), TORCH_THREADS (libtorch threads per silo; default: the machine's cores divided by SILOS, at least 1),
# OMP_WAIT_POLICY (PASSIVE: a silo's idle kernel threads sleep instead of spinning on cores the others need).
# Redis runs with appendfsync always, so an acknowledged job event survives a Redis restart.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dir=${CLUSTER_DIR:-$root/.cluster}
silos=${SILOS:-3}
redis_port=${REDIS_PORT:-16390}
http_base=${HTTP_BASE:-18080}
silo_base=${SILO_BASE:-21110}
gateway_base=${GATEWAY_BASE:-31000}
service_id=${SERVICE_ID:-summarizer-local}
config=${CONFIGURATION:-Release}
silo_dll=$root/src/Silo/bin/$config/net10.0/Summarizer.Silo.dll
# The silos share this machine's cores: each gets its share for libtorch's kernels, or they oversubscribe the CPU.
cores=$(nproc)
torch_threads=${TORCH_THREADS:-$(( cores / silos > 0 ? cores / silos : 1 ))}
cli_dll=$root/src/Cli/bin/$config/net10.0/summarizer.dll
mkdir -p "$dir/logs"

redis_cli() { redis-cli -p "$redis_port" "$@"; }

start_redis() {
  if [ -f "$dir/redis.pid" ] && kill -0 "$(cat "$dir/redis.pid")" 2>/dev/null; then return; fi
  mkdir -p "$dir/redis"
  redis-server --port "$redis_port" --bind 127.0.0.1 --dir "$dir/redis" --appendonly yes --appendfsync always \
    --save "" --daemonize no --loglevel warning >"$dir/logs/redis.log" 2>&1 &
  echo $! >"$dir/redis.pid"
  for _ in $(seq 100); do redis_cli ping >/dev/null 2>&1 && return; sleep 0.1; done
  echo "redis-server did not start (see $dir/logs/redis.log)" >&2; exit 1
}

ensure_built() {
  [ -f "$silo_dll" ] || dotnet build "$root/src/Silo" -c "$config" -v q -nologo >/dev/null
  if [ -z "${MODEL_DIR:-}" ] && [ ! -f "$dir/model/config.json" ]; then
    [ -f "$cli_dll" ] || dotnet build "$root/src/Cli" -c "$config" -v q -nologo >/dev/null
    dotnet "$cli_dll" model init-random "$dir/model" --preset tiny --seed 1 >/dev/null
  fi
}

start_silo() {
  local i=$1
  if [ -f "$dir/silo-$i.pid" ] && kill -0 "$(cat "$dir/silo-$i.pid")" 2>/dev/null; then return; fi
  OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-PASSIVE} ORLEANS_SERVICE_ID=$service_id ORLEANS_CLUSTER_ID=$service_id \
  Summarizer__ModelDirectory=${MODEL_DIR:-$dir/model} \
  Summarizer__Clustering=redis Summarizer__GrainStorage=redis Summarizer__KvStore=redis \
  Summarizer__RedisConnectionString="127.0.0.1:$redis_port,abortConnect=false,connectTimeout=2000" \
  Summarizer__AdvertisedAddress=127.0.0.1 Summarizer__Api__AllowAnonymous=${ALLOW_ANONYMOUS:-true} \
  Summarizer__SiloPort=$((silo_base + i)) Summarizer__GatewayPort=$((gateway_base + i)) \
  Summarizer__ShardLength=${SHARD_LENGTH:-256} Summarizer__TorchThreads=$torch_threads \
  Orleans__ClusterMembership__ProbeTimeout=00:00:02 Orleans__ClusterMembership__NumMissedProbesLimit=2 \
  Orleans__ClusterMembership__NumVotesForDeathDeclaration=1 Orleans__ClusterMembership__TableRefreshTimeout=00:00:02 \
  Orleans__ClusterMembership__IAmAliveTablePublishTimeout=00:00:05 \
  Orleans__Messaging__ResponseTimeout=${RESPONSE_TIMEOUT:-00:00:15} \
  ASPNETCORE_URLS=http://127.0.0.1:$((http_base + i)) \
    nohup dotnet "$silo_dll" >"$dir/logs/silo-$i.log" 2>&1 &
  echo $! >"$dir/silo-$i.pid"
}

wait_ready() {
  local i=$1
  for _ in $(seq 600); do
    curl -fsS "http://127.0.0.1:$((http_base + i))/health/ready" >/dev/null 2>&1 && return 0
    kill -0 "$(cat "$dir/silo-$i.pid")" 2>/dev/null || { echo "silo $i exited (see $dir/logs/silo-$i.log)" >&2; return 1; }
    sleep 0.2
  done
  echo "silo $i not ready after 120 s" >&2; return 1
}

case "${1:-}" in
  up)
    ensure_built
    start_redis
    for i in $(seq 1 "$silos"); do start_silo "$i"; done
    for i in $(seq 1 "$silos"); do wait_ready "$i"; done
    echo "cluster up: $silos silos, HTTP on 127.0.0.1:$((http_base + 1))..$((http_base + silos)), Redis on $redis_port"
    ;;
  start) ensure_built; start_redis; start_silo "$2"; wait_ready "$2" ;;
  redis-stop) kill -TERM "$(cat "$dir/redis.pid")"; while kill -0 "$(cat "$dir/redis.pid")" 2>/dev/null; do sleep 0.1; done; rm -f "$dir/redis.pid"; echo "redis stopped" ;;
  redis-start) start_redis; echo "redis started" ;;
  kill) kill -9 "$(cat "$dir/silo-$2.pid")" && rm -f "$dir/silo-$2.pid" && echo "killed silo $2" ;;
  stop) kill -TERM "$(cat "$dir/silo-$2.pid")" && while kill -0 "$(cat "$dir/silo-$2.pid")" 2>/dev/null; do sleep 0.2; done; rm -f "$dir/silo-$2.pid"; echo "stopped silo $2" ;;
  status)
    for f in "$dir"/*.pid; do
      [ -e "$f" ] || continue
      name=$(basename "$f" .pid); pid=$(cat "$f")
      if kill -0 "$pid" 2>/dev/null; then state=running; else state=dead; fi
      ready=""
      case $name in silo-*) i=${name#silo-}; ready=$(curl -s -o /dev/null -w ' ready=%{http_code}' "http://127.0.0.1:$((http_base + i))/health/ready" || true) ;; esac
      echo "$name pid=$pid $state$ready"
    done
    ;;
  down)
    for f in "$dir"/silo-*.pid "$dir"/redis.pid; do
      [ -e "$f" ] || continue
      kill -9 "$(cat "$f")" 2>/dev/null || true
      rm -f "$f"
    done
    echo "cluster down"
    ;;
  *) sed -n '2,17p' "$0"; exit 2 ;;
esac
