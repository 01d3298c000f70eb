"""Contrastive divergence (CD-k) training of one Bernoulli-Bernoulli RBM layer.

Pure numpy: no estimator glue, float32-first. :func:`fit_rbm_layer` is the only
training loop for RBMs in the package; :class:`~sklearn_sparsity.
StackedRBMTransformer` calls it once per layer.
"""

import time

import numpy as np
import scipy.sparse as sp

from ._backprop import sigmoid_affine_
from ._optim import MomentumSGD, check_divergence, momentum_at
from .metrics._hoyer import _hoyer_along

# Positive-phase hidden probabilities are kept for about this many values
# before their HSPM is computed in one call (a few minibatches at a time).
_HSPM_BLOCK_ELEMENTS = 2**18


class _CDWorkspace:
    """Buffers reused across minibatches (no allocation in the inner loop).

    The visible rows of both phases share one array ``V = [v0; v]`` and the
    hidden ones one array ``H = [s h0; -s h1]`` (``s = learning_rate / n``),
    so the weight statistics ``s (v0^T h0 - v^T h1)`` are a single matrix
    product ``V^T H`` with no subtraction or rescaling pass over ``W``.
    """

    def __init__(self, batch_size, n_visible, n_hidden, dtype, block_rows):
        self.V = np.empty((2 * batch_size, n_visible), dtype=dtype)
        self.H = np.empty((2 * batch_size, n_hidden), dtype=dtype)
        self.hs = np.empty((batch_size, n_hidden), dtype=dtype)
        # Uniforms are drawn in float32 whatever the dtype, so float32 and
        # float64 runs with the same seed sample the same hidden states.
        self.u = np.empty((batch_size, n_hidden), dtype=np.float32)
        self.signs = np.empty(2 * batch_size, dtype=dtype)
        self.gW = np.empty((n_visible, n_hidden), dtype=dtype)
        self.gb = np.empty(n_hidden, dtype=dtype)
        self.gc = np.empty(n_visible, dtype=dtype)
        # Unscaled h0 of the last few minibatches, awaiting their HSPM.
        self.h0_block = np.empty((block_rows, n_hidden), dtype=dtype)

    def v0(self, n):
        """Buffer for the (first ``n`` rows of the) minibatch input."""
        return self.V[:n]


def _sample_bernoulli(p, u, out, generator):
    """Write a Bernoulli(p) sample into ``out``; ``u`` is scratch space."""
    generator.random(out=u, dtype=np.float32)
    np.less(u, p, out=out, casting="unsafe")
    return out


def cd_update(ws, n, h0, W, b, c, optimizer, *, learning_rate, momentum, cd_steps,
              generator):
    """One CD-k minibatch update of ``(W, b, c)``; returns the squared error.

    On entry ``ws.v0(n)`` holds the minibatch ``v0``; ``h0`` (``n`` rows)
    receives the positive-phase hidden probabilities. Quantities (all per
    minibatch row):

    - ``h0 = sigmoid(v0 W + b)``: positive-phase hidden **probabilities**;
    - ``hs ~ Bernoulli(h0)``: hidden **binary samples** driving the chain;
    - ``v = sigmoid(hs W^T + c)``: reconstructed visible **probabilities**
      (visible units are never sampled);
    - ``h1 = sigmoid(v W + b)``: negative-phase hidden **probabilities**;
      for ``k > 1``, ``hs`` is resampled from ``h1`` between steps.

    The ascent directions are ``(v0^T h0 - v^T h1) / n`` for ``W``,
    ``mean(h0 - h1)`` for ``b`` and ``mean(v0 - v)`` for ``c``; they are
    formed already multiplied by ``learning_rate`` (see :class:`_CDWorkspace`)
    and handed to ``optimizer`` with ``scaled=True``.

    Returns
    -------
    sq_err : float
        Sum over the minibatch of ``||v0 - v||^2``.
    """
    V, H = ws.V[: 2 * n], ws.H[: 2 * n]
    v0, v = V[:n], V[n:]
    pos, neg = H[:n], H[n:]
    hs, u = ws.hs[:n], ws.u[:n]
    s = learning_rate / n

    np.matmul(v0, W, out=h0)
    sigmoid_affine_(h0, b)
    _sample_bernoulli(h0, u, hs, generator)
    for step in range(cd_steps):
        np.matmul(hs, W.T, out=v)
        sigmoid_affine_(v, c)
        np.matmul(v, W, out=neg)
        if step + 1 < cd_steps:
            sigmoid_affine_(neg, b)
            _sample_bernoulli(neg, u, hs, generator)
        else:
            sigmoid_affine_(neg, b, scale=-s)  # neg = -s h1
    np.multiply(h0, s, out=pos)  # pos = s h0

    gW, gb, gc = ws.gW, ws.gb, ws.gc
    np.matmul(V.T, H, out=gW)  # s (v0^T h0 - v^T h1)
    H.sum(axis=0, out=gb)  # s sum(h0 - h1)
    signs = ws.signs[: 2 * n]
    signs[:n] = s
    signs[n:] = -s
    np.matmul(signs, V, out=gc)  # s sum(v0 - v)

    # Reconstruction error, computed before parameters move; v is no longer
    # needed, so its buffer holds the difference.
    diff = np.subtract(v0, v, out=v)
    sq_err = float(np.einsum("ij,ij->", diff, diff))

    optimizer.step([gW, gb, gc], learning_rate, momentum, scaled=True)
    return sq_err


