"""Contrastive divergence (CD-k) training of one Bernoulli-Bernoulli RBM layer.

Pure numpy: no estimator glue, float32-first. :func:`fit_rbm_layer` is the only
training loop for RBMs in the package; :class:`~sklearn_sparsity.
StackedRBMTransformer` calls it once per layer.
"""

import time

import numpy as np
import scipy.sparse as sp
from scipy.special import expit

from ._optim import MomentumSGD, momentum_at
from .metrics._hoyer import _hoyer_along


class _CDWorkspace:
    """Buffers reused across minibatches (no allocation in the inner loop)."""

    def __init__(self, batch_size, n_visible, n_hidden, dtype):
        self.v0 = np.empty((batch_size, n_visible), dtype=dtype)
        self.h0 = np.empty((batch_size, n_hidden), dtype=dtype)
        self.hs = np.empty((batch_size, n_hidden), dtype=dtype)
        self.h1 = np.empty((batch_size, n_hidden), dtype=dtype)
        self.v = np.empty((batch_size, n_visible), dtype=dtype)
        # Uniforms are drawn in float32 whatever the dtype, so float32 and
        # float64 runs with the same seed sample the same hidden states.
        self.u = np.empty((batch_size, n_hidden), dtype=np.float32)
        self.gW = np.empty((n_visible, n_hidden), dtype=dtype)
        self.gW2 = np.empty((n_visible, n_hidden), dtype=dtype)
        self.gb = np.empty(n_hidden, dtype=dtype)
        self.gc = np.empty(n_visible, dtype=dtype)

    def view(self, n):
        """Views of the buffers for a (last, smaller) minibatch of ``n`` rows."""
        return (self.v0[:n], self.h0[:n], self.hs[:n], self.h1[:n], self.v[:n],
                self.u[:n])


def _sample_bernoulli(p, u, out, generator):
    """Write a Bernoulli(p) sample into ``out``; ``u`` is scratch space."""
    generator.random(out=u, dtype=np.float32)
    np.less(u, p, out=out, casting="unsafe")
    return out


def _sigmoid_affine(X, W, bias, out, transpose=False):
    """out = expit(X @ W + bias) (or X @ W.T) computed in place."""
    np.matmul(X, W.T if transpose else W, out=out)
    out += bias
    return expit(out, out=out)


def cd_update(v0, W, b, c, optimizer, ws, *, n, learning_rate, momentum, cd_steps,
              generator):
    """One CD-k minibatch update of ``(W, b, c)``; returns the squared error.

    Quantities (all per minibatch row):

    - ``h0 = sigmoid(v0 W + b)``: positive-phase hidden **probabilities**;
    - ``hs ~ Bernoulli(h0)``: hidden **binary samples** driving the chain;
    - ``v = sigmoid(hs W^T + c)``: reconstructed visible **probabilities**
      (visible units are never sampled);
    - ``h1 = sigmoid(v W + b)``: negative-phase hidden **probabilities**;
      for ``k > 1``, ``hs`` is resampled from ``h1`` between steps.

    The ascent directions are ``(v0^T h0 - v^T h1) / n`` for ``W``,
    ``mean(h0 - h1)`` for ``b`` and ``mean(v0 - v)`` for ``c``.

    Returns
    -------
    sq_err : float
        Sum over the minibatch of ``||v0 - v||^2``.
    h0 : ndarray
        View of the positive-phase hidden probabilities buffer.
    """
    _, h0, hs, h1, v, u = ws.view(n)
    _sigmoid_affine(v0, W, b, h0)
    _sample_bernoulli(h0, u, hs, generator)
    for step in range(cd_steps):
        _sigmoid_affine(hs, W, c, v, transpose=True)
        _sigmoid_affine(v, W, b, h1)
        if step + 1 < cd_steps:
            _sample_bernoulli(h1, u, hs, generator)

    inv_n = 1.0 / n
    gW, gW2 = ws.gW, ws.gW2
    np.matmul(v0.T, h0, out=gW)
    np.matmul(v.T, h1, out=gW2)
    gW -= gW2
    gW *= inv_n
    gb = ws.gb
    np.subtract(h0.sum(axis=0), h1.sum(axis=0), out=gb)
    gb *= inv_n
    gc = ws.gc
    np.subtract(v0.sum(axis=0), v.sum(axis=0), out=gc)
    gc *= inv_n

    # Reconstruction error, computed before parameters move (uses v, v0).
    diff = v  # v is not needed any more: reuse its buffer
    np.subtract(v0, v, out=diff)
    sq_err = float(np.einsum("ij,ij->", diff, diff))

    optimizer.step([gW, gb, gc], learning_rate, momentum)
    return sq_err, h0


def _dense_rows(X, rows, out):
    """Copy rows of dense or CSR ``X`` into ``out`` (dense, same dtype)."""
    if sp.issparse(X):
        out[...] = X[rows].toarray()
    else:
        np.take(X, rows, axis=0, out=out)
    return out


def fit_rbm_layer(X, n_hidden, *, n_epochs, learning_rate, batch_size, momentum,
                  weight_decay, cd_steps, init_std, shuffle, seed, verbose=0,
                  layer_index=0):
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
    ws = _CDWorkspace(batch_size, n_visible, n_hidden, dtype)

    history = {
        "reconstruction_error": np.empty(n_epochs),
        "hspm": np.empty(n_epochs),
        "time": np.empty(n_epochs),
    }
    order = np.arange(n_samples)
    dense_contiguous = not sp.issparse(X)
    for epoch in range(n_epochs):
        tic = time.perf_counter()
        mom = momentum_at(epoch, n_epochs, momentum)
        if shuffle:
            generator.shuffle(order)
        sq_err = 0.0
        hspm_sum = 0.0
        for start in range(0, n_samples, batch_size):
            rows = order[start:start + batch_size]
            n = rows.shape[0]
            if dense_contiguous and not shuffle:
                v0 = X[start:start + n]
            else:
                v0 = _dense_rows(X, rows, ws.v0[:n])
            # Overflow is not warned about here: divergence is detected below
            # and reported as a ValueError naming the epoch.
            with np.errstate(over="ignore", invalid="ignore"):
                err, h0 = cd_update(
                    v0, W, b, c, optimizer, ws, n=n, learning_rate=learning_rate,
                    momentum=mom, cd_steps=cd_steps, generator=generator,
                )
            sq_err += err
            if n_hidden > 1 and np.isfinite(err):
                hspm_sum += float(_hoyer_along(h0, axis=1).sum())
        if not (np.isfinite(W).all() and np.isfinite(sq_err)):
            raise ValueError(
                f"RBM layer {layer_index} diverged at epoch {epoch + 1}: its "
                "weights became NaN or infinite. Use a smaller learning_rate "
                f"(got {learning_rate})."
            )
        history["reconstruction_error"][epoch] = sq_err / n_samples
        history["hspm"][epoch] = hspm_sum / n_samples if n_hidden > 1 else np.nan
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
