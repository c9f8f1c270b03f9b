#!/usr/bin/env bash
# Rank and thread scaling on a bare node: one that has Python with numpy and numba and no
# network; it brings its own MPI (how docs/performance.md's 16-core tables were measured).
#
#   WHL=dir-with-wheels DATA=dir-with-ERR127302_[12].fastq.gz OUT=results-dir MIB=1024 \
#   PLAN="5=1x1,2x1,1x2,4x1,8x1,16x1 1=1x1,2x1,1x2" bash benchmarks/scaling_node.sh
#
# PLAN lists LEVEL=RANKSxTHREADS,... groups, measured in that order (one bench_core.py
# invocation each, so "x 1x1" is relative to the group's own 1 x 1 row). WHL holds the
# mpi4py and mpich wheels for the node's Python, and isal where the node lacks it (`pip
# download --no-deps mpi4py==4.1.2 mpich==5.0.2 isal --python-version 3.X --platform
# manylinux...`); they are unpacked into /tmp/pfx, not installed into the node's Python.
# The input and each level's kernels are prepared side by side first: each level compiles
# into a cache of its own (ranks sharing one cache compile one kernel at a time, under its
# lock), which takes the cold compilation from the sum of the levels to the longest one.
# PREP_LEVELS (default: PLAN's levels) names the levels to compile, so that a later run on
# the same node with another PLAN reuses the wheels, input and caches already there.
# Results: the table in $OUT/scaling.md (appended row by row), logs in $OUT.
set -o pipefail
export PYTHONUNBUFFERED=1
cd "$(dirname "$0")/.."
OUT=${OUT:-benchmarks/work}
mkdir -p "$OUT"
P=/tmp/pfx
S=$P/site
if [ ! -x "$P/bin/mpiexec" ]; then
    mkdir -p "$S"
    for w in "${WHL:-.whl}"/*.whl; do python3 -m zipfile -e "$w" "$S"; done
    cp -r "$S"/mpich-*.data/data/* "$P"/ && chmod +x "$P"/bin/*
fi
export PATH=$P/bin:$PATH LD_LIBRARY_PATH=$P/lib PYTHONPATH=$S:$PWD OMP_NUM_THREADS=1
python3 -c "import sys, numba, numpy, mpi4py; print(sys.version.split()[0], 'numba',
numba.__version__, 'numpy', numpy.__version__, 'mpi4py', mpi4py.__version__)" | tee -a "$OUT/log"
{ lscpu | grep -E "Model name|^CPU\(s\)|Thread|MHz"; free -g | head -2; } | tee -a "$OUT/log"
mpiexec -n 2 python3 -c "from mpi4py import MPI
print(MPI.COMM_WORLD.rank, MPI.Get_library_version().splitlines()[0])" || exit 1
PLAN=${PLAN:-"5=1x1,2x1,1x2,4x1,8x1,16x1,1x16,4x4 1=1x1,2x1,1x2"}
W=/tmp/scaling
bench() {
    python3 benchmarks/bench_core.py --mpiexec "$P/bin/mpiexec" --data "${DATA:-../shared/data}" \
        --source sim --size-mib "${MIB:-1024}" --writers ticket "$@"
}
t0=$(date +%s)
bench --phase input --work "$W/work" > "$OUT/input.log" 2>&1 &
pids=$!
for L in ${PREP_LEVELS:-$(for g in $PLAN; do echo "${g%%=*}"; done | sort -u)}; do
    NUMBA_CACHE_DIR=$W/numba/L$L bench --phase warm --levels "$L" --work "$W/warm$L" \
        > "$OUT/warm$L.log" 2>&1 &
    pids="$pids $!"
done
for p in $pids; do wait "$p" || { cat "$OUT"/*.log; exit 1; }; done
cat "$OUT/input.log" "$OUT"/warm*.log | tee -a "$OUT/log"
echo "prepared in $(( $(date +%s) - t0 )) s" | tee -a "$OUT/log"
for g in $PLAN; do
    L=${g%%=*}
    NUMBA_CACHE_DIR=$W/numba/L$L bench --phase all --levels "$L" --configs "${g#*=}" \
        --work "$W/work" --table "$OUT/scaling.md" 2>&1 | tee -a "$OUT/log" || exit 1
done
echo "done in $(( $(date +%s) - t0 )) s" | tee -a "$OUT/log"
