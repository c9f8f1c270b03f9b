#!/usr/bin/env bash
# Install the test dependencies and run every test: serial, then MPI at 1, 2, 3 and 4 ranks
# (oversubscribed on small machines). Run inside a virtual environment (README).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${1:-}" = "--with-tools" ]; then bash scripts/install-test-tools.sh; fi
python -m pip install -q -e ".[mpich,test]"
export OMPI_MCA_rmaps_base_oversubscribe=1 PRTE_MCA_rmaps_default_mapping_policy=:oversubscribe
# warm the Numba cache once, serially, before tests (and ranks) run: every command's
# kernels, so that no test's stderr carries the one-time "compiling kernels" note
bash scripts/warm-cache.sh
status=0
check() {  # pytest exits 5 when it collected nothing: say so, and count it as a failure
  local rc=$1 what=$2
  if [ "$rc" -eq 5 ]; then echo "ERROR: $what collected no tests"; fi
  if [ "$rc" -ne 0 ]; then status=1; fi
}
rc=0; python -m pytest -q -rs tests/unit tests/cli tests/viz tests/slurm || rc=$?; check "$rc" "serial tests"
for n in 1 2 3 4; do
  echo "== MPI tests with $n rank(s)"
  rc=0; mpiexec -n "$n" python -m pytest -q --with-mpi tests/mpi || rc=$?
  check "$rc" "MPI tests at $n rank(s)"
done
exit "$status"
