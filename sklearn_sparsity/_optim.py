"""Momentum SGD shared by CD-k pretraining and backprop fine-tuning.

Pure numpy, no estimator glue. Both training loops call :func:`momentum_at`
for the schedule and :class:`MomentumSGD` for the update, so the paper's rule
(momentum ramp, L2 weight decay on weights only) lives in one place.
"""

from numbers import Real

import numpy as np

from ._kernels import momentum_update


MOMENTUM_SCHEDULES = ("linear", "step")


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
