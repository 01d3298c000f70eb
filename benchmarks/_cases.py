"""Data, GEMM floors and core set-ups shared by the benchmark scripts.

Not part of the package: ``benchmarks/run.py`` and
``benchmarks/profile_epochs.py`` import it from this folder.
"""

import numpy as np

from sklearn_sparsity._backprop import BackpropWorkspace, train_epoch
from sklearn_sparsity._optim import MomentumSGD


def mnist_like(n_samples, n_features=784, *, seed=0, dtype=np.float32):
    """MNIST-like data in [0, 1] and 10 labels.

    Each row switches on a band of pixels around a random centre (values in
    (0.5, 1]) plus about 2% stray pixels elsewhere, so about 20% of the
    entries are non-zero, like MNIST; the label is the decile of the centre.

    Returns
    -------
    X : ndarray of shape (n_samples, n_features), C-contiguous ``dtype``
    y : ndarray of shape (n_samples,), int
    """
    rng = np.random.default_rng(seed)
    X = rng.random((n_samples, n_features), dtype=np.float32)
    centre = rng.random((n_samples, 1), dtype=np.float32)
    pos = np.linspace(0.0, 1.0, n_features, dtype=np.float32)[None, :]
    on = np.abs(pos - centre) < 0.1
    on |= X < 0.02
    X = np.where(on, 0.5 + 0.5 * X, np.float32(0.0))
    y = np.minimum((centre[:, 0] * 10).astype(int), 9)
    return np.ascontiguousarray(X, dtype=dtype), y


def cd_gemm_floor(n_samples, n_visible, n_hidden, *, batch_size=100,
                  dtype=np.float32, seed=0):
    """Return ``run()``: the 5 matrix products of a CD-1 epoch, nothing else.

    Per minibatch: ``v0 W``, ``h W^T``, ``v W``, ``v0^T h0`` and ``v^T h1``,
    with the shapes and dtype of the real epoch, written into preallocated
    outputs (``np.matmul(..., out=...)``).
    """
    rng = np.random.default_rng(seed)
    W = rng.normal(0.0, 0.01, (n_visible, n_hidden)).astype(dtype)
    v0 = rng.random((batch_size, n_visible)).astype(dtype)
    v = np.empty_like(v0)
    h0 = np.empty((batch_size, n_hidden), dtype=dtype)
    h1 = np.empty_like(h0)
    g0, g1 = np.empty_like(W), np.empty_like(W)
    n_batches = -(-n_samples // batch_size)

    def run():
        for _ in range(n_batches):
            np.matmul(v0, W, out=h0)
            np.matmul(h0, W.T, out=v)
            np.matmul(v, W, out=h1)
            np.matmul(v0.T, h0, out=g0)
            np.matmul(v.T, h1, out=g1)

    return run


def mlp_gemm_floor(n_samples, sizes, *, batch_size=100, dtype=np.float32, seed=0,
                   first_trainable=0):
    """Return ``run()``: the matrix products of one backprop epoch alone.

    Per minibatch: one forward product per layer, one weight-gradient product
    per trainable layer and one delta product per trainable layer above the
    first trainable one (``3L - 1`` products when every layer trains: 11 for
    784-500-500-2000-10).
    """
    rng = np.random.default_rng(seed)
    coefs = [rng.normal(0.0, 0.01, (a, b)).astype(dtype)
             for a, b in zip(sizes[:-1], sizes[1:])]
    acts = [rng.random((batch_size, s)).astype(dtype) for s in sizes]
    deltas = [np.empty((batch_size, s), dtype=dtype) for s in sizes]
    grads = [np.empty_like(W) for W in coefs]
    n_batches = -(-n_samples // batch_size)
    last = len(coefs) - 1

    def run():
        for _ in range(n_batches):
            for i, W in enumerate(coefs):
                np.matmul(acts[i], W, out=acts[i + 1])
            for i in range(last, first_trainable - 1, -1):
                np.matmul(acts[i].T, acts[i + 1], out=grads[i])
                if i > first_trainable:
                    np.matmul(acts[i + 1], coefs[i].T, out=deltas[i])

    return run


def finetune_setup(X, y, sizes, n_classes, *, seed=0, batch_size=100,
                   learning_rate=0.1, momentum=0.9, weight_decay=1e-4,
                   first_trainable=0):
    """Return ``run_epoch()``: one epoch of the package's backprop core.

    It drives :func:`~sklearn_sparsity._backprop.train_epoch` as
    :class:`~sklearn_sparsity.PretrainedMLPClassifier` does (shuffled order,
    momentum SGD with weight decay, log loss) without the estimator glue;
    ``first_trainable=len(sizes)`` is the DpRBM case (only the output layer
    trains, the layers below are frozen).
    """
    rng = np.random.default_rng(seed)
    dtype = X.dtype
    n = X.shape[0]
    Y = np.zeros((n, n_classes), dtype=dtype)
    Y[np.arange(n), y] = 1
    fan = [X.shape[1], *sizes, n_classes]
    coefs = [rng.normal(0, 0.01, size=(a, b)).astype(dtype)
             for a, b in zip(fan[:-1], fan[1:])]
    intercepts = [np.zeros(b, dtype=dtype) for b in fan[1:]]
    optimizer = MomentumSGD(coefs + intercepts,
                            [True] * len(coefs) + [False] * len(coefs),
                            weight_decay, momentum)
    ws = BackpropWorkspace(min(batch_size, n), X.shape[1], coefs, dtype)
    order = np.arange(n)

    def run_epoch():
        rng.shuffle(order)
        with np.errstate(over="ignore", invalid="ignore"):
            return train_epoch(X, Y, coefs, intercepts, optimizer, ws, order=order,
                               batch_size=batch_size, learning_rate=learning_rate,
                               loss="log_loss",
                               first_trainable=first_trainable)

    return run_epoch
