"""cProfile one CD-1 epoch and one fine-tuning epoch (the shapes of issue 5).

Usage::

    python benchmarks/profile_epochs.py [--quick] [--top N] [--threads T]

CD-1: ``fit_rbm_layer`` on 60,000 x 784 float32 (10,000 with ``--quick``),
500 hidden units, minibatch 100. Fine-tuning: one ``train_epoch`` of
784-500-500-2000-10 on the same data. Prints the functions with the largest
self time. ``--threads`` limits BLAS threads (threadpoolctl) for this run only.
"""

import argparse
import contextlib
import cProfile
import io
import pstats
import sys
from pathlib import Path

from threadpoolctl import threadpool_limits

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _cases import finetune_setup, mnist_like  # noqa: E402

from sklearn_sparsity._rbm import fit_rbm_layer  # noqa: E402


def _profile(fn, top):
    prof = cProfile.Profile()
    prof.enable()
    fn()
    prof.disable()
    stream = io.StringIO()
    stats = pstats.Stats(prof, stream=stream)
    stats.sort_stats("tottime").print_stats(top)
    total = sum(v[2] for v in stats.stats.values())
    return total, stream.getvalue()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--top", type=int, default=12)
    parser.add_argument("--threads", type=int, default=None)
    args = parser.parse_args(argv)
    n = 10_000 if args.quick else 60_000
    X, y = mnist_like(n, 784, seed=0)

    def cd1():
        fit_rbm_layer(
            X, 500, n_epochs=1, learning_rate=0.1, batch_size=100,
            momentum=(0.5, 0.9), weight_decay=1e-4, cd_steps=1, init_std=0.01,
            shuffle=True, seed=0,
        )

    limits = (threadpool_limits(args.threads) if args.threads
              else contextlib.nullcontext())
    with limits:
        run_epoch = finetune_setup(X, y, (500, 500, 2000), 10, seed=0)
        run_epoch()  # first touch of the buffers
        for name, fn in [("CD-1 epoch", cd1), ("fine-tune epoch", run_epoch)]:
            total, text = _profile(fn, args.top)
            print(f"==== {name}: {X.shape[0]} x {X.shape[1]}, total {total:.2f} s")
            print(text)


if __name__ == "__main__":
    main()
