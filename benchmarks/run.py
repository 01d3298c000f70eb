"""Benchmarks of the training cores against scikit-learn and the GEMM floor.

Usage::

    python benchmarks/run.py [--quick] [--out PATH] [--repeats R] [--threads T]

Every case times one training epoch. The package, its scikit-learn baseline
and the "GEMM floor" (the epoch's matrix products alone, same shapes and
dtype, written into preallocated outputs) run in the same process,
interleaved, ``--repeats`` times; medians are reported, and the ratios are
what carries over between machines. Peak memory is measured afterwards in one
untimed run per case with :mod:`tracemalloc` (numpy reports its buffers
there): the peak of memory allocated during the fit, on top of the data.

Cases:

- ``cd1``: one CD-1 epoch of ``StackedRBMTransformer(500)`` (float32, batch
  100) against ``BernoulliRBM(n_components=500, batch_size=100, n_iter=1)``
  on the same data, and against the 5 products per minibatch;
- ``finetune``: one backprop epoch of ``PretrainedMLPClassifier((500, 500,
  2000), pretrain=False)`` against ``MLPClassifier(hidden_layer_sizes=(500,
  500, 2000), activation="logistic", solver="sgd", batch_size=100,
  max_iter=1)``, both float32, and against the 11 products per minibatch;
- ``dprbm``: the same epoch with the hidden layers frozen (the DpRBM path of
  the backprop core; floor: 4 forward products and 1 gradient product);
- ``cd1_csr``: the CD-1 epoch on the same data as a CSR matrix, against
  ``BernoulliRBM`` on the same CSR matrix;
- ``samples``/``width``: CD-1 epoch time against the number of samples and of
  hidden units (time per sample, per sample and unit; ratios to the smallest
  case show linearity);
- ``metrics``: ``benchmarks/bench_metrics.py`` when present (run as is).

With numba installed (the ``fast`` extra) the package fuses its element-wise
updates (``sklearn_sparsity/_kernels.py``); the ``cd1`` and ``finetune`` cases
then also time the numpy code path in the same process (``ours_numpy``).

``--threads`` limits BLAS threads with threadpoolctl for the whole run (the
benchmark is the caller; the package itself never changes thread settings).
By default the environment's settings are used.
"""

import argparse
import contextlib
import json
import os
import platform
import subprocess
import sys
import time
import tracemalloc
import warnings
from pathlib import Path

import numpy as np
import scipy
import scipy.sparse as sp
import sklearn
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import BernoulliRBM, MLPClassifier
from threadpoolctl import threadpool_info, threadpool_limits

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from _cases import (  # noqa: E402
    cd_gemm_floor,
    finetune_setup,
    mlp_gemm_floor,
    mnist_like,
)

from sklearn_sparsity import (  # noqa: E402
    PretrainedMLPClassifier,
    StackedRBMTransformer,
    _kernels,
)

SIZES = (500, 500, 2000)
N_FEATURES = 784
N_CLASSES = 10

FULL = {
    "cd1_samples": 60_000, "finetune_samples": 20_000, "csr_samples": 20_000,
    "scaling_samples": [10_000, 20_000, 40_000, 60_000],
    "width_samples": 5_000, "widths": [500, 1000, 2000, 5000], "repeats": 3,
}
QUICK = {
    "cd1_samples": 5_000, "finetune_samples": 2_000, "csr_samples": 2_000,
    "scaling_samples": [1_000, 2_000, 4_000],
    "width_samples": 1_000, "widths": [250, 500, 1000], "repeats": 3,
}