def _gather_rows(X, rows, start, shuffle, out):
    """Copy the minibatch rows of dense or CSR ``X`` into dense ``out``.

    Only the minibatch is densified; unshuffled minibatches are contiguous
    row slices (no index array).
    """
    n = out.shape[0]
    if sp.issparse(X):
        batch = X[rows] if shuffle else X[start:start + n]
        batch.toarray(out=out)
    elif shuffle:
        # mode="clip" (the rows are valid) writes straight into ``out``;
        # mode="raise" would gather into a temporary first.
        np.take(X, rows, axis=0, out=out, mode="clip")
    else:
        np.copyto(out, X[start:start + n])
    return out


def fit_rbm_layer(X, n_hidden, *, n_epochs, learning_rate, batch_size, momentum,
                  weight_decay, cd_steps, init_std, shuffle, seed,
                  momentum_schedule="linear", verbose=0, layer_index=0):
    """Train one RBM layer with CD-k and momentum SGD.

    Parameters
    ----------
    X : ndarray or CSR matrix of shape (n_samples, n_visible)
        Float32 or float64 values in [0, 1] (validated by the caller).
    n_hidden : int
    n_epochs, learning_rate, batch_size, momentum, weight_decay, cd_steps,
    init_std, shuffle
        As in :class:`~sklearn_sparsity.StackedRBMTransformer`.
    seed : int or numpy.random.SeedSequence
        Seed of this layer's random generator (weights, shuffling, sampling).
    momentum_schedule : {"linear", "step"}, default="linear"
        Shape of the momentum schedule (see ``_optim.momentum_at``).
    verbose : int
        Print one line per epoch when > 0.
    layer_index : int
        Only used in progress messages.

    Returns
    -------
    W : ndarray of shape (n_visible, n_hidden)
    b : ndarray of shape (n_hidden,)
        Hidden biases.
    c : ndarray of shape (n_visible,)
        Visible biases.
    history : dict of ndarray
        ``"reconstruction_error"`` (mean over samples of ``||v0 - v||^2``),
        ``"hspm"`` (mean HSPM of the positive-phase hidden probabilities) and
        ``"time"`` (seconds), one value per epoch.
    """
    generator = np.random.default_rng(seed)
    dtype = X.dtype
    n_samples, n_visible = X.shape
    batch_size = min(batch_size, n_samples)

    W = generator.normal(0.0, init_std, size=(n_visible, n_hidden)).astype(
        dtype, copy=False
    )
    b = np.zeros(n_hidden, dtype=dtype)
    c = np.zeros(n_visible, dtype=dtype)
    optimizer = MomentumSGD([W, b, c], [True, False, False], weight_decay)
    # The HSPM of h0 is computed a few minibatches at a time, in one call.
    per_block = max(1, _HSPM_BLOCK_ELEMENTS // (batch_size * n_hidden))
    block_rows = per_block * batch_size
    ws = _CDWorkspace(batch_size, n_visible, n_hidden, dtype, block_rows)

    history = {
        "reconstruction_error": np.empty(n_epochs),
        "hspm": np.empty(n_epochs),
        "time": np.empty(n_epochs),
    }
    order = np.arange(n_samples)
    with_hspm = n_hidden > 1
    for epoch in range(n_epochs):
        tic = time.perf_counter()
        mom = momentum_at(epoch, n_epochs, momentum, momentum_schedule)
        if shuffle:
            generator.shuffle(order)
        sq_err = 0.0
        hspm_sum = 0.0
        filled = 0  # rows of ws.h0_block awaiting their HSPM
        # Overflow is not warned about here: divergence is detected below
        # and reported as a ValueError naming the epoch.
        with np.errstate(over="ignore", invalid="ignore"):
            for start in range(0, n_samples, batch_size):
                rows = order[start:start + batch_size]
                n = rows.shape[0]
                if filled + n > block_rows:
                    hspm_sum += float(_hoyer_along(ws.h0_block[:filled]).sum())
                    filled = 0
                _gather_rows(X, rows, start, shuffle, ws.v0(n))
                err = cd_update(
                    ws, n, ws.h0_block[filled:filled + n], W, b, c, optimizer,
                    learning_rate=learning_rate, momentum=mom, cd_steps=cd_steps,
                    generator=generator,
                )
                sq_err += err
                if with_hspm and np.isfinite(err):
                    filled += n
            if filled:
                hspm_sum += float(_hoyer_along(ws.h0_block[:filled]).sum())
        check_divergence(f"RBM layer {layer_index}", epoch + 1, learning_rate,
                         [W], sq_err)
        history["reconstruction_error"][epoch] = sq_err / n_samples
        history["hspm"][epoch] = hspm_sum / n_samples if with_hspm else np.nan
        history["time"][epoch] = time.perf_counter() - tic
        if verbose:
            print(
                f"[StackedRBM] layer {layer_index}, epoch {epoch + 1}/{n_epochs}: "
                f"reconstruction error {history['reconstruction_error'][epoch]:.4f}, "
                f"HSPM {history['hspm'][epoch]:.4f}, "
                f"{history['time'][epoch]:.2f} s",
                flush=True,
            )
    return W, b, c, history
