"""Contrastive divergence (CD-k) training of one RBM layer.

Every array operation goes through the backend seam (``_backend.py``:
numpy, or the input's array API namespace and device): no estimator glue,
float32-first. A training run is a :class:`CDState` (weights, biases,
optimiser with its velocities and schedule, random generator, epochs done),
created by :func:`init_cd_state` and advanced by :func:`train_cd`, so that
it can be resumed; :func:`fit_rbm_layer` is both in one call, the form the
stack caches. The visible and hidden units are unit objects (``_units.py``).
:class:`~sklearn_sparsity.StackedRBMTransformer` trains every layer here.
"""

from dataclasses import dataclass, field

import numpy as np

from ._backend import NUMPY, get_backend
from ._optim import MomentumSGD
from ._training import minibatches, run_epochs
from ._units import BERNOULLI, UNITS

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

    def __init__(self, batch_size, n_visible, n_hidden, dtype, block_rows,
                 backend=NUMPY):
        empty = backend.empty
        self.V = empty((2 * batch_size, n_visible), dtype)
        self.H = empty((2 * batch_size, n_hidden), dtype)
        self.hs = empty((batch_size, n_hidden), dtype)
        # Uniforms are drawn in float32 whatever the dtype, so float32 and
        # float64 runs with the same seed sample the same hidden states.
        self.u = empty((batch_size, n_hidden), np.float32)
        self.signs = empty(2 * batch_size, dtype)
        # (n, s) the signs currently hold, to refill them only on a change.
        self.signs_for = None
        self.gW = empty((n_visible, n_hidden), dtype)
        self.gb = empty(n_hidden, dtype)
        self.gc = empty(n_visible, dtype)
        # Unscaled h0 of the last few minibatches, awaiting their HSPM.
        self.h0_block = empty((block_rows, n_hidden), dtype)

    def v0(self, n):
        """Buffer for the (first ``n`` rows of the) minibatch input."""
        return self.V[:n, :]


def cd_update(ws, n, h0, W, b, c, optimizer, *, learning_rate, cd_steps,
              generator, visible=BERNOULLI, hidden=BERNOULLI, weights=None,
              chain=None):
    """One CD-k minibatch update of ``(W, b, c)``; returns the squared error.

    On entry ``ws.v0(n)`` holds the minibatch ``v0``; ``h0`` (``n`` rows)
    receives the positive-phase hidden probabilities. Quantities (all per
    minibatch row), with ``f`` the units' mean:

    - ``h0 = f(v0 W + b)``: positive-phase hidden **probabilities**;
    - ``hs ~ Bernoulli(h0)``: hidden **binary samples** driving the chain;
    - ``v = f(hs W^T + c)``: reconstructed visible **means** (visible units
      are never sampled);
    - ``h1 = f(v W + b)``: negative-phase hidden **probabilities**; for
      ``k > 1``, ``hs`` is resampled from ``h1`` between steps.

    The ascent directions are ``(v0^T h0 - v^T h1) / n`` for ``W``,
    ``mean(h0 - h1)`` for ``b`` and ``mean(v0 - v)`` for ``c``; they are
    formed already multiplied by ``learning_rate`` (see :class:`_CDWorkspace`)
    and handed to ``optimizer`` (with its current momentum) with
    ``scaled=True``.

    With ``weights`` (one per row), every row's share of the statistics is
    scaled by its weight and the sums are divided by the weights' sum instead
    of ``n``. With ``chain`` (persistent CD, PCD), the negative phase starts
    from the chain's hidden states (its first ``n`` rows) instead of a sample
    of ``h0``, and the chain moves on to a sample of ``h1``.

    Returns
    -------
    sq_err : float or 0-d array
        Sum over the minibatch of ``||v0 - v||^2`` (weighted by ``weights``);
        a 0-d array on an array API backend (converted once per epoch).
    """
    backend = optimizer.backend
    V, H = ws.V[: 2 * n, :], ws.H[: 2 * n, :]
    v0, v = V[:n, :], V[n:, :]
    pos, neg = H[:n, :], H[n:, :]
    hs, u = ws.hs[:n, :], ws.u[:n, :]
    if weights is None:
        s = learning_rate / n
    else:  # per-row scale, a column vector
        s = backend.row_scale(weights, learning_rate, W.dtype)

    backend.matmul(v0, W, out=h0)
    hidden.mean_(h0, b)
    if chain is None:
        hidden.sample_(h0, u, hs, generator)
    else:
        backend.copy_(hs, chain[:n, :])
    for step in range(cd_steps):
        backend.matmul(hs, W.T, out=v)
        visible.mean_(v, c)
        backend.matmul(v, W, out=neg)
        if step + 1 < cd_steps:
            hidden.mean_(neg, b)
            hidden.sample_(neg, u, hs, generator)
        elif chain is None and weights is None:
            hidden.mean_(neg, b, scale=-s)  # neg = -s h1
        else:
            hidden.mean_(neg, b)
            if chain is not None:  # the persistent chain moves on
                hidden.sample_(neg, u, chain[:n, :], generator)
            neg *= -s
    backend.multiply(h0, s, out=pos)  # pos = s h0

    gW, gb, gc = ws.gW, ws.gb, ws.gc
    backend.matmul(V.T, H, out=gW)  # s (v0^T h0 - v^T h1)
    backend.sum_rows(H, out=gb)  # s sum(h0 - h1)
    signs = ws.signs[: 2 * n]
    if weights is None:
        if ws.signs_for != (n, s):  # the same for every full minibatch
            signs[:n] = s
            signs[n:] = -s
            ws.signs_for = (n, s)
    else:
        signs[:n] = s[:, 0]
        signs[n:] = -s[:, 0]
        ws.signs_for = None
    backend.matmul(signs, V, out=gc)  # s sum(v0 - v)

    # Reconstruction error, computed before parameters move; v is no longer
    # needed, so its buffer holds the difference.
    diff = backend.subtract(v0, v, out=v)
    if weights is None:
        sq_err = backend.sum_squares(diff)
    else:
        sq_err = backend.dot(weights, backend.row_sum_squares(diff))

    optimizer.step([gW, gb, gc], learning_rate, scaled=True)
    return sq_err


