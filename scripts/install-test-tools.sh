#!/usr/bin/env bash
# Debian tools some tests use: seqtk (FASTA cross-check), slurm-wlm (a real single-node
# Slurm for the job templates), bwa + bowtie2-examples (the aligner example and its lambda
# phage reference), chromium + chromium-driver (the viewer's browser test). Installs the
# missing ones as root with apt-get; otherwise says what the tests will skip.
set -uo pipefail
missing=()
command -v seqtk >/dev/null 2>&1 || missing+=(seqtk)
{ command -v slurmctld || [ -x /usr/sbin/slurmctld ]; } >/dev/null 2>&1 || missing+=(slurm-wlm)
command -v bwa >/dev/null 2>&1 || missing+=(bwa)
[ -e /usr/share/doc/bowtie2/examples/reference/lambda_virus.fa.gz ] || missing+=(bowtie2-examples)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v chromedriver >/dev/null 2>&1 || missing+=(chromium-driver)
((${#missing[@]})) || exit 0
if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}") \
    >/dev/null 2>&1 && exit 0
fi
echo "note: could not install ${missing[*]}; the tests needing them skip (apt-get install ${missing[*]} as root)"
