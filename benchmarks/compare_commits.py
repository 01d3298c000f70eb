"""CD-1 and fine-tuning over their GEMM floors: this tree against older commits.

Usage::

    python benchmarks/compare_commits.py --against 625b6df [--against C2 ...]
        [--rounds 5] [--rows 6000] [--repeats 3] [--threads 1] [--no-numba]
        [--learning-rate 0.1] [--extra-epochs 2] [--out PATH]

Times, through the *public* API only (so that any commit is measured the
same way), float32, minibatch 100, 784 features, 10 classes:

- ``cd1``: a fit of ``StackedRBMTransformer((500,), n_epochs=1)``;
- ``finetune``: a fit of ``PretrainedMLPClassifier((500, 500, 2000),
  pretrain=False, n_epochs=1, tol=None)`` (784-500-500-2000-10), the
  measurement of issue 21;
- ``epoch``: one fine-tuning epoch alone, ``(fit of 1 + k epochs - fit of 1
  epoch) / k`` (``k = --extra-epochs``);
- ``fixed``: what a fit costs besides its epoch (``finetune - epoch``):
  validation, initial weights, the checks after training.

Each is CPU time (``time.process_time``) over the GEMM floor of one epoch of
the same shapes, measured in the same process (the epoch's matrix products
alone, into preallocated outputs: 5 per CD-1 minibatch, 11 per fine-tuning
minibatch); each fit is timed ``--repeats`` times after a warm-up fit,
alternating with the floor, and the median ratio is kept.

Every measurement runs in its own subprocess, with ``PYTHONPATH`` pointing
at this tree or at a temporary ``git worktree`` of each ``--against``
commit; the trees alternate (the order reversed every round) for
``--rounds`` rounds, and the medians over rounds are printed side by side
with every round's value, and the load average seen. BLAS is limited to
``--threads`` threads (threadpoolctl) in the workers; ``--no-numba`` sets
``SKLEARN_SPARSITY_NUMBA=0`` (the numpy kernels; commits without numba
kernels ignore it). The data is generated here (MNIST-like, about 20 %
non-zero), not imported from the package or ``_cases.py``, which differ
between commits. Fine-tuning ratios above 1.3 (the target of issues 5 and
21) are flagged.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve()
ROOT = HERE.parent.parent
SIZES = (500, 500, 2000)
N_FEATURES = 784
N_CLASSES = 10
BATCH = 100
FINETUNE_TARGET = 1.3
CASES = {
    "cd1": "CD-1: fit of 1 epoch",
    "finetune": "fine-tuning: fit of 1 epoch",
    "epoch": "fine-tuning: 1 epoch alone (fit of 1 + k epochs minus fit of 1)/k",
    "fixed": "fine-tuning: the fit's fixed costs (fit of 1 epoch minus 1 epoch)",
}


# ---------------------------------------------------------------- worker
def _data(n_rows):
    import numpy as np

    rng = np.random.default_rng(0)
    X = rng.random((n_rows, N_FEATURES), dtype=np.float32)
    centre = rng.random((n_rows, 1), dtype=np.float32)
    pos = np.linspace(0.0, 1.0, N_FEATURES, dtype=np.float32)[None, :]
    on = (np.abs(pos - centre) < 0.1) | (X < 0.02)
    X = np.where(on, 0.5 + 0.5 * X, np.float32(0.0)).astype(np.float32)
    y = np.minimum((centre[:, 0] * N_CLASSES).astype(int), N_CLASSES - 1)
    return np.ascontiguousarray(X), y


def _floor(n_rows, layers, products):
    """``run()``: the products of an epoch, into preallocated outputs."""
    import numpy as np

    rng = np.random.default_rng(1)
    W = [rng.normal(0.0, 0.01, (a, b)).astype(np.float32)
         for a, b in zip(layers[:-1], layers[1:])]
    A = [rng.random((BATCH, s), dtype=np.float32) for s in layers]
    out = [np.empty_like(a) for a in A]
    G = [np.empty_like(w) for w in W]
    n_batches = -(-n_rows // BATCH)

    def run():
        for _ in range(n_batches):
            products(W, A, out, G)

    return run


def _cd_products(W, A, out, G):
    import numpy as np

    (w,), (v0, h0), (v, h1), (g,) = W, A, out, G
    np.matmul(v0, w, out=h0)
    np.matmul(h0, w.T, out=v)
    np.matmul(v, w, out=h1)
    np.matmul(v0.T, h0, out=g)
    np.matmul(v.T, h1, out=g)


def _mlp_products(W, A, out, G):
    import numpy as np

    last = len(W) - 1
    for i, w in enumerate(W):
        np.matmul(A[i], w, out=A[i + 1])
    for i in range(last, -1, -1):
        np.matmul(A[i].T, A[i + 1], out=G[i])
        if i > 0:
            np.matmul(A[i + 1], W[i].T, out=out[i])


def _cpu(fn):
    tic = time.process_time()
    fn()
    return time.process_time() - tic


def worker(n_rows, repeats, threads, learning_rate, extra_epochs):
    """Measure the ratios in this process; print one JSON line."""
    import warnings

    import numpy as np
    from threadpoolctl import threadpool_limits

    import sklearn_sparsity
    from sklearn_sparsity import PretrainedMLPClassifier, StackedRBMTransformer

    X, y = _data(n_rows)

    def cd1():
        StackedRBMTransformer((500,), n_epochs=1, random_state=0).fit(X)

    def finetune(n_epochs=1):
        PretrainedMLPClassifier(SIZES, pretrain=False, n_epochs=n_epochs,
                                tol=None, learning_rate=learning_rate,
                                random_state=0).fit(X, y)

    def finetune_more():
        finetune(1 + extra_epochs)

    cases = {
        "cd1": (cd1, _floor(n_rows, (N_FEATURES, 500), _cd_products)),
        "finetune": (finetune, _floor(n_rows, (N_FEATURES, *SIZES, N_CLASSES),
                                      _mlp_products)),
    }
    result = {"package": sklearn_sparsity.__file__}
    with threadpool_limits(threads), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name, (fit, floor) in cases.items():
            fit()  # warm-up: numba kernels, first touch of the buffers
            floor()
            ours, floors = [], []
            for _ in range(repeats):
                floors.append(_cpu(floor))
                ours.append(_cpu(fit))
            result[name] = {
                "ratio": float(np.median(np.array(ours) / np.array(floors))),
                "ours_s": statistics.median(ours),
                "floor_s": statistics.median(floors),
            }
            if name == "finetune" and extra_epochs:
                # The cost of an epoch without the fit's fixed costs:
                # (fit of 1 + k epochs - fit of 1 epoch) / k, over the floor.
                more = [_cpu(finetune_more) for _ in range(repeats)]
                epoch = (statistics.median(more) - statistics.median(ours)) \
                    / extra_epochs
                floor_s = statistics.median(floors)
                result["epoch"] = {"ratio": epoch / floor_s, "ours_s": epoch,
                                   "floor_s": floor_s}
                result["fixed"] = {"ratio": (statistics.median(ours) - epoch)
                                   / floor_s}
    print(json.dumps(result))


# ---------------------------------------------------------------- driver
def _run_worker(tree, args):
    env = dict(os.environ, PYTHONPATH=str(tree), OMP_NUM_THREADS="1")
    if args.no_numba:
        env["SKLEARN_SPARSITY_NUMBA"] = "0"
    cmd = [sys.executable, str(HERE), "--worker", "--rows", str(args.rows),
           "--repeats", str(args.repeats), "--threads", str(args.threads),
           "--learning-rate", str(args.learning_rate),
           "--extra-epochs", str(args.extra_epochs)]
    # Run from a neutral folder so that neither tree is imported by accident.
    done = subprocess.run(cmd, env=env, cwd=tempfile.gettempdir(),
                          capture_output=True, text=True, check=False)
    if done.returncode:
        raise RuntimeError(f"worker for {tree} failed:\n{done.stderr}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    if not Path(result["package"]).resolve().is_relative_to(Path(tree).resolve()):
        raise RuntimeError(f"worker imported {result['package']}, not {tree}")
    return result


def _load():
    try:
        return os.getloadavg()[0]
    except OSError:  # pragma: no cover - not on this platform
        return float("nan")


def compare(args):
    against = args.against or ["625b6df"]
    commits = [subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short",
                               c], capture_output=True, text=True,
                              check=True).stdout.strip() for c in against]
    with tempfile.TemporaryDirectory(prefix="compare-") as tmp:
        trees = {"this tree": ROOT}
        try:
            for commit in commits:
                trees[commit] = Path(tmp) / commit
                subprocess.run(["git", "-C", str(ROOT), "worktree", "add",
                                "--detach", str(trees[commit]), commit],
                               check=True, capture_output=True)
            runs = {name: [] for name in trees}
            loads = [_load()]
            for r in range(args.rounds):
                # Alternate the order of the trees, so that none always
                # follows the same one or meets a load spike at the same phase.
                names = list(trees) if r % 2 == 0 else list(trees)[::-1]
                for name in names:
                    runs[name].append(_run_worker(trees[name], args))
                    loads.append(_load())
                    print(f"round {r + 1}/{args.rounds} {name}: " + ", ".join(
                        f"{c} {runs[name][-1][c]['ratio']:.2f}"
                        for c in CASES if c in runs[name][-1]),
                        file=sys.stderr)
        finally:
            for name, tree in trees.items():
                if name != "this tree":
                    subprocess.run(["git", "-C", str(ROOT), "worktree",
                                    "remove", "--force", str(tree)],
                                   check=False, capture_output=True)
    print(f"\n{args.rows} rows, float32, minibatch {BATCH}, BLAS threads "
          f"{args.threads}, numba {'off' if args.no_numba else 'as installed'}, "
          f"fine-tuning rate {args.learning_rate}, k = {args.extra_epochs}; "
          f"{args.rounds} alternating rounds, each the median of "
          f"{args.repeats} floor/fit pairs; load average "
          f"{min(loads):.1f}-{max(loads):.1f}")
    print("CPU time / GEMM floor of one epoch; median over rounds (each "
          "round's value):")
    summary = {}
    for case, label in CASES.items():
        if not any(case in res for results in runs.values() for res in results):
            continue  # the epoch alone and fixed costs with --extra-epochs 0
        print(f"  {label}")
        for name, results in runs.items():
            values = [res[case]["ratio"] for res in results if case in res]
            if not values:
                continue
            med = statistics.median(values)
            summary.setdefault(name, {})[case] = {"median": med,
                                                  "values": values}
            flag = (f"  above {FINETUNE_TARGET}" if case in ("finetune", "epoch")
                    and med > FINETUNE_TARGET else "")
            print(f"    {name:>10}: {med:.2f} ("
                  + ", ".join(f"{v:.2f}" for v in values) + f"){flag}")
    if args.out:
        Path(args.out).write_text(json.dumps(
            {"against": commits, "rows": args.rows, "threads": args.threads,
             "numba": not args.no_numba, "load": loads, "results": summary,
             "runs": runs}, indent=1))
    return summary


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--against", action="append", default=None,
                        help="commit to compare with (default 625b6df); "
                        "repeat for several")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--rows", type=int, default=6000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--no-numba", action="store_true")
    parser.add_argument("--learning-rate", type=float, default=0.1,
                        help="fine-tuning rate (default 0.1, the estimator's)")
    parser.add_argument("--extra-epochs", type=int, default=2,
                        help="k of the per-epoch estimate (0: skip it)")
    parser.add_argument("--out", default=None)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        worker(args.rows, args.repeats, args.threads, args.learning_rate,
               args.extra_epochs)
    else:
        compare(args)


if __name__ == "__main__":
    main()
