"""Forward pass, back-propagation and momentum-SGD training of MLPs.

Hidden layers are logistic sigmoid units (the paper's networks) or
rectified linear units (``activation="relu"``, the ReLU control network).

Every array operation goes through the backend seam (``_backend.py``:
numpy, or the input's array API namespace and device), no estimator glue,
float32-first. A training run is a :class:`BackpropState` (parameters,
optimiser with its velocities and schedule, random generator), advanced by
:func:`train_backprop` through the shared epoch driver, so that it can be
resumed. :func:`train_epoch` serves the DBN, the DpRBM (only the layers from
``first_trainable`` on are updated) and the Dsigm alike.
"""

from dataclasses import dataclass

import numpy as np

from ._backend import NUMPY
from ._optim import MomentumSGD
from ._training import KeepBest, NoImprovement, minibatches, run_epochs

LOSSES = ("log_loss", "squared_error")
#: Hidden non-linearities: the backend's in-place forward operation and the
#: in-place multiplication of a delta by the derivative (from the output).
_HIDDEN = {
    "logistic": ("sigmoid_affine_", "mul_sigmoid_grad_"),
    "relu": ("relu_affine_", "mul_relu_grad_"),
}
ACTIVATIONS = tuple(_HIDDEN)
# Probabilities are clipped here in the log loss, whatever the dtype, so that
# float32 and float64 fits report the same loss once outputs saturate (the
# float32 machine epsilon: log loss at most 15.9 per sample).
_LOG_LOSS_CLIP = float(np.finfo(np.float32).eps)


def output_activation(loss):
    """Name of the output non-linearity used with ``loss``."""
    return "softmax" if loss == "log_loss" else "logistic"


def forward(X, coefs, intercepts, loss, out=None, backend=NUMPY,
            activation="logistic"):
    """Activations of every layer for input ``X``.

    Parameters
    ----------
    X : ndarray or CSR matrix of shape (n_samples, n_features)
    coefs, intercepts : list of ndarray
        Weights ``(n_in, n_out)`` and biases of every layer, output last.
    loss : {"log_loss", "squared_error"} or None
        Selects the output non-linearity: softmax for ``"log_loss"``, the
        logistic sigmoid for ``"squared_error"`` (``None``: every layer is a
        hidden layer).
    out : list of ndarray, default=None
        Preallocated buffers, one per layer (the first ``n_samples`` rows
        are used).
    activation : {"logistic", "relu"}, default="logistic"
        Non-linearity of the hidden layers.

    Returns
    -------
    activations : list of ndarray
        Outputs of every layer (hidden layers, then the output).
    """
    n = X.shape[0]
    acts = []
    H = X
    last = len(coefs) - 1
    hidden = getattr(backend, _HIDDEN[activation][0])
    for i, (W, b) in enumerate(zip(coefs, intercepts)):
        Z = backend.matmul(H, W, out=None if out is None else out[i][:n, :])
        if i == last and loss == "log_loss":
            Z += b
            backend.softmax_(Z)
        elif i == last and loss is not None:
            backend.sigmoid_affine_(Z, b)
        else:
            hidden(Z, b)
        acts.append(Z)
        H = Z
    return acts


def data_loss(P, Y, loss, weights=None, backend=NUMPY):
    """Sum over samples of the loss of outputs ``P`` against one-hot ``Y``.

    ``log_loss``: ``-sum(Y * log(clip(P)))``, the probability of the true
    class clipped to ``[1.19e-7, 1]`` in every dtype; ``squared_error``:
    ``0.5 * sum((P - Y) ** 2)``. With ``weights``, each sample's loss is
    multiplied by its weight.
    """
    if loss == "log_loss":
        per_sample = backend.neg_log_clip(backend.row_dot(P, Y), _LOG_LOSS_CLIP)
    else:
        diff = P - Y
        if weights is None:
            return 0.5 * backend.sum_squares(diff)
        per_sample = 0.5 * backend.row_sum_squares(diff)
    if weights is None:
        return backend.total(per_sample)
    return backend.dot(weights, per_sample)


