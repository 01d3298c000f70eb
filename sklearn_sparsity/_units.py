"""Unit types of an RBM layer: what a unit's mean, sample and energy are.

A unit type knows, for the units on one side of an RBM, how to turn a
pre-activation into a mean (the mean-field value), how to sample, how to
reconstruct the layer below from hidden activations, its contribution to the
free energy, and which inputs it accepts. The CD training loop, the stack's
``inverse_transform`` and the metrics' threshold rule all ask a layer's units
instead of assuming a sigmoid. A new unit type (say Gaussian visible units)
is a new class here with the same methods.
"""

import numpy as np
import scipy.sparse as sp

from ._backend import NUMPY


class BernoulliUnits:
    """Binary units: mean ``sigmoid(pre)``, samples in {0, 1}, data in [0, 1]."""

    name = "bernoulli"

    def __init__(self, backend=NUMPY):
        self.backend = backend

    def mean_(self, pre, bias=None, scale=1.0):
        """``pre <- scale * sigmoid(pre + bias)``, in place; returns ``pre``."""
        return self.backend.sigmoid_affine_(pre, bias, scale)

    def sample_(self, mean, uniforms, out, generator):
        """A sample of the units with these means, into ``out``."""
        return self.backend.sample_bernoulli_(mean, uniforms, out, generator)

    def reconstruct(self, H, W, c=None, out=None):
        """Mean of the visible units given hidden activations: ``f(H W^T + c)``.

        ``W`` has shape ``(n_visible, n_hidden)``; ``c`` is the visible bias
        (None: 0).
        """
        R = self.backend.matmul(H, W.T, out=out)
        return self.mean_(R, c)

    @staticmethod
    def free_energy(V, W, b, c):
        """Free energy of visible vectors ``V`` with these units as visible layer.

        ``F(v) = -v . c - sum_j softplus(v W_j + b_j)`` for binary hidden units;
        one value per row of ``V``.
        """
        pre = np.asarray(V @ W) + b
        visible = np.asarray(V @ c).ravel()
        return -visible - np.logaddexp(0, pre).sum(axis=1)

    @staticmethod
    def check_input(X, estimator_name):
        """Raise a ``ValueError`` unless every value of ``X`` lies in [0, 1].

        Bernoulli visible units model probabilities; values outside [0, 1]
        are a modelling error (typically raw pixels in 0..255), never
        silently clipped.
        """
        values = X.data if sp.issparse(X) else X
        if values.size == 0:
            return
        vmin, vmax = float(values.min()), float(values.max())
        if sp.issparse(X) and X.nnz < X.shape[0] * X.shape[1]:
            vmin = min(vmin, 0.0)
        if vmin < 0.0 or vmax > 1.0:
            prefix = "Negative values in data passed to " if vmin < 0 else ""
            raise ValueError(
                f"{prefix}{estimator_name}: Bernoulli visible units need input "
                f"values in [0, 1], but the data has min={vmin:.6g} and "
                f"max={vmax:.6g}. Scale the features first, e.g. with "
                "sklearn.preprocessing.MinMaxScaler in a Pipeline (for raw "
                "8-bit pixels, divide by 255)."
            )


BERNOULLI = BernoulliUnits()

#: Unit types by name.
UNITS = {"bernoulli": BERNOULLI}
