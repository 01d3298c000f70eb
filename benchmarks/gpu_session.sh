#!/usr/bin/env bash
# One GPU session, prepared to run unattended inside the device tool's limits
# (issue 21/22): checks, the GPU benchmark, then the paper-scale Table 1 /
# Figure 2 and Figure 1(a) on the full MNIST (3 seeds, --device cuda), with a
# deadline; everything finished is packed into $OUT/results.tar.gz every
# minute and at the end, so a run cut short still returns its finished units.
#
#   bash benchmarks/gpu_session.sh DATA_HOME [TRAIN_SECONDS]
#
# DATA_HOME holds mnist/ (the four official files). The units written under
# $OUT/work/*/units/ are continued by the same command at the same commit, or
# turned into tables anywhere with `reproduce ... --only-finished`.
set -uo pipefail
DATA=${1:?data folder}
BUDGET=${2:-450}
OUT=${OUT:-/tmp/gpu_out}
WORK=/tmp/gpu_work
mkdir -p "$OUT" "$WORK"
export PYTHONPATH=$PWD SCIPY_ARRAY_API=1 PYTHONUNBUFFERED=1 MPLBACKEND=Agg
PY=${PYTHON:-python3}
start=$(date +%s)
pack() {
    tar -czf "$OUT/results.tmp.tgz" -C "$WORK" . 2>/dev/null \
        && mv "$OUT/results.tmp.tgz" "$OUT/results.tar.gz"
}
(while sleep 60; do pack; done) &
packer=$!
trap 'kill $packer 2>/dev/null; pack' EXIT

echo "== machine"
nvidia-smi -L
$PY -c "import torch, sklearn, numpy, scipy, joblib; print('torch', torch.__version__, 'cuda', torch.cuda.is_available(), '| sklearn', sklearn.__version__, '| numpy', numpy.__version__, '| scipy', scipy.__version__, '| joblib', joblib.__version__)" || exit 3
$PY -m sklearn_sparsity --version || exit 3
git rev-parse HEAD 2>/dev/null || true
cat "$DATA/../source_commit" 2>/dev/null || true

echo "== bench_gpu (CD-1 and fine-tuning epochs, device vs floor vs CPU)"
timeout 100 $PY benchmarks/bench_gpu.py --device cuda --repeats 2 \
    --out "$WORK/bench_gpu.json" 2>&1 | tail -30

left=$(( BUDGET - ($(date +%s) - start) ))
echo "== paper scale, full MNIST, 3 seeds, cuda: ${left}s for training"
# Table 1 + Figure 2 (9 runs) and Figure 1(a) (3 stacks) side by side on
# the GPU; SIGINT at the deadline (finished units are kept).
timeout -s INT "$left" $PY -m sklearn_sparsity reproduce figure2 \
    --scale paper --data-home "$DATA" --n-seeds 3 --device cuda --n-jobs 9 \
    --out "$WORK/mnist_full" > "$WORK/mnist_full.log" 2>&1 &
t1=$!
timeout -s INT "$left" $PY -m sklearn_sparsity reproduce figure1 --parts a \
    --scale paper --data-home "$DATA" --n-seeds 3 --device cuda --n-jobs 3 \
    --out "$WORK/mnist_full_figure1a" > "$WORK/mnist_full_figure1a.log" 2>&1 &
t2=$!
wait $t2; echo "figure1a exit $?"
wait $t1; echo "table1/figure2 exit $?"
tail -40 "$WORK/mnist_full.log"
tail -5 "$WORK/mnist_full_figure1a.log"
nvidia-smi --query-gpu=memory.used,utilization.gpu --format=csv || true
echo "== total $(( $(date +%s) - start ))s"
