#!/usr/bin/env bash
# The whole test suite, as CI runs it: formatting, lints, then every test (unit, property,
# integration, the killed-ingest test, and the search-quality cases on the full corpus when
# ../shared is present).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo fmt --all --check
cargo clippy --workspace --all-targets --locked -- -D warnings
cargo test --workspace --all-targets --locked
cargo test --workspace --doc --locked
