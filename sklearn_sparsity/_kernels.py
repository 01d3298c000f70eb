"""Fused element-wise kernels, compiled with numba when it is installed.

The two training loops spend most of their time in BLAS products; of the
rest, the largest part is the momentum update of the weight matrices, which
numpy can only write as several passes over each matrix (``v *= m; v += g;
t = c W; v -= t; W += v``: 13 array reads and writes per weight). With the
optional dependency `numba <https://numba.pydata.org>`_ (``pip install
"sklearn-sparsity[fast]"``) the same arithmetic runs as one pass (5 reads and
writes).

The fused kernels perform the *same* floating-point operations in the same
order as the numpy code (no fast-math, no fused multiply-add), so results are
bitwise identical with and without numba; ``tests/test_kernels.py`` checks
this. Set the environment variable ``SKLEARN_SPARSITY_NUMBA=0`` before
import to use the numpy code even when numba is installed.
"""

import functools
import importlib.util
import os
import warnings

import numpy as np

__all__ = ["NUMBA_ENABLED", "momentum_update", "mul_sigmoid_grad"]

NUMBA_ENABLED = importlib.util.find_spec("numba") is not None and os.environ.get(
    "SKLEARN_SPARSITY_NUMBA", "1"
).strip().lower() not in ("0", "false", "no", "off")
"""Whether the fused kernels are used: numba is installed and not disabled.

numba itself is imported, and the kernels compiled (or loaded from numba's
cache), on the first update, not when the package is imported.
"""


def _momentum_update_numpy(param, vel, ascent, momentum, decay):
    vel *= momentum
    vel += ascent
    if decay:
        # The ascent buffer is free now: reuse it for decay * param.
        np.multiply(param, decay, out=ascent)
        vel -= ascent
    param += vel


def _mul_sigmoid_grad_numpy(delta, A, scratch):
    dsig = scratch[: A.size].reshape(A.shape)
    np.subtract(1.0, A, out=dsig)
    dsig *= A
    delta *= dsig


def _define_kernels(numba, cache):
    jit = numba.njit(cache=cache, nogil=True, fastmath=False)

    @jit
    def update_decay(p, v, g, m, c):  # pragma: no cover - compiled
        for i in range(p.shape[0]):
            t = (m * v[i] + g[i]) - c * p[i]
            v[i] = t
            p[i] += t

    @jit
    def update_plain(p, v, g, m):  # pragma: no cover - compiled
        for i in range(p.shape[0]):
            t = m * v[i] + g[i]
            v[i] = t
            p[i] += t

    @jit
    def mul_dsig(d, a, one):  # pragma: no cover - compiled
        # ``one`` has the arrays' dtype: a literal 1 would promote float32
        # arithmetic to float64 and round differently from numpy.
        for i in range(d.shape[0]):
            d[i] *= (one - a[i]) * a[i]

    return update_decay, update_plain, mul_dsig


@functools.cache
def _compiled():
    """The numba kernels, compiled on first use; None if numba is unusable.

    Compiled for float32 and float64 right away, so that a numba that cannot
    compile (e.g. a version that does not support the installed numpy) is
    found here, reported once as a warning, and training falls back to the
    numpy code instead of failing. The compiled code is cached on disk next
    to this module or, where that is read-only, in numba's user cache; where
    neither is writable it is compiled in every process.
    """
    try:
        import numba
    except ImportError:  # pragma: no cover - find_spec saw a broken install
        return None
    try:
        try:
            kernels = _define_kernels(numba, cache=True)
        except RuntimeError:  # pragma: no cover - no writable cache location
            kernels = _define_kernels(numba, cache=False)
        update_decay, update_plain, mul_dsig = kernels
        for dtype in (np.float32, np.float64):
            x = np.zeros(2, dtype=dtype)
            update_decay(x, x.copy(), x.copy(), dtype(0), dtype(0))
            update_plain(x, x.copy(), x.copy(), dtype(0))
            mul_dsig(x, x.copy(), dtype(1))
    except Exception as exc:  # pragma: no cover - depends on the install
        warnings.warn(
            f"sklearn_sparsity: numba is installed but its kernels failed to "
            f"compile ({type(exc).__name__}: {exc}); using the numpy code, "
            "which gives the same results more slowly. Set "
            "SKLEARN_SPARSITY_NUMBA=0 to silence this warning.",
            RuntimeWarning,
            stacklevel=3,
        )
        return None
    return kernels


def _flat(a):
    """1-d view of a C-contiguous array, or None."""
    return a.reshape(-1) if a.flags.c_contiguous else None


def momentum_update(param, vel, ascent, momentum, decay):
    """``vel = momentum * vel + ascent - decay * param; param += vel``.

    In place; ``ascent`` may be overwritten (scratch). ``momentum`` and
    ``decay`` are Python floats, cast to the arrays' dtype as numpy would.
    """
    kernels = _compiled() if NUMBA_ENABLED else None
    if kernels is not None:
        p, v, g = _flat(param), _flat(vel), _flat(ascent)
        if p is not None and v is not None and g is not None:
            cast = param.dtype.type
            if decay:
                kernels[0](p, v, g, cast(momentum), cast(decay))
            else:
                kernels[1](p, v, g, cast(momentum))
            return
    _momentum_update_numpy(param, vel, ascent, momentum, decay)


def mul_sigmoid_grad(delta, A, scratch):
    """``delta *= A * (1 - A)`` in place (``A`` a sigmoid output).

    ``scratch`` is a flat buffer of at least ``A.size`` elements, used by the
    numpy version.
    """
    kernels = _compiled() if NUMBA_ENABLED else None
    if kernels is not None:
        d, a = _flat(delta), _flat(A)
        if d is not None and a is not None:
            kernels[2](d, a, A.dtype.type(1))
            return
    _mul_sigmoid_grad_numpy(delta, A, scratch)
