"""Issue 15's accelerator benchmark: both training loops on a PyTorch device.

One CD-1 epoch (60,000 x 784 -> 500, batch 100) and one fine-tuning epoch
(784-500-500-2000-10, batch 100, log loss, every layer trained), each run

- on the device through the package's own loops (``train_cd`` and
  ``train_epoch`` with the PyTorch backend, under ``array_api_dispatch``),
- on the device as the GEMM floor: the epoch's matrix products alone, same
  shapes and dtype, into preallocated outputs (5 per minibatch for CD-1, 11
  for the fine-tuning epoch, as ``_cases.py`` defines them for the CPU),
- on the CPU through the numpy path (on ``--cpu-rows`` rows, scaled to the
  full epoch: an epoch's cost is linear in its minibatches).

Prints medians of ``--repeats`` runs (after one warm-up run) and the two
ratios of the issue's goal: CPU / device (goal >= 20) and device / device
GEMM floor (goal <= 1.5). Writes JSON to ``--out`` (default
``$OUT/bench_gpu.json`` when ``OUT`` is set, else
``benchmarks/gpu_results.json``)::

    SCIPY_ARRAY_API=1 python benchmarks/bench_gpu.py --device cuda
    SCIPY_ARRAY_API=1 python benchmarks/bench_gpu.py --device cpu --quick --threads 1

``--quick`` shrinks the shapes (a smoke run: the test suite runs it on
PyTorch's CPU device when torch is installed).
"""

import argparse
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("SCIPY_ARRAY_API", "1")

import numpy as np  # noqa: E402
import sklearn  # noqa: E402

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _cases import mnist_like  # noqa: E402

from sklearn_sparsity._backend import NUMPY, get_backend  # noqa: E402
from sklearn_sparsity._backprop import (  # noqa: E402
    BackpropWorkspace,
    init_backprop_state,
    one_hot,
    train_epoch,
)
from sklearn_sparsity._rbm import init_cd_state, train_cd  # noqa: E402

FULL = {"n_samples": 60_000, "n_visible": 784, "n_hidden": 500,
        "sizes": (784, 500, 500, 2000, 10)}
QUICK = {"n_samples": 2_000, "n_visible": 196, "n_hidden": 100,
         "sizes": (196, 100, 100, 300, 10)}
BATCH = 100


def _sync(torch, device):
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def timed(func, repeats, sync):
    """Median seconds of ``repeats`` runs after one warm-up run."""
    func()
    sync()
    times = []
    for _ in range(repeats):
        tic = time.perf_counter()
        func()
        sync()
        times.append(time.perf_counter() - tic)
    return statistics.median(times)


def cd_epoch(X, n_hidden):
    """``run()``: one CD-1 epoch of the package's loop on ``X``'s backend."""
    backend = get_backend(X)
    state = init_cd_state(
        X.shape[1], n_hidden, dtype=X.dtype, init_std=0.01, seed=0,
        weight_decay=1e-4, momentum=(0.5, 0.9), momentum_schedule="linear",
        n_epochs=50, backend=backend)

    def run():
        train_cd(state, X, n_epochs=1, learning_rate=0.1, batch_size=BATCH,
                 cd_steps=1, shuffle=True)

    return run


def finetune_epoch(X, y_index, sizes):
    """``run()``: one back-propagation epoch of the package's loop."""
    backend = get_backend(X)
    rng = np.random.default_rng(0)
    coefs = [backend.asarray(rng.normal(0, 0.01, (a, b)), X.dtype)
             for a, b in zip(sizes[:-1], sizes[1:])]
    intercepts = [backend.zeros(b, X.dtype) for b in sizes[1:]]
    generator = rng if backend is NUMPY else backend.rng(0)
    state = init_backprop_state(coefs, intercepts, generator, weight_decay=1e-4,
                                momentum=0.9, momentum_schedule="linear",
                                n_epochs=50, backend=backend)
    Y = one_hot(y_index, sizes[-1], X.dtype, backend)
    ws = BackpropWorkspace(BATCH, X.shape[1], coefs, X.dtype, backend)
    order = backend.arange(X.shape[0])

    def run():
        backend.shuffle_(order, state.generator)
        train_epoch(X, Y, state.coefs, state.intercepts, state.optimizer, ws,
                    order=order, batch_size=BATCH, learning_rate=0.1,
                    loss="log_loss", first_trainable=0)

    return run


