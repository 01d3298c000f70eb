"""Forward pass, backpropagation and momentum-SGD epochs for sigmoid networks.

Pure numpy, no estimator glue, float32-first. :func:`train_epoch` is the only
fine-tuning loop in the package; it serves the DBN, the DpRBM (only the layers
from ``first_trainable`` on are updated) and the Dsigm variants alike.
"""

import numpy as np
import scipy.sparse as sp
from scipy.special import expit

from ._kernels import mul_sigmoid_grad

LOSSES = ("log_loss", "squared_error")
# Probabilities are clipped here in the log loss, whatever the dtype, so that
# float32 and float64 fits report the same loss once outputs saturate (the
# float32 machine epsilon: log loss at most 15.9 per sample).
_LOG_LOSS_CLIP = float(np.finfo(np.float32).eps)


def sigmoid_affine_(Z, bias, scale=1.0):
    """``Z <- scale * sigmoid(Z + bias)``, in place; returns ``Z``.

    The single sigmoid kernel of both training loops. For float32 it runs as
    ``1 / (1 + exp(-(Z + bias)))`` in four vectorised passes (numpy's SIMD
    ``exp``), about twice as fast as :func:`scipy.special.expit` there and
    within 2e-7 of it in relative terms; overflow of ``exp`` gives the exact
    limit 0 and is not warned about. Other dtypes use
    :func:`scipy.special.expit`.
    """
    if Z.dtype == np.float32:
        np.subtract(-bias, Z, out=Z)
        with np.errstate(over="ignore"):
            np.exp(Z, out=Z)
        Z += 1.0
        if scale == 1.0:
            return np.reciprocal(Z, out=Z)
        return np.divide(scale, Z, out=Z)
    Z += bias
    expit(Z, out=Z)
    if scale != 1.0:
        Z *= scale
    return Z


def softmax_inplace(Z):
    """Row-wise softmax of ``Z``, in place, with the row max subtracted."""
    Z -= Z.max(axis=1, keepdims=True)
    np.exp(Z, out=Z)
    Z /= Z.sum(axis=1, keepdims=True)
    return Z


def output_activation(loss):
    """Name of the output non-linearity used with ``loss``."""
    return "softmax" if loss == "log_loss" else "logistic"


def forward(X, coefs, intercepts, loss, out=None):
    """Activations of every layer for input ``X``.

    Parameters
    ----------
    X : ndarray or CSR matrix of shape (n_samples, n_features)
    coefs, intercepts : list of ndarray
        Weights ``(n_in, n_out)`` and biases of every layer, output last.
    loss : {"log_loss", "squared_error"} or None
        Selects the output non-linearity: softmax for ``"log_loss"``, the
        logistic sigmoid otherwise (``None``: every layer is a sigmoid layer).
    out : list of ndarray, default=None
        Preallocated buffers, one per layer (the first ``n_samples`` rows
        are used).

    Returns
    -------
    activations : list of ndarray
        Outputs of every layer (hidden sigmoid layers, then the output).
    """
    n = X.shape[0]
    acts = []
    H = X
    last = len(coefs) - 1
    for i, (W, b) in enumerate(zip(coefs, intercepts)):
        if out is None:
            Z = np.asarray(H @ W)
        else:
            Z = out[i][:n]
            if sp.issparse(H):
                Z[...] = H @ W
            else:
                np.matmul(H, W, out=Z)
        if i == last and loss == "log_loss":
            Z += b
            softmax_inplace(Z)
        else:
            sigmoid_affine_(Z, b)
        acts.append(Z)
        H = Z
    return acts


def data_loss(P, Y, loss):
    """Sum over samples of the loss of outputs ``P`` against one-hot ``Y``.

    ``log_loss``: ``-sum(Y * log(clip(P)))``, the probability of the true
    class clipped to ``[1.19e-7, 1]`` in every dtype; ``squared_error``:
    ``0.5 * sum((P - Y) ** 2)``.
    """
    if loss == "log_loss":
        p_true = np.einsum("ij,ij->i", P, Y)
        return float(-np.log(np.clip(p_true, _LOG_LOSS_CLIP, 1.0)).sum())
    diff = P - Y
    return 0.5 * float(np.einsum("ij,ij->", diff, diff))


