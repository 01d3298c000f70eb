"""The epoch driver shared by CD-k pretraining and back-propagation.

No estimator glue, no array work but through the backend. Both training
loops hand their epoch to :func:`run_epochs`, which owns what is the same
for both: the minibatch order, the divergence check (one check, one
message), the stopping monitors (no improvement of the training loss; early
stopping on a validation score, keeping the best weights) and the progress
hooks (the estimators' verbose lines, progress bars). The loops themselves
never print.
"""

import time
from dataclasses import dataclass, field

import numpy as np

from ._backend import NUMPY

#: Weights beyond this magnitude saturate every sigmoid unit they feed for
#: any input in [0, 1]: training has diverged even while they stay finite
#: (float64 can grow to 1e63 before overflowing, float32 overflows sooner).
MAX_WEIGHT = 1e6


def check_divergence(what, epoch, learning_rate, weights, loss=0.0,
                     backend=NUMPY):
    """Raise the one "diverged" error of both training loops, or return.

    Training has diverged when the ``loss`` (or reconstruction error) or a
    weight is NaN or infinite, or a weight exceeds ``MAX_WEIGHT`` in
    magnitude; the check is the same for float32 and float64.

    Parameters
    ----------
    what : str
        What was trained, e.g. ``"RBM layer 0"`` or ``"Backpropagation"``.
    epoch : int
        1-based epoch that just ended.
    learning_rate : float
        The rate used, named in the message.
    weights : list of ndarray
        The weight matrices to check.
    loss : float, default=0.0
        The epoch's loss or reconstruction error.
    backend : NumpyBackend or ArrayAPIBackend, default=NUMPY
        Where the weights live.
    """
    largest = max((backend.max_abs(W) for W in weights), default=0.0)
    if np.isfinite(loss) and np.isfinite(largest) and largest <= MAX_WEIGHT:
        return
    state = ("became NaN or infinite" if not (np.isfinite(loss)
                                             and np.isfinite(largest))
             else f"reached {largest:.3g} in magnitude (limit {MAX_WEIGHT:g})")
    raise ValueError(
        f"{what} diverged at epoch {epoch}: the loss or the weights {state}. "
        f"Use a smaller learning_rate (got {learning_rate})."
    )


def minibatches(order, batch_size, sample_weight=None, backend=NUMPY):
    """``(start, rows, weights)`` of every minibatch of an epoch.

    ``rows`` are the next ``batch_size`` entries of ``order`` (the last
    minibatch may be smaller); ``weights`` are their sample weights, or None
    when ``sample_weight`` is None (``backend`` gathers them).
    """
    n_rows = order.shape[0]
    for start in range(0, n_rows, batch_size):
        rows = order[start:min(start + batch_size, n_rows)]
        yield start, rows, (None if sample_weight is None
                            else backend.take(sample_weight, rows))


@dataclass
class EpochEnd:
    """What a progress hook hears after every epoch.

    Parameters
    ----------
    what : str
        What is trained, e.g. ``"RBM layer 0"``.
    epoch : int
        1-based number of the epoch that ended.
    n_epochs : int
        Epochs planned.
    values : dict
        The epoch's measurements (loss, reconstruction error, HSPM, ...).
    seconds : float
        Duration of the epoch.
    state : object, default=None
        The training run (``CDState`` or ``BackpropState``), to read the
        current parameters from (not to change them).
    """

    what: str
    epoch: int
    n_epochs: int
    values: dict
    seconds: float
    state: object = None


class NoImprovement:
    """Stop when a value has not improved by ``tol`` for ``patience`` epochs.

    ``greater_is_better`` says which way is better (a validation score) or
    worse (a training loss). ``tol=None`` never stops. Records the best
    value in ``best``.
    """

    def __init__(self, key, tol, patience, greater_is_better=False):
        self.key = key
        self.tol = tol
        self.patience = patience
        self.sign = 1.0 if greater_is_better else -1.0
        self.best = -np.inf if greater_is_better else np.inf
        self.stale = 0
        self.improved = False

    def __call__(self, event):
        value = event.values[self.key]
        margin = self.tol or 0.0
        self.improved = self.sign * (value - self.best) > 0
        better = self.sign * (value - self.best) > margin
        if self.sign > 0:
            self.best = max(self.best, value)
        else:
            self.best = min(self.best, value)
        self.stale = 0 if better else self.stale + 1
        return self.tol is not None and self.stale >= self.patience


class KeepBest:
    """Keep a copy of the parameters whenever a monitored value improves.

    The copies are snapshots only: :meth:`restore` writes the best values
    back *into* the training run's own arrays, so the arrays the optimiser
    updates stay the ones the run (and the estimator) reads. Replacing the
    run's arrays by the snapshots would detach them from the optimiser, and
    every later training step would update arrays nothing reads.
    """

    def __init__(self, monitor, params, backend=NUMPY):
        self.monitor = monitor
        self.params = params
        self.backend = backend
        self.best_params = None

    def __call__(self, event):
        if self.monitor.improved:
            self.best_params = [self.backend.copy(p) for p in self.params]
        return False

    def restore(self):
        """Copy the best values into the parameters, in place (if any)."""
        if self.best_params is None:
            return
        for param, best in zip(self.params, self.best_params):
            self.backend.copy_(param, best)


@dataclass
class EpochRun:
    """What :func:`run_epochs` did: epochs run and whether a monitor stopped it."""

    n_iter: int = 0
    stopped: bool = False
    history: list = field(default_factory=list)


def run_epochs(n_epochs, epoch, *, what, learning_rate, weights, stop=(),
               hooks=(), first_epoch=0, state=None, backend=NUMPY):
    """Run up to ``n_epochs`` epochs of ``epoch()``; check, monitor, report.

    Parameters
    ----------
    n_epochs : int
        Epochs to run (from ``first_epoch``).
    epoch : callable
        ``epoch() -> dict`` runs one epoch and returns its measurements,
        with ``"loss"`` (the training loss or reconstruction error) checked
        for divergence.
    what : str
        Name used in messages.
    learning_rate : float
        Named in the divergence message.
    weights : list of ndarray
        Weight matrices checked for divergence after every epoch.
    stop : sequence of callable, default=()
        Monitors ``monitor(event) -> bool``, called in order after every
        epoch; training ends when one returns True.
    hooks : sequence of callable, default=()
        Progress hooks ``hook(event)``, called after the monitors.
    first_epoch : int, default=0
        Epochs already run (a resumed training): numbering continues.
    state : object, default=None
        The training run, passed on to the hooks in the events.
    backend : NumpyBackend or ArrayAPIBackend, default=NUMPY
        Where the weights live (for the divergence check).

    Returns
    -------
    run : EpochRun
    """
    run = EpochRun()
    for index in range(first_epoch, first_epoch + n_epochs):
        tic = time.perf_counter()
        values = epoch()
        check_divergence(what, index + 1, learning_rate, weights,
                         values.get("loss", 0.0), backend)
        event = EpochEnd(what, index + 1, first_epoch + n_epochs, values,
                         time.perf_counter() - tic, state)
        run.n_iter += 1
        run.history.append(values)
        stopped = False
        for monitor in stop:
            stopped = bool(monitor(event)) or stopped
        for hook in hooks:
            hook(event)
        if stopped:
            run.stopped = True
            break
    return run