# ----------------------------------------------------------------- helpers
def machine():
    """Machine, library versions and BLAS threading, for the record."""
    model = platform.processor()
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        for line in subprocess.run(["lscpu"], capture_output=True, text=True,
                                   check=True).stdout.splitlines():
            if line.startswith("Model name:"):
                model = line.split(":", 1)[1].strip()
    blas = [
        {k: info.get(k) for k in ("internal_api", "version", "architecture",
                                  "num_threads", "filepath")}
        for info in threadpool_info() if info.get("user_api") == "blas"
    ]
    return {
        "cpu": model, "cores": os.cpu_count(), "python": platform.python_version(),
        "numpy": np.__version__, "scipy": scipy.__version__,
        "sklearn": sklearn.__version__, "blas": blas,
        "env": {k: os.environ[k] for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE",
                                           "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS")
                if k in os.environ},
        "load_average": os.getloadavg(), "kernels": kernels_info(),
    }


def interleaved(funcs, repeats):
    """Median wall and CPU times of each function, the functions run in turn.

    Returns ``(wall, cpu, raw)``: dicts of medians and the raw wall times.
    The CPU time (``time.process_time``, every thread of the process) is the
    steadier measure on a shared machine when BLAS runs one thread.
    """
    times = {name: [] for name in funcs}
    cpu = {name: [] for name in funcs}
    for _ in range(repeats):
        for name, func in funcs.items():
            tic, tic_cpu = time.perf_counter(), time.process_time()
            func()
            times[name].append(time.perf_counter() - tic)
            cpu[name].append(time.process_time() - tic_cpu)
    wall = {name: float(np.median(t)) for name, t in times.items()}
    cpu = {name: float(np.median(t)) for name, t in cpu.items()}
    return wall, cpu, times


def peak_mb(func):
    """Peak MiB allocated (tracemalloc) while ``func()`` runs."""
    tracemalloc.start()
    try:
        func()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak / 2**20


def quiet(func):
    def run():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            func()
    return run


def numpy_kernels(func):
    """``func`` run with the numpy element-wise code instead of numba's."""
    def run():
        enabled = _kernels.NUMBA_ENABLED
        _kernels.NUMBA_ENABLED = False
        try:
            func()
        finally:
            _kernels.NUMBA_ENABLED = enabled
    return run


def kernels_info():
    """Which element-wise kernels the package uses (see ``_kernels.py``)."""
    if not _kernels.NUMBA_ENABLED:
        return "numpy"
    import numba

    return f"numba {numba.__version__}"


def with_numpy_variant(funcs):
    """Add an ``ours_numpy`` entry when the fused numba kernels are active."""
    if _kernels.NUMBA_ENABLED:
        funcs["ours_numpy"] = numpy_kernels(funcs["ours"])
    return funcs


def numpy_note(wall, cpu):
    if "ours_numpy" not in wall:
        return ""
    return (f"; with numpy kernels {wall['ours_numpy']:.3f} s wall, "
            f"{cpu['ours_numpy'] / cpu['floor']:.2f}x floor (cpu), numba "
            f"{cpu['ours_numpy'] / cpu['ours']:.2f}x faster (cpu)")


def cd_fit(X, n_hidden):
    return lambda: StackedRBMTransformer(
        n_hidden, n_epochs=1, batch_size=100, random_state=0
    ).fit(X)


def rbm_fit(X, n_hidden):
    return lambda: BernoulliRBM(
        n_components=n_hidden, batch_size=100, n_iter=1, random_state=0
    ).fit(X)


def cd_budget_mb(n_visible, n_hidden, batch=100):
    """Data-independent memory of a CD layer fit: O(batch x width + params).

    W, its velocity and its gradient, the float64 draw of the initial W, and
    the minibatch buffers (both phases, samples, uniforms, HSPM block).
    """
    params = 3 * 4 * n_visible * n_hidden + 8 * n_visible * n_hidden
    batch_bufs = 4 * (2 * batch * (n_visible + n_hidden) + 2 * batch * n_hidden
                      + max(2**18, batch * n_hidden))
    return (params + batch_bufs) / 2**20


def mlp_budget_mb(sizes, batch=100):
    """Weights, velocities, gradients (+ float64 initial draws) and buffers."""
    n_params = sum(a * b for a, b in zip(sizes[:-1], sizes[1:]))
    return (4 * 3 * n_params + 8 * max(a * b for a, b in zip(sizes[:-1], sizes[1:]))
            + 4 * batch * (3 * sum(sizes) + max(sizes))) / 2**20


