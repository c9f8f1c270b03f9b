#!/usr/bin/env bash
# Rank-scaling benchmark on a bare node: one that has Python with numpy and numba and
# no network; it brings its own MPI (how docs/performance.md's 16-core table was measured).
#
#   WHL=dir-with-wheels DATA=dir-with-ERR127302_[12].fastq.gz OUT=results-dir \
#   MIB=512 LEVELS=5,1 CONFIGS=1x1,2x1,4x1,8x1,16x1,1x16,4x4 bash benchmarks/scaling_node.sh
#
# WHL holds the mpi4py wheel for the node's Python and the mpich wheel (`pip download
# --no-deps mpi4py==4.1.2 mpich==5.0.2 --python-version 3.X --platform manylinux...`);
# they are unpacked into /tmp/pfx, not installed into the node's Python. Results: the
# table in $OUT/scaling.md (appended row by row) and the log in $OUT/log.
set -o pipefail
export PYTHONUNBUFFERED=1
cd "$(dirname "$0")/.."
OUT=${OUT:-benchmarks/work}
mkdir -p "$OUT"
P=/tmp/pfx
S=$P/site
mkdir -p "$S"
for w in "${WHL:-.whl}"/*.whl; do python3 -m zipfile -e "$w" "$S"; done
cp -r "$S"/mpich-*.data/data/* "$P"/ && chmod +x "$P"/bin/*
export PATH=$P/bin:$PATH LD_LIBRARY_PATH=$P/lib PYTHONPATH=$S:$PWD OMP_NUM_THREADS=1
python3 -c "import sys, numba, numpy, mpi4py; print(sys.version.split()[0], 'numba',
numba.__version__, 'numpy', numpy.__version__, 'mpi4py', mpi4py.__version__)"
lscpu | grep -E "Model name|^CPU\(s\)|Thread"
free -g | head -2
mpiexec -n 2 python3 -c "from mpi4py import MPI
print(MPI.COMM_WORLD.rank, MPI.Get_library_version().splitlines()[0])" || exit 1
python3 benchmarks/bench_core.py --mpiexec "$P/bin/mpiexec" --data "${DATA:-../shared/data}" \
    --source sim --size-mib "${MIB:-512}" --levels "${LEVELS:-5,1}" \
    --configs "${CONFIGS:-1x1,2x1,4x1,8x1,16x1,1x16,4x4}" --writers ticket \
    --work /tmp/work --table "$OUT/scaling.md" 2>&1 | tee "$OUT/log"
