#!/usr/bin/env bash
# Fills fuzz/corpus/<target>/ with the seeds of every fuzz target (or of the targets named):
#   fuzz/seed.sh                   # all targets
#   fuzz/seed.sh mock_request      # one
# `seed-*` files are handwritten seeds (committed); `gen-*` files are made from the repository's
# spec/examples/*.xml, tests/fixtures/real/*.xml, spec/*.tfspec, spec/reference/*.txt and
# tests/tests/snapshots/endpoints__request_*.snap (git-ignored: rerun this script to refresh them).
# Works on a stable toolchain; the seeds come from fuzz/src/seeds.rs.
set -euo pipefail
cd "$(dirname "$0")"
exec cargo run --quiet --locked --example seed -- "$@"
