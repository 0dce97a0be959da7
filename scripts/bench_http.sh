#!/usr/bin/env bash
# HTTP benchmarks of `gongkai serve` on the full corpus (../shared beside the repository):
#   1. search quality: ../shared/eval/score.py against the running service, every line printed;
#   2. load: wrk on loopback with the dev.json query mix (facets and highlights on) at 1, 8
#      and 32 concurrent connections: throughput, p50, p90, p99, and the server's RSS.
# Installs wrk from Debian when it is missing (needs root). Results also go to
# target/bench-http/results.txt.
#
# usage: scripts/bench_http.sh [SECONDS_PER_LEVEL (default 20)] [CONNECTION_LEVELS (default "1 8 32")]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-20}
levels=${2:-"1 8 32"}
shared=${GONGKAI_SHARED:-../shared}
work=target/bench-http
mkdir -p "$work"
results="$work/results.txt"
: >"$results"
say() { echo "$*" | tee -a "$results"; }

if ! command -v wrk >/dev/null 2>&1; then
  echo "installing wrk (Debian package)" >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
fi

cargo build --release --locked --bin gongkai
bin=target/release/gongkai
data="$work/data"
docs=$("$bin" stats --data "$data" --json 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)["documents"])' 2>/dev/null || echo 0)
if [ "$docs" != "3543" ]; then
  echo "building the full-corpus index in $data" >&2
  rm -rf "$data"
  "$bin" ingest --data "$data" "$shared"/corpus/*.jsonl.gz
fi

log="$work/server.log"
"$bin" serve --data "$data" --listen 127.0.0.1:0 --rate-limit-per-ip 0 >"$work/server.out" 2>"$log" &
server=$!
trap 'kill $server 2>/dev/null || true; wait $server 2>/dev/null || true' EXIT
base=""
for _ in $(seq 1 600); do
  base=$(grep -Eo 'http://[0-9.:]+' "$work/server.out" | head -1 || true)
  [ -n "$base" ] && break
  kill -0 $server 2>/dev/null || { cat "$log" >&2; echo "server exited" >&2; exit 1; }
  sleep 0.1
done
[ -n "$base" ] || { echo "server did not report its address" >&2; exit 1; }
rss_kb() { awk -v k="$1" '$1 == k":" {print $2}' /proc/$server/status; }

say "# gongkai HTTP benchmarks, $(date -u +%F), commit $(git rev-parse --short HEAD), $(nproc) cores"
say "server: $base, $(rss_kb VmRSS) kB RSS after start"
say ""
say "## quality: score.py $base $shared/eval/dev.json"
python3 "$shared/eval/score.py" "$base" "$shared/eval/dev.json" | tee -a "$results"

paths="$work/paths.txt"
python3 benches/http/urls.py "$shared/eval/dev.json" >"$paths"
export GONGKAI_PATHS="$paths"
say ""
say "## load: wrk, $(wc -l <"$paths") request paths (dev.json searches with department/category/year facets and highlights, facet lists, documents), ${seconds}s per level"
# Warm the page cache and the reader once through the mix.
wrk -t1 -c4 -d5s -s benches/http/load.lua "$base" >/dev/null
say "| connections | req/s | p50 ms | p90 ms | p99 ms | max ms | non-2xx | server RSS MB |"
say "|---|---|---|---|---|---|---|---|"
for c in $levels; do
  line=$(wrk -t1 -c"$c" -d"${seconds}s" --timeout 10s -s benches/http/load.lua "$base" | grep '^{')
  python3 - "$c" "$line" "$(rss_kb VmRSS)" <<'PY' | tee -a "$results"
import json, sys
c, r, rss = sys.argv[1], json.loads(sys.argv[2]), int(sys.argv[3])
ms = lambda us: f"{us / 1000:.2f}"
rate = r["requests"] / (r["duration_us"] / 1e6)
print(f"| {c} | {rate:.0f} | {ms(r['p50_us'])} | {ms(r['p90_us'])} | {ms(r['p99_us'])} | "
      f"{ms(r['max_us'])} | {r['non_2xx'] + r['socket_errors']} | {rss / 1024:.0f} |")
PY
done
say "server peak RSS: $(( $(rss_kb VmHWM) / 1024 )) MB"