def row(case, wall, cpu, peak, data_mb, budget, note=""):
    """One table row from the medians of ``interleaved``."""
    def ratio(d, a, b):
        return d[a] / d[b] if d.get(a) and d.get(b) else None

    return {
        "case": case, "ours_s": wall["ours"], "baseline_s": wall.get("baseline"),
        "speedup_vs_baseline": ratio(wall, "baseline", "ours"),
        "gemm_floor_s": wall["floor"], "ratio_to_floor": ratio(wall, "ours", "floor"),
        "cpu_s": cpu, "cpu_speedup_vs_baseline": ratio(cpu, "baseline", "ours"),
        "cpu_ratio_to_floor": ratio(cpu, "ours", "floor"),
        "peak_mb": peak, "data_mb": data_mb, "budget_mb": budget, "note": note,
    }


def targets(r, *, floor, speedup):
    """Issue 5's targets, judged on wall and on CPU medians."""
    return {
        f"ratio_to_floor <= {floor}": {
            "wall": r["ratio_to_floor"] <= floor,
            "cpu": r["cpu_ratio_to_floor"] <= floor},
        f"speedup_vs_baseline >= {speedup}": {
            "wall": r["speedup_vs_baseline"] >= speedup,
            "cpu": r["cpu_speedup_vs_baseline"] >= speedup},
    }


# ------------------------------------------------------------------- cases
def bench_cd1(cfg, X):
    n = cfg["cd1_samples"]
    Xn = X[:n]
    X64 = Xn.astype(np.float64)
    wall, cpu, raw = interleaved(with_numpy_variant({
        "ours": cd_fit(Xn, 500), "baseline": rbm_fit(X64, 500),
        "floor": cd_gemm_floor(n, N_FEATURES, 500),
        "baseline_f32": rbm_fit(Xn, 500),
    }), cfg["repeats"])
    peak = peak_mb(cd_fit(Xn, 500))
    peak_base = peak_mb(rbm_fit(X64, 500))
    r = row(f"cd1 {n}x784->500", wall, cpu, peak,
            Xn.nbytes / 2**20, cd_budget_mb(N_FEATURES, 500),
            f"baseline: BernoulliRBM on the float64 copy (issue's setting), peak "
            f"{peak_base:.1f} MiB; on the float32 array itself: "
            f"{wall['baseline_f32']:.3f} s, {wall['baseline_f32'] / wall['ours']:.2f}x"
            + numpy_note(wall, cpu))
    r["raw"] = raw
    r["targets"] = targets(r, floor=1.25, speedup=3)
    return r


def bench_finetune(cfg, X, y):
    n = cfg["finetune_samples"]
    Xn, yn = X[:n], y[:n]
    sizes = [N_FEATURES, *SIZES, N_CLASSES]

    def ours():
        PretrainedMLPClassifier(SIZES, pretrain=False, n_epochs=1, batch_size=100,
                                tol=None, random_state=0).fit(Xn, yn)

    baseline = quiet(lambda: MLPClassifier(
        hidden_layer_sizes=SIZES, activation="logistic", solver="sgd",
        batch_size=100, max_iter=1, random_state=0,
    ).fit(Xn, yn))
    wall, cpu, raw = interleaved(with_numpy_variant({
        "ours": ours, "baseline": baseline, "floor": mlp_gemm_floor(n, sizes),
    }), cfg["repeats"])
    peak = peak_mb(ours)
    peak_base = peak_mb(baseline)
    r = row(f"finetune {n}x784-500-500-2000-10", wall, cpu, peak,
            Xn.nbytes / 2**20, mlp_budget_mb(sizes),
            f"baseline: MLPClassifier float32, peak {peak_base:.1f} MiB"
            + numpy_note(wall, cpu))
    r["raw"] = raw
    r["targets"] = targets(r, floor=1.3, speedup=2)
    return r