@dataclass
class CDState:
    """A CD-k training run of one RBM layer, resumable.

    Parameters
    ----------
    W : ndarray of shape (n_visible, n_hidden)
        Weights.
    b : ndarray of shape (n_hidden,)
        Hidden biases.
    c : ndarray of shape (n_visible,)
        Visible biases.
    optimizer : MomentumSGD
        Holds ``[W, b, c]`` (these very arrays, also after unpickling: the
        state owns them), their velocities, the momentum schedule and the
        number of epochs done (``optimizer.epoch``).
    generator : numpy.random.Generator or device generator
        Draws the shuffles and the Gibbs samples (for array API arrays, a
        generator on their device, see ``_array_api``).
    history : dict of list
        Per epoch: ``"reconstruction_error"``, ``"hspm"`` and ``"time"``.
    visible, hidden : unit objects
        The layer's unit types.
    order : ndarray of int or None
        The row order, reshuffled in place every epoch (kept so that a
        resumed run continues the same sequence of shuffles).
    chain : ndarray of shape (batch_size, n_hidden) or None
        The persistent chains' hidden states of persistent CD (PCD).
    """

    W: object
    b: object
    c: object
    optimizer: MomentumSGD
    generator: object
    history: dict = field(default_factory=lambda: {
        "reconstruction_error": [], "hspm": [], "time": []})
    visible: object = BERNOULLI
    hidden: object = BERNOULLI
    order: object = None
    chain: object = None

    @property
    def epoch(self):
        """Epochs done."""
        return self.optimizer.epoch

    def __setstate__(self, attributes):
        # The state owns W, b and c; the optimiser updates those very arrays.
        # A pickler that does not keep arrays' identity (joblib's, used by
        # the layer cache) would otherwise hand back an optimiser updating
        # copies that nothing reads.
        self.__dict__.update(attributes)
        self.optimizer.params = [self.W, self.b, self.c]


