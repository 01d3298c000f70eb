"""Timings of the sparsity metrics at the sizes of the paper's experiments.

Run ``python benchmarks/bench_metrics.py [--repeats N]``. Prints the median
wall time of each metric, next to a straightforward implementation measured in
the same process (the ratio is what carries over between machines):

- HSPM of 10,000 x 2,000 float32 activations (``hoyer_sparseness``), against
  a float64 copy of the matrix reduced with ``np.linalg.norm``;
- average AOD for every k = 2..100 with 100 classes x 2,000 units
  (``average_activation_overlap`` from 10,000 x 2,000 activations, and the
  closed form alone from the class activation matrix), against
  ``scipy.special.comb`` evaluated per k;
- the threshold rule on 10,000 samples of a 784 -> 500 sigmoid layer
  (``_select_threshold``, the core of ``select_activation_threshold``, 50
  quantile candidates): the scan alone (``refine=False``) against evaluating
  every candidate on all samples, and the full rule (scan, then bisection
  over every distinct activation value in between);
- the full rule on a 10,000 x 2,000 layer of a 500 -> 2,000 RBM (the size of
  the paper's third layer on the MNIST test set; target: under 5 s), and
  with 10 million candidates (bounded work).
"""

import argparse
import time

import numpy as np
from scipy.special import comb, expit

from sklearn_sparsity.metrics import average_activation_overlap, hoyer_sparseness
from sklearn_sparsity.metrics._overlap import _overlap_curve
from sklearn_sparsity.metrics._threshold import (
    _reconstruct,
    _select_threshold,
    _threshold_candidates,
)


def median_time(func, repeats):
    """Median wall time and median CPU time (all threads) of ``func()``."""
    wall, cpu = [], []
    for _ in range(repeats):
        start, start_cpu = time.perf_counter(), time.process_time()
        func()
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return float(np.median(wall)), float(np.median(cpu))


def naive_hspm(H):
    H = H.astype(np.float64)
    n = H.shape[1]
    ratio = np.linalg.norm(H, 1, axis=1) / np.linalg.norm(H, axis=1)
    return (np.sqrt(n) - ratio) / (np.sqrt(n) - 1)


def naive_aod_curve(Z):
    m = Z.shape[0]
    counts = Z.sum(axis=0)
    return np.array([np.mean(comb(counts, k) / comb(m, k)) for k in range(2, m + 1)])


def naive_threshold(H, W, c, tol, candidates):
    reference = _reconstruct(H, W, c)
    for tau in _threshold_candidates(H, candidates):
        S = np.where(np.abs(H) >= tau, H, 0)
        error = ((_reconstruct(S, W, c) - reference) ** 2).sum(axis=1).mean()
        if error < tol:
            return tau, error


def sigmoid_layer(n_samples, n_visible, n_hidden, rng):
    """Binary-ish inputs with ~20% of pixels on and a sigmoid layer on them."""
    X = (rng.random((n_samples, n_visible), dtype=np.float32) < 0.2).astype(np.float32)
    W = rng.normal(0, 0.1, (n_visible, n_hidden)).astype(np.float32)
    b = rng.normal(-2, 1, n_hidden).astype(np.float32)
    c = rng.normal(-1, 1, n_visible).astype(np.float32)
    return expit(X @ W + b), W, c


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    repeats = parser.parse_args().repeats
    rng = np.random.default_rng(0)
    rows = []

    H = rng.random((10_000, 2_000), dtype=np.float32)
    H *= rng.random((10_000, 2_000), dtype=np.float32) < 0.3
    np.testing.assert_allclose(hoyer_sparseness(H), naive_hspm(H), atol=1e-6)
    rows.append(
        (
            "HSPM, 10,000 x 2,000 float32",
            median_time(lambda: hoyer_sparseness(H), repeats),
            median_time(lambda: naive_hspm(H), repeats),
        )
    )

    y = np.repeat(np.arange(100), 100)
    probs = rng.random(2_000)
    A = (rng.random((10_000, 2_000)) < probs).astype(np.float32)
    Z = (rng.random((100, 2_000)) < probs).astype(np.int8)
    ks = np.arange(2, 101)
    np.testing.assert_allclose(_overlap_curve(Z, ks), naive_aod_curve(Z), rtol=1e-9)
    rows.append(
        (
            "avg AOD k=2..100, from 10,000 x 2,000 H",
            median_time(
                lambda: average_activation_overlap(A, y, tau=0.5, k="all"), repeats
            ),
            None,
        )
    )
    rows.append(
        (
            "avg AOD k=2..100, from 100 x 2,000 Z",
            median_time(lambda: _overlap_curve(Z, ks), repeats),
            median_time(lambda: naive_aod_curve(Z), repeats),
        )
    )

    H, W, c = sigmoid_layer(10_000, 784, 500, rng)
    tau, error = _select_threshold(H, W, c, 0.05, "mean", 50, refine=False)
    np.testing.assert_allclose(
        (tau, error), naive_threshold(H, W, c, 0.05, 50), rtol=1e-5
    )
    naive = median_time(lambda: naive_threshold(H, W, c, 0.05, 50),
                        min(repeats, 3))
    rows.append(
        (
            f"tau scan, 10,000 x 500 -> 784 (tau={tau:.4f})",
            median_time(lambda: _select_threshold(H, W, c, 0.05, "mean", 50,
                                                  refine=False), repeats),
            naive,
        )
    )
    tau, _ = _select_threshold(H, W, c, 0.05, "mean", 50)
    rows.append(
        (
            f"tau rule, 10,000 x 500 -> 784 (tau={tau:.4f})",
            median_time(lambda: _select_threshold(H, W, c, 0.05, "mean", 50),
                        repeats),
            naive,
        )
    )
    H, W, c = sigmoid_layer(10_000, 500, 2_000, rng)
    tau, _ = _select_threshold(H, W, c, 0.05, "mean", 50)
    rows.append(
        (
            f"tau rule, 10,000 x 2,000 -> 500 (tau={tau:.4f})",
            median_time(lambda: _select_threshold(H, W, c, 0.05, "mean", 50),
                        repeats),
            None,
        )
    )
    rows.append(
        (
            "tau rule, 10,000 x 2,000 -> 500, 1e7 candidates",
            median_time(lambda: _select_threshold(H, W, c, 0.05, "mean",
                                                  10_000_000), 1),
            None,
        )
    )

    width = max(len(name) for name, _, _ in rows)
    print(
        f"{'metric':<{width}}  {'wall s':>8}  {'cpu s':>8}  {'naive wall':>10}"
        f"  {'speed-up':>8}"
    )
    for name, (wall, cpu), naive in rows:
        line = f"{name:<{width}}  {wall:8.4f}  {cpu:8.4f}"
        if naive is None:
            print(f"{line}  {'-':>10}  {'-':>8}")
        else:
            print(f"{line}  {naive[0]:10.4f}  {naive[0] / wall:7.1f}x")
    print(f"(median of {repeats} runs; cpu s sums every thread of the process)")


if __name__ == "__main__":
    main()