def bench_dprbm(cfg, X, y):
    n = cfg["finetune_samples"]
    sizes = [N_FEATURES, *SIZES, N_CLASSES]
    epoch = finetune_setup(X[:n], y[:n], SIZES, N_CLASSES,
                           first_trainable=len(SIZES))
    wall, cpu, raw = interleaved({
        "ours": epoch,
        "floor": mlp_gemm_floor(n, sizes, first_trainable=len(SIZES)),
    }, cfg["repeats"])
    r = row(f"dprbm {n} (frozen 784-500-500-2000)", wall, cpu,
            peak_mb(epoch), X[:n].nbytes / 2**20, mlp_budget_mb(sizes),
            "backprop core (train_epoch) only, output layer trained")
    r["raw"] = raw
    return r


def bench_csr(cfg, X):
    n = cfg["csr_samples"]
    Xs = sp.csr_matrix(X[:n])
    data_mb = (Xs.data.nbytes + Xs.indices.nbytes + Xs.indptr.nbytes) / 2**20
    wall, cpu, raw = interleaved({
        "ours": cd_fit(Xs, 500), "baseline": rbm_fit(Xs, 500),
        "floor": cd_gemm_floor(n, N_FEATURES, 500),
    }, cfg["repeats"])
    peak = peak_mb(cd_fit(Xs, 500))
    r = row(f"cd1 CSR {n}x784->500 ({Xs.nnz / np.prod(Xs.shape):.0%} nnz)",
            wall, cpu, peak, data_mb, cd_budget_mb(N_FEATURES, 500),
            f"baseline: BernoulliRBM on the same CSR; a dense copy would be "
            f"{X[:n].nbytes / 2**20:.1f} MiB")
    r["raw"] = raw
    return r


def bench_samples(cfg, X):
    ns = cfg["scaling_samples"]
    med, _, _ = interleaved({n: cd_fit(X[:n], 500) for n in ns}, cfg["repeats"])
    per = {n: med[n] / n * 1e6 for n in ns}
    return [{"n_samples": n, "time_s": med[n], "us_per_sample": per[n],
             "relative": per[n] / per[ns[0]]} for n in ns]


def bench_width(cfg, X):
    n = cfg["width_samples"]
    widths = cfg["widths"]
    funcs = {}
    for w in widths:
        funcs[("ours", w)] = cd_fit(X[:n], w)
        funcs[("floor", w)] = cd_gemm_floor(n, N_FEATURES, w)
    med, _, _ = interleaved(funcs, cfg["repeats"])
    per = {w: med[("ours", w)] / (n * w) * 1e9 for w in widths}
    return [{"n_hidden": w, "time_s": med[("ours", w)],
             "ns_per_sample_unit": per[w], "relative": per[w] / per[widths[0]],
             "ratio_to_floor": med[("ours", w)] / med[("floor", w)]}
            for w in widths]


def bench_metrics(quick):
    script = HERE / "bench_metrics.py"
    if not script.exists():
        return None
    cmd = [sys.executable, str(script), "--repeats", "1" if quick else "3"]
    tic = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    return {"command": " ".join(cmd[1:]), "returncode": proc.returncode,
            "seconds": time.perf_counter() - tic,
            "stdout": proc.stdout, "stderr": proc.stderr[-2000:]}


# ------------------------------------------------------------------ report
def _fmt(x, spec):
    return "-" if x is None else format(x, spec)