class BackpropWorkspace:
    """Per-layer buffers reused across minibatches."""

    def __init__(self, batch_size, n_features, coefs, dtype, backend=NUMPY):
        empty = backend.empty
        widths = [W.shape[1] for W in coefs]
        self.acts = [empty((batch_size, w), dtype) for w in widths]
        self.deltas = [empty((batch_size, w), dtype) for w in widths]
        self.grad_W = [empty(W.shape, W.dtype) for W in coefs]
        self.grad_b = [empty(w, dtype) for w in widths]
        self.X = empty((batch_size, n_features), dtype)
        self.Y = empty((batch_size, widths[-1]), dtype)
        # Scratch for the sigmoid derivative A (1 - A) of the widest layer.
        self.scratch = empty(batch_size * max(widths), dtype)


def backward(X, Y, acts, coefs, loss, ws, first_trainable, scale=1.0,
             backend=NUMPY, weights=None, activation="logistic"):
    """Ascent directions (minus the mean-loss gradient) of trainable layers.

    Fills ``ws.grad_W[i]`` and ``ws.grad_b[i]`` for ``i >= first_trainable``
    with ``-scale * dL/dW_i`` and ``-scale * dL/db_i``, ``L`` the minibatch
    mean loss (``scale`` lets the training loop fold the learning rate into
    the output delta instead of rescaling every gradient matrix).
    Both losses use their canonical output link, so the output delta is
    ``(Y - P) / n`` (log loss with softmax) or ``(Y - P) P (1 - P) / n``
    (squared error with sigmoid outputs). With ``weights`` (one per row),
    ``L`` is the weighted mean: row ``i``'s delta is scaled by
    ``w_i / sum(w)`` instead of ``1 / n``. ``activation`` is the hidden
    layers' non-linearity.
    """
    n = X.shape[0]
    mul_grad = getattr(backend, _HIDDEN[activation][1])
    last = len(coefs) - 1
    delta = ws.deltas[last][:n, :]
    P = acts[last]
    backend.subtract(Y, P, out=delta)
    if loss == "squared_error":
        delta *= P
        delta *= 1.0 - P
    if weights is None:
        delta *= scale / n
    else:
        delta *= backend.row_scale(weights, scale, delta.dtype)
    for i in range(last, first_trainable - 1, -1):
        inp = X if i == 0 else acts[i - 1]
        backend.matmul(inp.T, delta, out=ws.grad_W[i])
        backend.sum_rows(delta, out=ws.grad_b[i])
        if i > first_trainable:
            prev = ws.deltas[i - 1][:n, :]
            backend.matmul(delta, coefs[i].T, out=prev)
            mul_grad(prev, acts[i - 1], ws.scratch)
            delta = prev