def _monitor_rows(X, n_rows, backend=NUMPY):
    """``n_rows`` evenly spaced rows of ``X`` as a dense array (no RNG)."""
    step = max(1, X.shape[0] // max(n_rows, 1))
    return backend.densify(X[::step, :][:n_rows, :])


def layer_monitors(state, X_train_rows, X_val):
    """Held-out reconstruction error and mean free energies of one layer.

    The reconstruction is the mean-field one, ``f(f(v W + b) W^T + c)``;
    the free energies are averaged over the validation rows and over as many
    training rows (Hinton's practical guide, section 6: a growing gap
    between them signals overfitting).
    """
    W, b, c = state.W, state.b, state.c
    backend = state.optimizer.backend
    hidden = state.hidden.mean_(X_val @ W, b)
    R = state.visible.reconstruct(hidden, W, c)
    return {
        "validation_reconstruction_error": float(backend.sum_squares(X_val - R))
        / X_val.shape[0],
        "free_energy_train": backend.mean(
            state.visible.free_energy(X_train_rows, W, b, c)),
        "free_energy_validation": backend.mean(
            state.visible.free_energy(X_val, W, b, c)),
    }


def init_cd_state(n_visible, n_hidden, *, dtype, init_std, seed, weight_decay,
                  momentum, momentum_schedule, n_epochs, visible_units=BERNOULLI,
                  backend=NUMPY):
    """A new CD-k run: ``N(0, init_std)`` weights, zero biases, fresh velocities.

    ``n_epochs`` is the span of the momentum schedule. The generator drawn
    from ``seed`` first draws the weights, then the shuffles and samples.
    ``visible_units`` is the unit type of the layer's visible side, a unit
    object or its name (``"bernoulli"``, ``"gaussian"``); the hidden units
    are Bernoulli. ``backend`` is where the layer trains (its arrays, its
    random generator).
    """
    if isinstance(visible_units, str):
        visible_units = UNITS[visible_units]
    generator = backend.rng(seed)
    W = backend.normal(generator, 0.0, init_std, (n_visible, n_hidden), dtype)
    b = backend.zeros(n_hidden, dtype)
    c = backend.zeros(n_visible, dtype)
    optimizer = MomentumSGD([W, b, c], [True, False, False], weight_decay,
                            momentum, schedule=momentum_schedule,
                            n_epochs=n_epochs, backend=backend)
    return CDState(W, b, c, optimizer, generator,
                   visible=visible_units.on(backend),
                   hidden=BERNOULLI.on(backend))


def train_cd(state, X, *, n_epochs, learning_rate, batch_size, cd_steps, shuffle,
             what="RBM layer 0", hooks=(), sample_weight=None, persistent=False,
             validation=None):
    """Run ``n_epochs`` more CD-k epochs of ``state`` on ``X``; returns ``state``.

    Parameters
    ----------
    state : CDState
        Updated in place (parameters, velocities, epochs, history).
    X : ndarray or CSR matrix of shape (n_samples, n_visible)
        Input accepted by the visible units (validated by the caller).
    n_epochs, learning_rate, batch_size, cd_steps, shuffle
        As in :class:`~sklearn_sparsity.StackedRBMTransformer`.
    what : str, default="RBM layer 0"
        Name in messages and progress events.
    hooks : sequence of callable, default=()
        Progress hooks, called with an ``EpochEnd`` after every epoch.
    sample_weight : ndarray of shape (n_samples,) or None, default=None
        Weights of the rows: each row's share of the CD statistics is scaled
        by its weight, normalised by the minibatch's weight sum; the
        history's means are weighted too.
    persistent : bool, default=False
        Persistent CD: the negative phase runs ``batch_size`` persistent
        chains (``state.chain``, started at zero hidden states) instead of
        starting from the data.
    validation : ndarray of shape (n_val, n_visible) or None, default=None
        Held-out rows: every epoch also records their reconstruction error
        and the mean free energies of training and held-out rows
        (:func:`layer_monitors`).
    """
    W, b, c = state.W, state.b, state.c
    backend = state.optimizer.backend
    n_samples, n_visible = X.shape
    n_hidden = W.shape[1]
    batch_size = min(batch_size, n_samples)
    # The HSPM of h0 is computed a few minibatches at a time, in one call.
    per_block = max(1, _HSPM_BLOCK_ELEMENTS // (batch_size * n_hidden))
    block_rows = per_block * batch_size
    ws = _CDWorkspace(batch_size, n_visible, n_hidden, W.dtype, block_rows,
                      backend)
    if state.order is None or state.order.shape[0] != n_samples:
        state.order = backend.arange(n_samples)
    order = state.order
    with_hspm = n_hidden > 1
    weights = (None if sample_weight is None
               else backend.asarray(sample_weight, dtype=np.float64))
    if weights is None:
        total_weight = n_samples
    else:
        total_weight = float(backend.total(weights))
        block_weights = backend.empty(block_rows, np.float64)
    if persistent and (state.chain is None
                       or state.chain.shape != (batch_size, n_hidden)):
        state.chain = backend.zeros((batch_size, n_hidden), W.dtype)
    chain = state.chain if persistent else None
    if validation is not None:
        X_val = backend.astype(backend.densify(validation), W.dtype)
        train_rows = backend.astype(_monitor_rows(X, X_val.shape[0], backend),
                                    W.dtype)

    def hspm_of_block(filled):
        values = backend.hoyer_rows(ws.h0_block[:filled, :])
        if weights is None:
            return backend.total(values)
        return backend.dot(values, block_weights[:filled])

    def epoch():
        if shuffle:
            backend.shuffle_(order, state.generator)
        sq_err = 0.0
        hspm_sum = 0.0
        filled = 0  # rows of ws.h0_block awaiting their HSPM
        # Overflow is not warned about here: divergence is detected by the
        # epoch driver and reported as a ValueError naming the epoch.
        with np.errstate(over="ignore", invalid="ignore"):
            for start, rows, row_weights in minibatches(order, batch_size,
                                                        weights, backend):
                n = rows.shape[0]
                if filled + n > block_rows:
                    hspm_sum += hspm_of_block(filled)
                    filled = 0
                backend.take_rows(X, rows, ws.v0(n), start=start,
                                  contiguous=not shuffle)
                err = cd_update(
                    ws, n, ws.h0_block[filled:filled + n, :], W, b, c,
                    state.optimizer, learning_rate=learning_rate,
                    cd_steps=cd_steps, generator=state.generator,
                    visible=state.visible, hidden=state.hidden,
                    weights=row_weights, chain=chain,
                )
                sq_err += err
                if with_hspm and backend.maybe_finite(err):
                    if weights is not None:
                        block_weights[filled:filled + n] = row_weights
                    filled += n
            if filled:
                hspm_sum += hspm_of_block(filled)
        state.optimizer.iteration_ends()
        sq_err, hspm_sum = float(sq_err), float(hspm_sum)
        values = {"loss": sq_err,
                  "reconstruction_error": sq_err / total_weight,
                  "hspm": hspm_sum / total_weight if with_hspm else np.nan}
        if validation is not None:
            with np.errstate(over="ignore", invalid="ignore"):
                values.update(layer_monitors(state, train_rows, X_val))
        return values

    def record(event):
        for key, value in event.values.items():
            if key != "loss":
                state.history.setdefault(key, []).append(value)
        state.history["time"].append(event.seconds)

    run_epochs(n_epochs, epoch, what=what, learning_rate=learning_rate,
               weights=[W], hooks=(record, *hooks), first_epoch=state.epoch,
               state=state, backend=backend)
    return state


def fit_rbm_state(X, n_hidden, *, n_epochs, learning_rate, batch_size, momentum,
                  weight_decay, cd_steps, init_std, shuffle, seed,
                  momentum_schedule="linear", sample_weight=None,
                  persistent=False, validation=None, what="RBM layer 0",
                  hooks=(), visible_units="bernoulli"):
    """Train one RBM layer from scratch; returns its :class:`CDState`.

    The state can be trained further (:func:`train_cd`): the stack keeps it
    for ``warm_start`` and ``partial_fit``. Parameters are those of
    :func:`fit_rbm_layer` and :func:`train_cd`; ``visible_units`` names the
    visible unit type (see :func:`init_cd_state`).
    """
    state = init_cd_state(
        X.shape[1], n_hidden, dtype=X.dtype, init_std=init_std, seed=seed,
        weight_decay=weight_decay, momentum=momentum,
        momentum_schedule=momentum_schedule, n_epochs=n_epochs,
        visible_units=visible_units, backend=get_backend(X),
    )
    return train_cd(state, X, n_epochs=n_epochs, learning_rate=learning_rate,
                    batch_size=batch_size, cd_steps=cd_steps, shuffle=shuffle,
                    what=what, hooks=hooks, sample_weight=sample_weight,
                    persistent=persistent, validation=validation)


def history_arrays(state):
    """The state's per-epoch history as float arrays."""
    return {key: np.asarray(values, dtype=float)
            for key, values in state.history.items()}


def fit_rbm_layer(X, n_hidden, *, n_epochs, learning_rate, batch_size, momentum,
                  weight_decay, cd_steps, init_std, shuffle, seed,
                  momentum_schedule="linear", what="RBM layer 0", hooks=()):
    """Train one RBM layer with CD-k and momentum SGD, from scratch.

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
    what : str, default="RBM layer 0"
        Name in messages.
    hooks : sequence of callable, default=()
        Progress hooks (see :func:`train_cd`); not part of any cache key.

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
    state = fit_rbm_state(
        X, n_hidden, n_epochs=n_epochs, learning_rate=learning_rate,
        batch_size=batch_size, momentum=momentum, weight_decay=weight_decay,
        cd_steps=cd_steps, init_std=init_std, shuffle=shuffle, seed=seed,
        momentum_schedule=momentum_schedule, what=what, hooks=hooks)
    return state.W, state.b, state.c, history_arrays(state)
