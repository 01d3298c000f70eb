"""Momentum SGD shared by CD-k pretraining and backprop fine-tuning.

Pure numpy, no estimator glue. Both training loops call :func:`momentum_at`
for the schedule and :class:`MomentumSGD` for the update, so the paper's rule
(momentum ramp, L2 weight decay on weights only) lives in one place.
"""

from numbers import Real

import numpy as np

from ._kernels import momentum_update

MOMENTUM_SCHEDULES = ("linear", "step")

#: Weights beyond this magnitude saturate every sigmoid unit they feed for
#: any input in [0, 1]: training has diverged even while they stay finite
#: (float64 can grow to 1e63 before overflowing, float32 overflows sooner).
MAX_WEIGHT = 1e6


def check_divergence(what, epoch, learning_rate, weights, loss=0.0):
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
    """
    largest = max((float(np.max(np.abs(W))) if W.size else 0.0
                   for W in weights), default=0.0)
    if np.isfinite(loss) and np.isfinite(largest) and largest <= MAX_WEIGHT:
        return
    state = ("became NaN or infinite" if not (np.isfinite(loss)
                                             and np.isfinite(largest))
             else f"reached {largest:.3g} in magnitude (limit {MAX_WEIGHT:g})")
    raise ValueError(
        f"{what} diverged at epoch {epoch}: the loss or the weights {state}. "
        f"Use a smaller learning_rate (got {learning_rate})."
    )


def momentum_at(epoch, n_epochs, momentum, schedule="linear"):
    """Momentum used during ``epoch`` (0-based) of ``n_epochs``.

    A scalar ``momentum`` is used unchanged. A ``(start, end)`` pair follows
    one of the paper's two descriptions, both switching over the first half
    of the epochs (``n_epochs // 2``, at least 1):

    - ``"linear"`` (Section 5): momentum rises linearly from ``start`` at the
      first epoch to ``end`` at epoch ``n_epochs // 2`` and stays there;
    - ``"step"`` (the caption of Figure 1(a): "0.5 in the first 25 epochs
      and 0.9 in the rest 25"): ``start`` for the first ``n_epochs // 2``
      epochs, ``end`` afterwards.

    Parameters
    ----------
    epoch : int
        0-based epoch index.
    n_epochs : int
        Number of epochs of this training run (the layer's, for pretraining).
    momentum : float or (float, float)
        Constant momentum, or the ``(start, end)`` of the schedule.
    schedule : {"linear", "step"}, default="linear"
        Shape of the schedule of a ``(start, end)`` pair.

    Returns
    -------
    momentum : float
    """
    if isinstance(momentum, Real):
        return float(momentum)
    start, end = momentum
    ramp = max(n_epochs // 2, 1)
    if schedule == "step":
        return float(start if epoch < ramp else end)
    frac = min(epoch / ramp, 1.0)
    return float(start + (end - start) * frac)


class MomentumSGD:
    """Classical momentum with L2 weight decay, updating arrays in place.

    ``velocity = momentum * velocity + learning_rate * (ascent - decay * W)``
    then ``param += velocity``, where ``ascent`` is the *ascent* direction
    (the CD-k statistics difference, or minus the loss gradient), and
    ``decay`` applies only to the parameters flagged in ``decayed`` (weights,
    not biases).

    Parameters
    ----------
    params : list of ndarray
        Parameters, updated in place.
    decayed : list of bool
        Whether L2 weight decay applies to each parameter.
    weight_decay : float
        L2 coefficient.
    """

    def __init__(self, params, decayed, weight_decay):
        self.params = params
        self.decayed = decayed
        self.weight_decay = weight_decay
        self.velocities = [np.zeros_like(p) for p in params]

    def step(self, ascents, learning_rate, momentum, indices=None, *, scaled=False):
        """Apply one update.

        Parameters
        ----------
        ascents : list of ndarray
            Ascent direction for each updated parameter; overwritten (used as
            scratch space).
        learning_rate : float
        momentum : float
        indices : list of int, default=None
            Which parameters ``ascents`` refer to (default all, in order).
        scaled : bool, default=False
            ``True`` when the training loop has already multiplied the ascents
            by ``learning_rate`` (folded into its minibatch statistics, which
            saves one pass over every weight matrix).

        Notes
        -----
        The update is computed as ``velocity = momentum * velocity +
        learning_rate * ascent - (learning_rate * weight_decay) * param`` with
        no temporary array: one fused pass over each matrix when numba is
        installed, four in-place numpy passes otherwise (same arithmetic,
        bitwise the same result; see ``_kernels.py``).
        """
        if indices is None:
            indices = range(len(self.params))
        decay = learning_rate * self.weight_decay
        for i, ascent in zip(indices, ascents):
            if not scaled:
                ascent *= learning_rate
            momentum_update(
                self.params[i], self.velocities[i], ascent, momentum,
                decay if self.decayed[i] else 0.0,
            )