def print_table(rows):
    head = (f"{'case':44} {'ours s':>8} {'base s':>8} {'speedup':>8} "
            f"{'floor s':>8} {'/floor':>7} {'cpu spd':>8} {'cpu/fl':>7} "
            f"{'peak MiB':>9} {'data MiB':>9} {'O() MiB':>8}")
    print(head)
    print("-" * len(head))
    for r in rows:
        print(f"{r['case']:44} {_fmt(r['ours_s'], '8.3f')} "
              f"{_fmt(r['baseline_s'], '8.3f')} "
              f"{_fmt(r['speedup_vs_baseline'], '7.2f')}x "
              f"{_fmt(r['gemm_floor_s'], '8.3f')} "
              f"{_fmt(r['ratio_to_floor'], '6.2f')}x "
              f"{_fmt(r['cpu_speedup_vs_baseline'], '7.2f')}x "
              f"{_fmt(r['cpu_ratio_to_floor'], '6.2f')}x {r['peak_mb']:9.1f} "
              f"{r['data_mb']:9.1f} {r['budget_mb']:8.1f}")
        if r.get("note"):
            print(f"{'':44}   ({r['note']})")
    for r in rows:
        for target, met in r.get("targets", {}).items():
            print(f"target {r['case'].split()[0]}: {target}: "
                  + ", ".join(f"{'met' if ok else 'NOT met'} ({how})"
                              for how, ok in met.items()))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="smaller shapes (same ratios), under a minute")
    parser.add_argument("--out", default=str(HERE / "results.json"))
    parser.add_argument("--repeats", type=int, default=None)
    parser.add_argument("--threads", type=int, default=None,
                        help="limit BLAS threads (threadpoolctl) for this run")
    parser.add_argument("--no-metrics", action="store_true")
    args = parser.parse_args(argv)
    cfg = dict(QUICK if args.quick else FULL)
    if args.repeats:
        cfg["repeats"] = args.repeats

    start = time.perf_counter()
    limits = (threadpool_limits(args.threads) if args.threads
              else contextlib.nullcontext())
    with limits:
        info = machine()
        print(f"{info['cpu']}, {info['cores']} cores, load {info['load_average']}; "
              f"numpy {info['numpy']}, scipy {info['scipy']}, sklearn "
              f"{info['sklearn']}; BLAS "
              + ", ".join(f"{b['internal_api']} {b['version']} {b['architecture']} "
                          f"x{b['num_threads']}" for b in info["blas"])
              + f"; element-wise kernels: {info['kernels']}")
        n_max = max(cfg["cd1_samples"], *cfg["scaling_samples"])
        X, y = mnist_like(n_max)
        # Compile (or load from numba's cache) the fused kernels untimed.
        quiet(lambda: PretrainedMLPClassifier(
            (8,), pretrain_epochs=1, n_epochs=1, random_state=0,
        ).fit(X[:200], y[:200]))()
        rows = [bench_cd1(cfg, X), bench_finetune(cfg, X, y),
                bench_dprbm(cfg, X, y), bench_csr(cfg, X)]
        print()
        print_table(rows)
        samples = bench_samples(cfg, X)
        print("\nCD-1 epoch (500 hidden) vs samples:")
        for s in samples:
            print(f"  {s['n_samples']:>7} samples {s['time_s']:8.3f} s "
                  f"{s['us_per_sample']:8.1f} us/sample  x{s['relative']:.2f}")
        width = bench_width(cfg, X)
        print(f"\nCD-1 epoch ({cfg['width_samples']} samples) vs hidden units:")
        for w in width:
            print(f"  {w['n_hidden']:>7} hidden {w['time_s']:8.3f} s "
                  f"{w['ns_per_sample_unit']:8.2f} ns/(sample*unit)  "
                  f"x{w['relative']:.2f}  {w['ratio_to_floor']:.2f}x floor")
    metrics = None if args.no_metrics else bench_metrics(args.quick)
    if metrics is not None:
        print(f"\nmetrics ({metrics['command']}, exit {metrics['returncode']}):")
        print(metrics["stdout"].rstrip() or metrics["stderr"])
    elapsed = time.perf_counter() - start
    print(f"\ntotal {elapsed:.0f} s; load average now {os.getloadavg()}")

    result = {"command": " ".join([Path(sys.executable).name, *sys.argv]),
              "quick": args.quick, "threads": args.threads, "config": cfg,
              "machine": info, "cases": rows, "scaling_samples": samples,
              "scaling_width": width, "metrics": metrics, "seconds": elapsed}
    Path(args.out).write_text(json.dumps(result, indent=1, default=str))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
