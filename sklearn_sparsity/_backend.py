"""The one seam between the training loops and the arrays they run on.

Both training loops (CD-k in ``_rbm.py``, back-propagation in
``_backprop.py``) and the metrics' reconstructions call the bound operations
of a backend object instead of numpy directly, after tslearn's
``tslearn.backend``: :class:`NumpyBackend` is today's code (numpy with
``out=`` buffers, the numba kernels of ``_kernels.py`` where installed). The
array API backend (``_array_api.ArrayAPIBackend``, with a PyTorch
specialisation) implements the same methods and is returned by
:func:`get_backend` for array API inputs under scikit-learn's
``array_api_dispatch``; the training loops do not change.

The logistic sigmoid of the training loops, the estimators' transforms and
the metrics' reconstructions is :meth:`NumpyBackend.sigmoid_affine_`; the
rectifier of ReLU networks :meth:`NumpyBackend.relu_affine_`; linear
(Gaussian) units :meth:`NumpyBackend.affine_`.
"""

import numpy as np
import scipy.sparse as sp
from scipy.special import expit

from ._kernels import momentum_update, mul_sigmoid_grad


class NumpyBackend:
    """Operations on numpy arrays (and scipy CSR matrices as inputs).

    Every method works in place on preallocated buffers where it says so,
    so the training loops allocate nothing per minibatch.
    """

    name = "numpy"

    def __reduce__(self):
        # One instance: a pickled estimator's backend is NUMPY again.
        return "NUMPY"

    # ------------------------------------------------------------ creation
    @staticmethod
    def rng(seed):
        """A random generator for ``seed`` (int or ``SeedSequence``)."""
        return np.random.default_rng(seed)

    @staticmethod
    def empty(shape, dtype):
        return np.empty(shape, dtype=dtype)

    @staticmethod
    def zeros(shape, dtype):
        return np.zeros(shape, dtype=dtype)

    @staticmethod
    def dtype(dtype):
        return np.dtype(dtype)

    @staticmethod
    def numpy_dtype(dtype):
        """The numpy dtype of the same name."""
        return np.dtype(dtype)

    @staticmethod
    def arange(n):
        return np.arange(n)

    @staticmethod
    def asarray(a, dtype=None, copy=False):
        return np.array(a, dtype=dtype) if copy else np.asarray(a, dtype=dtype)

    @staticmethod
    def normal(generator, loc, scale, shape, dtype):
        """``N(loc, scale)`` draws of ``shape``, drawn in float64, as ``dtype``."""
        return generator.normal(loc, scale, size=shape).astype(dtype, copy=False)

    @staticmethod
    def copy(a):
        return a.copy()

    @staticmethod
    def astype(a, dtype, copy=False):
        return a.astype(dtype, copy=copy)

    @staticmethod
    def float_dtypes():
        """The float dtypes inputs may keep (float32 first)."""
        return (np.float32, np.float64)

    @staticmethod
    def to_numpy(a):
        return a

    @staticmethod
    def densify(a):
        """``a`` as a dense array (CSR matrices converted)."""
        return a.toarray() if hasattr(a, "toarray") else np.asarray(a)

    # ------------------------------------------------------- non-linearity
    @staticmethod
    def sigmoid_affine_(Z, bias=None, scale=1.0):
        """``Z <- scale * sigmoid(Z + bias)``, in place; returns ``Z``.

        For float32 it runs as
        ``1 / (1 + exp(-(Z + bias)))`` in four vectorised passes (numpy's SIMD
        ``exp``), about twice as fast as :func:`scipy.special.expit` there and
        within 2e-7 of it in relative terms; overflow of ``exp`` gives the
        exact limit 0 and is not warned about. Other dtypes use
        :func:`scipy.special.expit`. ``bias=None`` adds nothing.
        """
        if Z.dtype == np.float32:
            if bias is None:
                np.negative(Z, out=Z)
            else:
                np.subtract(-bias, Z, out=Z)
            with np.errstate(over="ignore"):
                np.exp(Z, out=Z)
            Z += 1.0
            if scale == 1.0:
                return np.reciprocal(Z, out=Z)
            return np.divide(scale, Z, out=Z)
        if bias is not None:
            Z += bias
        expit(Z, out=Z)
        if scale != 1.0:
            Z *= scale
        return Z

    @staticmethod
    def affine_(Z, bias=None, scale=1.0):
        """``Z <- scale * (Z + bias)``, in place; returns ``Z`` (linear units)."""
        if bias is not None:
            Z += bias
        if scale != 1.0:
            Z *= scale
        return Z

    @staticmethod
    def relu_affine_(Z, bias=None):
        """``Z <- max(Z + bias, 0)``, in place; returns ``Z``."""
        if bias is not None:
            Z += bias
        return np.maximum(Z, 0, out=Z)

    @staticmethod
    def mul_relu_grad_(delta, A, scratch=None):
        """``delta *= (A > 0)`` in place (``A`` a ReLU output)."""
        np.copyto(delta, 0, where=A <= 0)

    @staticmethod
    def softmax_(Z):
        """Row-wise softmax of ``Z``, in place, with the row max subtracted."""
        Z -= Z.max(axis=1, keepdims=True)
        np.exp(Z, out=Z)
        Z /= Z.sum(axis=1, keepdims=True)
        return Z

    @staticmethod
    def mul_sigmoid_grad_(delta, A, scratch):
        """``delta *= A * (1 - A)`` in place (``A`` a sigmoid output)."""
        mul_sigmoid_grad(delta, A, scratch)

    # ------------------------------------------------------------ sampling
    @staticmethod
    def sample_bernoulli_(p, u, out, generator):
        """Write a Bernoulli(``p``) sample into ``out``; ``u`` is scratch.

        The uniforms are drawn in float32 whatever the dtype, so float32 and
        float64 runs with the same seed sample the same states.
        """
        generator.random(out=u, dtype=np.float32)
        np.less(u, p, out=out, casting="unsafe")
        return out

    @staticmethod
    def sample_gaussian_(mean, noise, out, generator):
        """Write ``mean + N(0, 1)`` into ``out``; ``noise`` (float32) is scratch."""
        generator.standard_normal(out=noise, dtype=np.float32)
        np.add(mean, noise, out=out, casting="unsafe")
        return out

    @staticmethod
    def shuffle_(order, generator):
        generator.shuffle(order)

    # ---------------------------------------------------------- linear algebra
    @staticmethod
    def matmul(A, B, out=None):
        """``A @ B`` (into ``out`` when given); ``A`` may be a CSR matrix."""
        if out is None:
            return np.asarray(A @ B)
        if sp.issparse(A):
            out[...] = A @ B
            return out
        return np.matmul(A, B, out=out)

    @staticmethod
    def take_rows(X, rows, out, *, start=0, contiguous=False):
        """Copy rows ``rows`` of dense or CSR ``X`` into dense ``out``.

        ``contiguous=True`` says the rows are ``start, start + 1, ...``: a
        plain slice, no index array. Only the minibatch is densified.
        """
        n = out.shape[0]
        if sp.issparse(X):
            batch = X[start:start + n] if contiguous else X[rows]
            batch.toarray(out=out)
        elif contiguous:
            np.copyto(out, X[start:start + n])
        else:
            # mode="clip" (the rows are valid) writes straight into ``out``;
            # mode="raise" would gather into a temporary first.
            np.take(X, rows, axis=0, out=out, mode="clip")
        return out

    @staticmethod
    def gather_rows(X, rows, out):
        """Rows ``rows`` of ``X``: dense ones into ``out``, CSR ones as CSR.

        Back-propagation multiplies a sparse minibatch as it is; CD-k
        densifies it (:meth:`take_rows`).
        """
        if sp.issparse(X):
            return X[rows]
        return np.take(X, rows, axis=0, out=out, mode="clip")

    @staticmethod
    def take(a, rows):
        """Entries ``rows`` of a 1-D array."""
        return a[rows]

    # ------------------------------------------------------------ element-wise
    @staticmethod
    def copy_(dst, src):
        np.copyto(dst, src)

    @staticmethod
    def multiply(a, b, out):
        return np.multiply(a, b, out=out)

    @staticmethod
    def subtract(a, b, out):
        return np.subtract(a, b, out=out)

    @staticmethod
    def sum_rows(a, out):
        """Column sums of ``a`` (over its rows) into ``out``."""
        return a.sum(axis=0, out=out)

    @staticmethod
    def row_scale(weights, scale, dtype):
        """``scale * weights / sum(weights)`` as a column of ``dtype``."""
        return (scale / weights.sum() * weights).astype(dtype)[:, None]

    # ------------------------------------------------------------ optimiser
    @staticmethod
    def momentum_update_(param, velocity, ascent, momentum, decay):
        """``velocity = momentum * velocity + ascent - decay * param;
        param += velocity``, in place (``ascent`` is scratch)."""
        momentum_update(param, velocity, ascent, momentum, decay)

    @staticmethod
    def momentum_updates_(params, velocities, ascents, momentum, decays):
        """:meth:`momentum_update_` of every parameter, in order."""
        for param, velocity, ascent, decay in zip(params, velocities, ascents,
                                                  decays):
            momentum_update(param, velocity, ascent, momentum, decay)

    # ----------------------------------------------------------- reductions
    @staticmethod
    def all_finite(*arrays):
        return all(bool(np.isfinite(a).all()) for a in arrays)

    @staticmethod
    def max_abs(a):
        return float(np.max(np.abs(a))) if a.size else 0.0

    @staticmethod
    def min_max(a):
        return float(a.min()), float(a.max())

    # The reductions return floats here; the array API backend returns 0-d
    # arrays (no wait for the device), which the loops convert per epoch.
    @staticmethod
    def total(a):
        """Sum of all entries, as a float."""
        return float(a.sum())

    @staticmethod
    def mean(a):
        return float(a.mean())

    @staticmethod
    def row_sums(a):
        return a.sum(axis=1)

    @staticmethod
    def sum_squares(a):
        return float(np.einsum("ij,ij->", a, a))

    @staticmethod
    def row_sum_squares(a):
        return np.einsum("ij,ij->i", a, a)

    @staticmethod
    def row_dot(a, b):
        return np.einsum("ij,ij->i", a, b)

    @staticmethod
    def dot(a, b):
        """``a . b`` of two vectors, as a float."""
        return float(a @ b)

    @staticmethod
    def maybe_finite(value):
        """Whether a minibatch's scalar is finite."""
        return bool(np.isfinite(value))

    @staticmethod
    def logaddexp0(a):
        """``log(1 + exp(a))``, element-wise, without overflow."""
        return np.logaddexp(0, a)

    @staticmethod
    def count_true(mask):
        return int(np.count_nonzero(mask))

    @staticmethod
    def neg_log_clip(p, low):
        """``-log(clip(p, low, 1))``, element-wise."""
        return -np.log(np.clip(p, low, 1.0))

    @staticmethod
    def one_hot(y_index, n_outputs, dtype):
        """One-hot rows of class indices ``y_index``."""
        Y = np.zeros((y_index.shape[0], n_outputs), dtype=dtype)
        Y[np.arange(y_index.shape[0]), y_index] = 1
        return Y

    @staticmethod
    def argmax_rows(a):
        """Column index of every row's largest entry, a numpy array."""
        return a.argmax(axis=1)

    @staticmethod
    def hit_rate(probs, y_index, weights=None):
        """(Weighted) fraction of rows whose largest entry is at ``y_index``."""
        hits = probs.argmax(axis=1) == y_index
        if weights is None:
            return float(np.mean(hits))
        return float(hits @ weights / weights.sum())

    @staticmethod
    def hoyer_rows(H):
        """HSPM of every row of ``H`` (``_sparseness.hoyer_along``)."""
        from ._sparseness import hoyer_along

        return hoyer_along(H)


NUMPY = NumpyBackend()


def get_backend(*arrays):
    """The backend for these arrays.

    numpy arrays and scipy matrices (and any input while scikit-learn's
    ``array_api_dispatch`` is off): :data:`NUMPY`. Array API arrays of
    another namespace under dispatch: an array API backend on their device
    (``_array_api.backend_for``).
    """
    from ._array_api import backend_for, namespace_of

    xp, device = namespace_of(*arrays)
    if xp is None:
        return NUMPY
    return backend_for(xp, device)
