#!/usr/bin/env bash
# Runs the whole test suite (unit, golden and functional tests) and ends with one line:
#   N passed, N failed[, N skipped]
# Needs the .NET 10 SDK, curl and openssl. Extra arguments go to `dotnet test` (e.g. --filter).
set -uo pipefail
cd "$(dirname "$0")"
RESULTS=artifacts/test-results
rm -rf "$RESULTS"

dotnet build Portcullis.slnx -c Release --nologo -v quiet -clp:NoSummary || { echo "build failed"; echo "0 passed, 1 failed"; exit 1; }
dotnet test Portcullis.slnx -c Release --no-build --nologo --logger "trx" --logger "console;verbosity=minimal" --results-directory "$RESULTS" "$@"
rc=$?

passed=0 failed=0 skipped=0
for trx in "$RESULTS"/*.trx; do
  [ -f "$trx" ] || continue
  counters=$(grep -o '<Counters [^>]*>' "$trx")
  get() { printf '%s' "$counters" | sed -n "s/.* $1=\"\([0-9]*\)\".*/\1/p"; }
  passed=$((passed + $(get passed)))
  failed=$((failed + $(get failed) + $(get error) + $(get timeout) + $(get aborted)))
  skipped=$((skipped + $(get total) - $(get executed))) # skipped tests are counted in total, not executed
done
if [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; then
  failed=1 # a test host crashed or a project failed to run: never report green for that
fi
if [ "$skipped" -gt 0 ]; then echo "$passed passed, $failed failed, $skipped skipped"; else echo "$passed passed, $failed failed"; fi
[ "$failed" -eq 0 ] && [ "$rc" -eq 0 ]