def train_epoch(X, Y, coefs, intercepts, optimizer, ws, *, order, batch_size,
                learning_rate, loss, first_trainable, sample_weight=None,
                activation="logistic"):
    """One epoch of minibatch momentum SGD; returns the mean training loss.

    Parameters
    ----------
    X : ndarray or CSR matrix of shape (n_samples, n_features)
    Y : ndarray of shape (n_samples, n_outputs)
        One-hot targets, same dtype as the weights.
    coefs, intercepts : list of ndarray
        Updated in place through ``optimizer``.
    optimizer : MomentumSGD
        Holds ``coefs + intercepts`` (in that order), with the epoch's
        momentum.
    ws : BackpropWorkspace
    order : ndarray of int
        Row order for this epoch (already shuffled by the caller if wanted).
    batch_size : int
    learning_rate : float
    loss : {"log_loss", "squared_error"}
    first_trainable : int
        Index of the first layer that is updated; layers below it are frozen
        (0 for fine-tuning everything, ``len(coefs) - 1`` for DpRBM).
    sample_weight : ndarray of shape (n_samples,) or None, default=None
        Weights of the rows: each minibatch minimises its weighted mean loss.
    activation : {"logistic", "relu"}, default="logistic"
        Non-linearity of the hidden layers.

    Returns
    -------
    mean_loss : float
        Weighted by ``sample_weight`` when given.
    """
    backend = optimizer.backend
    n_samples = X.shape[0]
    n_layers = len(coefs)
    trainable = list(range(first_trainable, n_layers))
    indices = trainable + [n_layers + i for i in trainable]
    total = 0.0
    for _, rows, weights in minibatches(order, batch_size, sample_weight,
                                        backend):
        n = rows.shape[0]
        Xb = backend.gather_rows(X, rows, ws.X[:n, :])
        Yb = backend.gather_rows(Y, rows, ws.Y[:n, :])
        acts = forward(Xb, coefs, intercepts, loss, out=ws.acts, backend=backend,
                       activation=activation)
        total += data_loss(acts[-1], Yb, loss, weights, backend)
        # The learning rate is folded into the output delta, so the
        # gradients come out already scaled for the optimizer.
        backward(Xb, Yb, acts, coefs, loss, ws, first_trainable,
                 scale=learning_rate, backend=backend, weights=weights,
                 activation=activation)
        ascents = [ws.grad_W[i] for i in trainable] + [ws.grad_b[i] for i in trainable]
        optimizer.step(ascents, learning_rate, indices=indices, scaled=True)
    if sample_weight is None:
        return total / n_samples
    return total / backend.total(sample_weight)


@dataclass
class BackpropState:
    """A back-propagation run of one network, resumable.

    Parameters
    ----------
    coefs, intercepts : list of ndarray
        Weights ``(n_in, n_out)`` and biases of every layer, output last.
    optimizer : MomentumSGD
        Holds ``coefs + intercepts`` (these very arrays, never copies, also
        after unpickling or restoring the best epoch: the state owns them),
        their velocities, the momentum schedule and the epochs done
        (``optimizer.epoch``).
    generator : numpy.random.Generator or device generator
        Draws the shuffles.
    order : ndarray of int or None
        The row order, reshuffled in place every epoch (kept so that a
        resumed run continues the same sequence of shuffles).
    activation : {"logistic", "relu"}
        Non-linearity of the hidden layers.
    """

    coefs: list
    intercepts: list
    optimizer: MomentumSGD
    generator: object
    order: object = None
    activation: str = "logistic"

    @property
    def epoch(self):
        """Epochs done."""
        return self.optimizer.epoch

    def __setstate__(self, attributes):
        # The state owns the parameters; the optimiser updates these very
        # arrays, also after a pickler that does not keep arrays' identity
        # (joblib's) has copied them.
        self.__dict__.update(attributes)
        self.optimizer.params = self.coefs + self.intercepts


def init_backprop_state(coefs, intercepts, generator, *, weight_decay, momentum,
                        momentum_schedule, n_epochs, backend=NUMPY,
                        activation="logistic"):
    """A run from given initial parameters (pretrained or random).

    Weight decay applies to the weights, not the biases; ``n_epochs`` is the
    span of the momentum schedule; ``activation`` the hidden layers'
    non-linearity.
    """
    optimizer = MomentumSGD(
        coefs + intercepts, [True] * len(coefs) + [False] * len(coefs),
        weight_decay, momentum, schedule=momentum_schedule, n_epochs=n_epochs,
        backend=backend,
    )
    return BackpropState(coefs, intercepts, optimizer, generator,
                         activation=activation)


def one_hot(y_index, n_outputs, dtype, backend=NUMPY):
    """One-hot targets of class indices ``y_index``."""
    return backend.one_hot(y_index, n_outputs, dtype)


def accuracy(X, y_index, coefs, intercepts, loss, weights=None,
             activation="logistic", backend=NUMPY):
    """(Weighted) fraction of ``X`` whose most probable class is ``y_index``."""
    probs = forward(X, coefs, intercepts, loss, activation=activation,
                    backend=backend)[-1]
    return backend.hit_rate(probs, y_index, weights)


