"""Hoyer's sparseness (eq. 6 of Li et al., 2013): the numerical core.

Pure numpy (and, for array API inputs, the array's own namespace). The
training loop records the HSPM of every epoch with it, and
:mod:`sklearn_sparsity.metrics` builds the public functions on it.
"""

import math

import numpy as np

# Number of float64 entries in the scratch buffer of ``_hoyer_along``.
_BLOCK_ELEMENTS = 2**18
# Sums of squares outside [_TINY, _HUGE] may have lost precision to underflow
# or overflow.
_TINY, _HUGE = 1e-250, 1e250


def hoyer_along(H, axis=1, xp=None):
    """HSPM of every vector of ``H`` along ``axis`` (no validation).

    Parameters
    ----------
    H : ndarray of shape (n_rows, n_cols)
        Finite, dense values of any float dtype. The matrix is read in row
        blocks; each block's absolute values go into one small float64 buffer,
        so the norms are computed in float64 without copying ``H``.
    axis : {0, 1}
        ``1``: one value per row (population sparseness of each sample);
        ``0``: one value per column (lifetime sparseness of each unit).
    xp : module or None, default=None
        The array API namespace of ``H`` when it is not a numpy array: the
        values are computed there, on ``H``'s device, in float64 where the
        device supports it, each vector divided by its largest magnitude
        first (no overflow).

    Returns
    -------
    hspm : ndarray of shape (n_rows,) or (n_cols,), float64
        An all-zero vector gets HSPM 1.0 (see :func:`hoyer_sparseness`).
    """
    if xp is not None:
        return _hoyer_along_xp(H, axis, xp)
    n_rows, n_cols = H.shape
    n = H.shape[axis]
    # Row blocks of about 2 MiB: each block's |h| goes into one float64
    # buffer, so no copy of the whole matrix is made and the norms accumulate
    # in float64 whatever the input dtype.
    step = max(1, _BLOCK_ELEMENTS // max(n_cols, 1))
    buf = np.empty((min(step, n_rows), n_cols))
    l1 = np.zeros(n_rows if axis == 1 else n_cols)
    l2 = np.zeros_like(l1)
    # Overflow (values near the float64 maximum) and underflow are expected
    # here and handled below: no warning.
    with np.errstate(over="ignore", under="ignore"):
        for start in range(0, n_rows, step):
            stop = min(start + step, n_rows)
            block = np.abs(H[start:stop], out=buf[: stop - start])
            if axis == 1:
                l1[start:stop] = block.sum(axis=1)
                l2[start:stop] = np.einsum("ij,ij->i", block, block)
            else:
                l1 += block.sum(axis=0)
                l2 += np.einsum("ij,ij->j", block, block)
    # Squares of float64 values beyond ~1e+-154 overflow or underflow (and
    # sums near the float64 maximum overflow). Such rare vectors are
    # recomputed after division by their largest magnitude (the ratio l1/l2
    # does not change); float32 input never needs it.
    redo = ~((l2 >= _TINY) & (l2 <= _HUGE)) & (l1 > 0)
    if redo.any():
        sub = np.abs(H[redo] if axis == 1 else H[:, redo].T).astype(np.float64)
        sub /= sub.max(axis=1, keepdims=True)
        l1[redo] = sub.sum(axis=1)
        l2[redo] = np.einsum("ij,ij->i", sub, sub)
    np.sqrt(l2, out=l2)
    sqrt_n = np.sqrt(n)
    ratio = np.divide(l1, l2, out=np.ones_like(l1), where=l2 > 0)
    hspm = (sqrt_n - ratio) / (sqrt_n - 1.0)
    # Rounding can push a value a hair outside [0, 1].
    return np.clip(hspm, 0.0, 1.0, out=hspm)


def _hoyer_along_xp(H, axis, xp):
    """:func:`hoyer_along` in array API namespace ``xp``.

    In float64 where the device has it (as the numpy path: near-zero HSPM
    is a difference of nearly equal numbers), else in ``H``'s dtype.
    """
    A = xp.abs(H)
    try:
        A = xp.astype(A, xp.float64)
    except (TypeError, RuntimeError, ValueError):  # e.g. no float64 on MPS
        pass
    largest = xp.max(A, axis=axis, keepdims=True)
    positive = largest > 0
    A = A / xp.where(positive, largest, xp.ones_like(largest))
    l1 = xp.sum(A, axis=axis)
    l2 = xp.sqrt(xp.sum(A * A, axis=axis))
    nonzero = l2 > 0
    ratio = xp.where(nonzero, l1 / xp.where(nonzero, l2, xp.ones_like(l2)),
                     xp.ones_like(l2))
    sqrt_n = math.sqrt(H.shape[axis])
    return xp.clip((sqrt_n - ratio) / (sqrt_n - 1.0), 0.0, 1.0)
