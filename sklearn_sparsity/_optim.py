"""Momentum SGD shared by CD-k pretraining and back-propagation fine-tuning.

No estimator glue; the update runs on the parameters' backend. The
optimiser owns its momentum schedule, as scikit-learn's optimisers do with
``iteration_ends``: the training loops
call :meth:`MomentumSGD.iteration_ends` after every epoch, so a training run
can be resumed (its epoch count and velocities kept) without the loop
knowing the schedule. The paper's rule (momentum schedule, L2 weight decay
on the weights only) lives here and nowhere else.
"""

from numbers import Real

from ._backend import NUMPY

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
    momentum : float or (float, float), default=0.0
        Constant momentum or the ``(start, end)`` of its schedule.
    schedule : {"linear", "step"}, default="linear"
        Shape of the schedule (see :func:`momentum_at`).
    n_epochs : int, default=1
        Epochs the schedule spans (it reaches ``end`` at ``n_epochs // 2``).
    backend : NumpyBackend, default=NUMPY
        Where the update runs.

    Attributes
    ----------
    velocities : list of ndarray
        One per parameter.
    epoch : int
        Epochs completed (``iteration_ends`` calls).
    momentum : float
        The momentum of the current epoch.
    """

    def __init__(self, params, decayed, weight_decay, momentum=0.0, *,
                 schedule="linear", n_epochs=1, backend=NUMPY):
        self.params = params
        self.decayed = decayed
        self.weight_decay = weight_decay
        self.schedule_momentum = momentum
        self.schedule = schedule
        self.n_epochs = n_epochs
        self.backend = backend
        self.velocities = [backend.zeros(p.shape, p.dtype) for p in params]
        self.epoch = 0
        self.momentum = momentum_at(0, n_epochs, momentum, schedule)

    def iteration_ends(self):
        """Count an epoch as done and move to the next epoch's momentum."""
        self.epoch += 1
        self.momentum = momentum_at(self.epoch, self.n_epochs,
                                    self.schedule_momentum, self.schedule)

    def step(self, ascents, learning_rate, indices=None, *, scaled=False):
        """Apply one update with the current epoch's momentum.

        Parameters
        ----------
        ascents : list of ndarray
            Ascent direction for each updated parameter; overwritten (used as
            scratch space).
        learning_rate : float
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
        indices = list(indices)
        decay = learning_rate * self.weight_decay
        if not scaled:
            for ascent in ascents:
                ascent *= learning_rate
        self.backend.momentum_updates_(
            [self.params[i] for i in indices],
            [self.velocities[i] for i in indices], list(ascents),
            self.momentum, [decay if self.decayed[i] else 0.0 for i in indices],
        )