def train_backprop(state, X, y_index, *, n_epochs, batch_size, learning_rate,
                   loss, first_trainable, shuffle, tol, n_iter_no_change,
                   validation=None, hooks=(), sample_weight=None):
    """Run up to ``n_epochs`` more epochs of back-propagation of ``state``.

    Parameters
    ----------
    state : BackpropState
        Updated in place; with ``validation``, its parameters end as the best
        epoch's (copied into its arrays, which stay the optimiser's).
    X : ndarray or CSR matrix of shape (n_samples, n_features)
    y_index : ndarray of int of shape (n_samples,)
        Class indices.
    n_epochs, batch_size, learning_rate, loss, shuffle, tol, n_iter_no_change
        As in :class:`~sklearn_sparsity.PretrainedMLPClassifier`.
    first_trainable : int
        First layer that is trained (see :func:`train_epoch`).
    validation : tuple or None, default=None
        Held-out ``(X_val, y_index_val)`` or ``(X_val, y_index_val,
        weights_val)``: training stops when their (weighted) accuracy
        has not improved by ``tol`` for ``n_iter_no_change`` epochs, and the
        best weights are kept. Without it the training loss is monitored.
    hooks : sequence of callable, default=()
        Progress hooks, called with an ``EpochEnd`` after every epoch.
    sample_weight : ndarray of shape (n_samples,) or None, default=None
        Weights of the rows of the training loss (see :func:`train_epoch`).

    Returns
    -------
    result : dict
        ``n_iter`` (epochs run now), ``stopped`` (a criterion ended
        training), ``loss_curve``, ``best_loss`` (lowest training loss),
        ``validation_scores`` and ``best_validation_score`` (None without
        validation).
    """
    coefs, intercepts = state.coefs, state.intercepts
    optimizer = state.optimizer
    backend = optimizer.backend
    n_outputs = coefs[-1].shape[1]
    Y = one_hot(y_index, n_outputs, coefs[0].dtype, backend)
    batch_size = min(batch_size, X.shape[0])
    ws = BackpropWorkspace(batch_size, X.shape[1], coefs, coefs[0].dtype,
                           backend)
    if state.order is None or state.order.shape[0] != X.shape[0]:
        state.order = backend.arange(X.shape[0])
    order = state.order

    def epoch():
        if shuffle:
            backend.shuffle_(order, state.generator)
        # Overflow is detected by the epoch driver and reported as a
        # ValueError naming the epoch.
        with np.errstate(over="ignore", invalid="ignore"):
            mean_loss = train_epoch(
                X, Y, coefs, intercepts, optimizer, ws, order=order,
                batch_size=batch_size, learning_rate=learning_rate, loss=loss,
                first_trainable=first_trainable, sample_weight=sample_weight,
                activation=state.activation,
            )
        optimizer.iteration_ends()
        values = {"loss": float(mean_loss)}
        if validation is not None:
            X_val, y_val, *w_val = validation
            values["validation_score"] = accuracy(
                X_val, y_val, coefs, intercepts, loss,
                w_val[0] if w_val else None, activation=state.activation,
                backend=backend)
        return values

    if validation is None:
        monitor = NoImprovement("loss", tol, n_iter_no_change)
        stop = (monitor,)
        keep = None
    else:
        monitor = NoImprovement("validation_score", tol, n_iter_no_change,
                                greater_is_better=True)
        keep = KeepBest(monitor, coefs + intercepts, backend)
        stop = (monitor, keep)
    run = run_epochs(n_epochs, epoch, what="Backpropagation",
                     learning_rate=learning_rate, weights=coefs, stop=stop,
                     hooks=hooks, first_epoch=state.epoch, state=state,
                     backend=backend)
    if keep is not None:
        # In place: the optimiser keeps updating the state's own arrays.
        keep.restore()
    losses = [values["loss"] for values in run.history]
    scores = ([values["validation_score"] for values in run.history]
              if validation is not None else None)
    return {
        "n_iter": run.n_iter, "stopped": run.stopped, "loss_curve": losses,
        "best_loss": monitor.best if validation is None else np.inf,
        "validation_scores": scores,
        "best_validation_score": monitor.best if validation is not None else None,
    }
