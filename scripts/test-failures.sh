#!/bin/sh
# test-failures.sh LOG: prints what each failed test (and subtest) of a
# `go test -v` log said, so a failure is readable at the end of a long
# suite's output instead of buried in its middle. Each test's output is its
# "=== RUN"/"=== NAME" blocks; at most 60 lines per block are printed.
set -eu
log=${1:?usage: test-failures.sh LOG}
awk '
	# First pass: the names of the failed tests.
	NR == FNR {
		if (match($0, /--- FAIL: [^ ]+/)) failed[substr($0, RSTART + 10, RLENGTH - 10)] = 1
		next
	}
	/^=== (RUN|NAME|CONT|PAUSE)/ {
		name = $3; show = (name in failed); n = 0
		next
	}
	/^ *--- (PASS|FAIL|SKIP):/ || /^(PASS|FAIL|ok)[ \t]/ { show = 0; next }
	show && n++ < 60 {
		if (n == 1) print "--- output of " name ":"
		print
	}
' "$log" "$log"
