"""Unit types of an RBM layer: what a unit's mean, sample and energy are.

A unit type knows, for the units on one side of an RBM, how to turn a
pre-activation into a mean (the mean-field value), how to sample, how to
reconstruct the layer below from hidden activations, its contribution to the
free energy, and which inputs it accepts. The CD training loop, the stack's
``inverse_transform`` and the metrics' threshold rule all ask a layer's units
instead of assuming a sigmoid: :class:`BernoulliUnits` (binary units, data
in [0, 1]) and :class:`GaussianUnits` (linear units with unit variance, for
standardised real-valued data). A new unit type is a new class here with
the same methods.
"""

import math

import numpy as np
import scipy.sparse as sp

from ._backend import NUMPY, get_backend


class _Units:
    """What every unit type shares: the backend its operations run on."""

    def __init__(self, backend=NUMPY):
        self.backend = backend

    def on(self, backend):
        """These units with their operations on ``backend`` (itself if same)."""
        if backend == self.backend:
            return self
        return type(self)(backend)

    def __reduce__(self):
        # The numpy unit objects stay the module's singletons when pickled.
        if self.backend is NUMPY:
            return self.name.upper()
        return (type(self), (self.backend,))

    def __eq__(self, other):
        return type(other) is type(self) and other.backend == self.backend

    def __hash__(self):
        return hash((type(self), self.backend))

    def reconstruct(self, H, W, c=None, out=None):
        """Mean of the visible units given hidden activations: ``f(H W^T + c)``.

        ``W`` has shape ``(n_visible, n_hidden)``; ``c`` is the visible bias
        (None: 0).
        """
        R = self.backend.matmul(H, W.T, out=out)
        return self.mean_(R, c)


class BernoulliUnits(_Units):
    """Binary units: mean ``sigmoid(pre)``, samples in {0, 1}, data in [0, 1]."""

    name = "bernoulli"
    #: A layer's scalar learning rate is divided by this (see ``GaussianUnits``).
    rate_divisor = 1

    def mean_(self, pre, bias=None, scale=1.0):
        """``pre <- scale * sigmoid(pre + bias)``, in place; returns ``pre``."""
        return self.backend.sigmoid_affine_(pre, bias, scale)

    def sample_(self, mean, uniforms, out, generator):
        """A sample of the units with these means, into ``out``."""
        return self.backend.sample_bernoulli_(mean, uniforms, out, generator)

    def free_energy(self, V, W, b, c):
        """Free energy of visible vectors ``V`` with these units as visible layer.

        ``F(v) = -v . c - sum_j softplus(v W_j + b_j)`` for binary hidden units;
        one value per row of ``V``.
        """
        backend = self.backend
        pre = backend.matmul(V, W) + b
        visible = backend.matmul(V, c)
        return -visible - backend.row_sums(backend.logaddexp0(pre))

    #: Round-off accepted around [0, 1], in units of the dtype's machine
    #: epsilon: ``MinMaxScaler`` returns values up to 2 eps outside [0, 1]
    #: (measured on 3,000 random normal, uniform, log-normal and Student
    #: datasets of up to 200 x 20 values, float32 and float64).
    ROUND_OFF_EPS = 8

    @classmethod
    def check_input(cls, X, estimator_name):
        """``X``, checked to lie in [0, 1] up to round-off.

        Bernoulli visible units model probabilities; values outside [0, 1]
        are a modelling error (typically raw pixels in 0..255), refused with
        a ``ValueError``. Values at most ``ROUND_OFF_EPS`` machine epsilons
        outside (the round-off of a scaler, e.g. ``1 + 2.2e-16`` from
        ``MinMaxScaler``) are accepted and clipped to [0, 1] in a copy;
        the caller's array is never modified.

        Returns
        -------
        X : ndarray, CSR matrix or array API array
            ``X`` itself, or a clipped copy.
        """
        values = X.data if sp.issparse(X) else X
        if math.prod(values.shape) == 0:
            return X
        backend = get_backend(values)
        vmin, vmax = backend.min_max(values)
        if sp.issparse(X) and X.nnz < X.shape[0] * X.shape[1]:
            vmin = min(vmin, 0.0)
        if 0.0 <= vmin and vmax <= 1.0:
            return X
        tol = cls.ROUND_OFF_EPS * float(np.finfo(backend.numpy_dtype(
            values.dtype)).eps)
        if vmin < -tol or vmax > 1.0 + tol:
            prefix = "Negative values in data passed to " if vmin < 0 else ""
            raise ValueError(
                f"{prefix}{estimator_name}: Bernoulli visible units need input "
                f"values in [0, 1], but the data has min={vmin!r} and "
                f"max={vmax!r}. Scale the features first, e.g. with "
                "sklearn.preprocessing.MinMaxScaler in a Pipeline (for raw "
                "8-bit pixels, divide by 255)."
            )
        if sp.issparse(X):
            X = X.copy()
            np.clip(X.data, 0.0, 1.0, out=X.data)
            return X
        if backend is NUMPY:
            return np.clip(X, 0.0, 1.0)
        return backend.xp.clip(X, 0.0, 1.0)


class GaussianUnits(_Units):
    """Linear units with unit variance: mean ``pre``, data any finite value.

    The visible side of a Gaussian-Bernoulli RBM for standardised data
    (Hinton, *A Practical Guide to Training RBMs*, 2010, section 13.2): the
    energy is ``E(v, h) = ||v - c||^2 / 2 - v W h - b h``, so a visible
    unit's conditional is ``N(h W^T + c, 1)`` and the mean-field
    reconstruction is linear, ``h W^T + c``. The CD statistics keep the
    same form as for binary units. Such a layer needs a learning rate one
    to two orders of magnitude smaller than a binary one.
    """

    name = "gaussian"
    #: A scalar learning rate is divided by 10 for a layer with these
    #: visible units (Hinton's guide: one to two orders of magnitude).
    rate_divisor = 10

    def mean_(self, pre, bias=None, scale=1.0):
        """``pre <- scale * (pre + bias)``, in place; returns ``pre``."""
        return self.backend.affine_(pre, bias, scale)

    def sample_(self, mean, noise, out, generator):
        """A sample ``mean + N(0, 1)`` into ``out`` (``noise``: float32 scratch)."""
        return self.backend.sample_gaussian_(mean, noise, out, generator)

    def free_energy(self, V, W, b, c):
        """Free energy of visible vectors ``V``, one value per row.

        ``F(v) = ||v - c||^2 / 2 - sum_j softplus(v W_j + b_j)`` for binary
        hidden units; the reconstruction is ``H W^T + c`` (see
        ``_Units.reconstruct``).
        """
        backend = self.backend
        V = backend.densify(V)
        pre = V @ W + b
        diff = V - c
        return 0.5 * backend.row_sum_squares(diff) - backend.row_sums(
            backend.logaddexp0(pre))

    @staticmethod
    def check_input(X, estimator_name):
        """``X`` itself: any finite input is valid (checked on validation)."""
        return X


BERNOULLI = BernoulliUnits()
GAUSSIAN = GaussianUnits()

#: Unit types by name.
UNITS = {"bernoulli": BERNOULLI, "gaussian": GAUSSIAN}