class BackpropWorkspace:
    """Per-layer buffers reused across minibatches."""

    def __init__(self, batch_size, n_features, coefs, dtype):
        widths = [W.shape[1] for W in coefs]
        self.acts = [np.empty((batch_size, w), dtype=dtype) for w in widths]
        self.deltas = [np.empty((batch_size, w), dtype=dtype) for w in widths]
        self.grad_W = [np.empty_like(W) for W in coefs]
        self.grad_b = [np.empty(w, dtype=dtype) for w in widths]
        self.X = np.empty((batch_size, n_features), dtype=dtype)
        self.Y = np.empty((batch_size, widths[-1]), dtype=dtype)
        # Scratch for the sigmoid derivative A (1 - A) of the widest layer.
        self.scratch = np.empty(batch_size * max(widths), dtype=dtype)


def backward(X, Y, acts, coefs, loss, ws, first_trainable, scale=1.0):
    """Ascent directions (minus the mean-loss gradient) of trainable layers.

    Fills ``ws.grad_W[i]`` and ``ws.grad_b[i]`` for ``i >= first_trainable``
    with ``-scale * dL/dW_i`` and ``-scale * dL/db_i``, ``L`` the minibatch
    mean loss (``scale`` lets the training loop fold the learning rate into
    the output delta instead of rescaling every gradient matrix).
    Both losses use their canonical output link, so the output delta is
    ``(Y - P) / n`` (log loss with softmax) or ``(Y - P) P (1 - P) / n``
    (squared error with sigmoid outputs).
    """
    n = X.shape[0]
    last = len(coefs) - 1
    delta = ws.deltas[last][:n]
    P = acts[last]
    np.subtract(Y, P, out=delta)
    if loss == "squared_error":
        delta *= P
        delta *= 1.0 - P
    delta *= scale / n
    for i in range(last, first_trainable - 1, -1):
        inp = X if i == 0 else acts[i - 1]
        if sp.issparse(inp):
            ws.grad_W[i][...] = inp.T @ delta
        else:
            np.matmul(inp.T, delta, out=ws.grad_W[i])
        delta.sum(axis=0, out=ws.grad_b[i])
        if i > first_trainable:
            prev = ws.deltas[i - 1][:n]
            np.matmul(delta, coefs[i].T, out=prev)
            mul_sigmoid_grad(prev, acts[i - 1], ws.scratch)
            delta = prev


def train_epoch(X, Y, coefs, intercepts, optimizer, ws, *, order, batch_size,
                learning_rate, momentum, loss, first_trainable):
    """One epoch of minibatch momentum SGD; returns the mean training loss.

    Parameters
    ----------
    X : ndarray or CSR matrix of shape (n_samples, n_features)
    Y : ndarray of shape (n_samples, n_outputs)
        One-hot targets, same dtype as the weights.
    coefs, intercepts : list of ndarray
        Updated in place through ``optimizer``.
    optimizer : MomentumSGD
        Holds ``coefs + intercepts`` (in that order).
    ws : BackpropWorkspace
    order : ndarray of int
        Row order for this epoch (already shuffled by the caller if wanted).
    batch_size : int
    learning_rate, momentum : float
    loss : {"log_loss", "squared_error"}
    first_trainable : int
        Index of the first layer that is updated; layers below it are frozen
        (0 for fine-tuning everything, ``len(coefs) - 1`` for DpRBM).

    Returns
    -------
    mean_loss : float
    """
    n_samples = X.shape[0]
    n_layers = len(coefs)
    trainable = list(range(first_trainable, n_layers))
    indices = trainable + [n_layers + i for i in trainable]
    total = 0.0
    sparse = sp.issparse(X)
    for start in range(0, n_samples, batch_size):
        rows = order[start:start + batch_size]
        n = rows.shape[0]
        # mode="clip" (the rows are valid) lets np.take write straight into
        # the buffer; mode="raise" would gather into a temporary first.
        if sparse:
            Xb = X[rows]
        else:
            Xb = np.take(X, rows, axis=0, out=ws.X[:n], mode="clip")
        Yb = np.take(Y, rows, axis=0, out=ws.Y[:n], mode="clip")
        acts = forward(Xb, coefs, intercepts, loss, out=ws.acts)
        total += data_loss(acts[-1], Yb, loss)
        # The learning rate is folded into the output delta, so the
        # gradients come out already scaled for the optimizer.
        backward(Xb, Yb, acts, coefs, loss, ws, first_trainable,
                 scale=learning_rate)
        ascents = [ws.grad_W[i] for i in trainable] + [ws.grad_b[i] for i in trainable]
        optimizer.step(ascents, learning_rate, momentum, indices=indices,
                       scaled=True)
    return total / n_samples
