#!/usr/bin/env bash
# Runs every cargo-fuzz target for SECONDS each (default 600), one after another, on the
# stable toolchain without sanitizer (`-s none`), seeded from fuzz/seeds/ and the ingest page
# and encoding fixtures; new corpus entries collect in fuzz/corpus/ (git-ignored), crashes in
# fuzz/artifacts/. Needs `cargo install cargo-fuzz`. Prints one summary line per target.
#   scripts/fuzz.sh [SECONDS] [TARGET...]
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
seconds=${1:-600}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(query_parser html_extract jsonl_reader doc_number)
for t in "${targets[@]}"; do
  mkdir -p "corpus/$t"
  extra=()
  max_len=4096
  if [ "$t" = html_extract ]; then
    extra+=(../crates/ingest/tests/fixtures/pages ../crates/ingest/tests/fixtures/encodings)
    max_len=65536
  fi
  log="corpus/$t.log"
  started=$(date +%s)
  status=0
  cargo fuzz run -s none "$t" "corpus/$t" "seeds/$t" "${extra[@]}" -- \
    -max_total_time="$seconds" -max_len="$max_len" -print_final_stats=1 >"$log" 2>&1 || status=$?
  runs=$(grep -Eo 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -Eo '[0-9]+$' || echo "?")
  echo "$t: ${seconds}s, $(( $(date +%s) - started ))s wall, $runs executions, corpus $(ls "corpus/$t" | wc -l) files, exit $status (log fuzz/$log)"
  if [ "$status" -ne 0 ]; then
    grep -E "panicked|ERROR|Test unit written" "$log" | head -5 || true
  fi
done
