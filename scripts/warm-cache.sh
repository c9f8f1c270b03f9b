#!/usr/bin/env bash
# Compile and cache every command's kernels once (the first run on a machine takes about
# a minute per level; later runs load them). Uses the small files in tests/data.
set -euo pipefail
cd "$(dirname "$0")/.."
w=$(mktemp -d)
trap 'rm -rf "$w"' EXIT
r1=tests/data/err127302_1_200.fastq
r2=tests/data/err127302_2_200.fastq
p() { python -m phyngsc "$@" -q >/dev/null; }
for level in 1 5 9; do p compress "$r1" -o "$w/l$level.ngsc" --level "$level" --window 8K; done
# a seed model (normally only for inputs of 64 MiB and more) compiles the seeded kernels;
# four copies of the reads make DNA_SEEDED win sub-blocks, so decompress trains the model
cat "$r1" "$r1" "$r1" "$r1" > "$w/rep.fq"
p compress "$w/rep.fq" -o "$w/seeded.ngsc" --window 8K --seed 16K
p decompress "$w/seeded.ngsc" -o "$w/o.fq"
p compress "$r1" "$r2" -o "$w/pe.ngsc" --window 8K
p decompress "$w/l5.ngsc" -o "$w/o.fq"
p decompress "$w/pe.ngsc" -o "$w/o1.fq" -p "$w/o2.fq"
p stats "$w/l5.ngsc"
p fasta "$w/l5.ngsc" -o "$w/o.fa"
p filter "$w/l5.ngsc" -o "$w/f.fq" 2>/dev/null
p grep "$w/l5.ngsc" GATC -o "$w/g.fq" || true
p extract "$w/l5.ngsc" --records 0:5 -o "$w/x.fq"
p split "$w/pe.ngsc" --parts 2 --prefix "$w/part"
p verify "$w/l9.ngsc"
