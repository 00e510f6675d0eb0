#!/usr/bin/env bash
# Measure `gitshift check` on a generated repository of N manifest files
# (default 100,000): wall time, CPU time and peak RSS, at the command's own
# GC setting and at GOGC=100, next to a plain parallel yaml.v3 parse of the
# same files (each in its own process, interleaved over RUNS rounds, median
# reported). Usage: scripts/bench-check.sh [N] [DIR] [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-100000}
go build -o bin/gitshift ./cmd/gitshift
args=(-n "$n" -bin bin/gitshift)
if [ -n "${2:-}" ]; then args+=(-dir "$2"); fi
if [ -n "${3:-}" ]; then args+=(-runs "$3"); fi
go run ./bench/checkscale "${args[@]}"