def cd_floor(torch, device, n_samples, n_visible, n_hidden):
    """The 5 products per minibatch of a CD-1 epoch, alone, on ``device``."""
    f32 = dict(device=device, dtype=torch.float32)
    W = torch.randn(n_visible, n_hidden, **f32) * 0.01
    v0 = torch.rand(BATCH, n_visible, **f32)
    v = torch.empty_like(v0)
    h0 = torch.empty(BATCH, n_hidden, **f32)
    h1 = torch.empty_like(h0)
    g0, g1 = torch.empty_like(W), torch.empty_like(W)
    n_batches = -(-n_samples // BATCH)

    def run():
        for _ in range(n_batches):
            torch.matmul(v0, W, out=h0)
            torch.matmul(h0, W.T, out=v)
            torch.matmul(v, W, out=h1)
            torch.matmul(v0.T, h0, out=g0)
            torch.matmul(v.T, h1, out=g1)

    return run


def mlp_floor(torch, device, n_samples, sizes):
    """The ``3L - 1`` products per minibatch of a fine-tuning epoch, alone."""
    f32 = dict(device=device, dtype=torch.float32)
    coefs = [torch.randn(a, b, **f32) * 0.01 for a, b in zip(sizes[:-1], sizes[1:])]
    acts = [torch.rand(BATCH, s, **f32) for s in sizes]
    deltas = [torch.empty(BATCH, s, **f32) for s in sizes]
    grads = [torch.empty_like(W) for W in coefs]
    n_batches = -(-n_samples // BATCH)
    last = len(coefs) - 1

    def run():
        for _ in range(n_batches):
            for i, W in enumerate(coefs):
                torch.matmul(acts[i], W, out=acts[i + 1])
            for i in range(last, -1, -1):
                torch.matmul(acts[i].T, acts[i + 1], out=grads[i])
                if i > 0:
                    torch.matmul(acts[i + 1], coefs[i].T, out=deltas[i])

    return run


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--device", default="cuda")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--cpu-rows", type=int, default=6_000,
                        help="rows of the CPU runs (scaled to the full epoch)")
    parser.add_argument("--threads", type=int, default=None,
                        help="torch and BLAS CPU threads (on a shared or "
                             "loaded CPU, 1 avoids threads waiting for each "
                             "other)")
    parser.add_argument("--out", default=None)
    args = parser.parse_args(argv)

    import torch

    torch_threads = torch.get_num_threads()
    limits = None
    if args.threads:
        from threadpoolctl import threadpool_limits

        torch.set_num_threads(args.threads)
        limits = threadpool_limits(args.threads)  # numpy's BLAS (CPU path)
    try:
        return _run(args, torch)
    finally:
        torch.set_num_threads(torch_threads)
        if limits is not None:
            limits.restore_original_limits()


def _run(args, torch):
    """The measurements of :func:`main` (threads already set)."""

    device = torch.device(args.device)
    shape = QUICK if args.quick else FULL
    n, n_vis, n_hid, sizes = (shape["n_samples"], shape["n_visible"],
                              shape["n_hidden"], shape["sizes"])
    X, y = mnist_like(n, n_vis, dtype=np.float32)
    cpu_rows = min(args.cpu_rows, n)
    scale = n / cpu_rows
    X_dev = torch.asarray(X, device=device)
    y_dev = torch.asarray(y, device=device)

    def sync():
        _sync(torch, device)

    def no_sync():
        pass

    info = {"device": str(device), "torch": torch.__version__,
            "numpy": np.__version__, "sklearn": sklearn.__version__,
            "python": platform.python_version(), "shape": shape,
            "batch_size": BATCH, "repeats": args.repeats,
            "cpu_rows": cpu_rows}
    if device.type == "cuda":
        info["device_name"] = torch.cuda.get_device_name(device)
    print(json.dumps(info), flush=True)

    results = {}
    with sklearn.config_context(array_api_dispatch=True):
        for case, ours, floor, cpu in [
            ("cd1_epoch", lambda: cd_epoch(X_dev, n_hid),
             lambda: cd_floor(torch, device, n, n_vis, n_hid),
             lambda: cd_epoch(X[:cpu_rows], n_hid)),
            ("finetune_epoch", lambda: finetune_epoch(X_dev, y_dev, sizes),
             lambda: mlp_floor(torch, device, n, sizes),
             lambda: finetune_epoch(X[:cpu_rows], y[:cpu_rows], sizes)),
        ]:
            print(f"[bench_gpu] {case}: device loop ...", flush=True)
            t_dev = timed(ours(), args.repeats, sync)
            print(f"[bench_gpu] {case}: device GEMM floor ...", flush=True)
            t_floor = timed(floor(), args.repeats, sync)
            print(f"[bench_gpu] {case}: numpy path on {cpu_rows} rows ...",
                  flush=True)
            t_cpu = timed(cpu(), max(1, args.repeats - 2), no_sync) * scale
            results[case] = {
                "device_s": t_dev, "device_gemm_floor_s": t_floor,
                "cpu_numpy_s": t_cpu, "cpu_over_device": t_cpu / t_dev,
                "device_over_floor": t_dev / t_floor}
    print(f"{'case':<16}{'device s':>10}{'floor s':>10}{'CPU s':>10}"
          f"{'CPU/device':>12}{'device/floor':>14}")
    for case, r in results.items():
        print(f"{case:<16}{r['device_s']:>10.4f}{r['device_gemm_floor_s']:>10.4f}"
              f"{r['cpu_numpy_s']:>10.3f}{r['cpu_over_device']:>12.1f}"
              f"{r['device_over_floor']:>14.2f}")
    out = args.out or (Path(os.environ["OUT"]) / "bench_gpu.json"
                       if os.environ.get("OUT") else HERE / "gpu_results.json")
    Path(out).write_text(json.dumps({"info": info, "results": results},
                                    indent=2))
    print(f"[bench_gpu] wrote {out}")
    return results


if __name__ == "__main__":
    main()
