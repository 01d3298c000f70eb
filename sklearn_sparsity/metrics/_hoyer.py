"""Hoyer's sparseness measure (HSPM), eq. (6) of Li et al. (2013)."""

from numbers import Integral

import numpy as np
from sklearn.utils import check_array
from sklearn.utils._param_validation import Options, validate_params

# Number of float64 entries in the scratch buffer of ``_hoyer_along``.
_BLOCK_ELEMENTS = 2**18
# Sums of squares outside [_TINY, _HUGE] may have lost precision to underflow
# or overflow.
_TINY, _HUGE = 1e-250, 1e250


def _hoyer_along(H, axis=1):
    """HSPM of every vector of ``H`` along ``axis`` (no validation).

    This is the single implementation of eq. (6) in the package; the public
    functions and the estimators' ``history_`` all call it.

    Parameters
    ----------
    H : ndarray of shape (n_rows, n_cols)
        Finite, dense values of any float dtype. The matrix is read in row
        blocks; each block's absolute values go into one small float64 buffer,
        so the norms are computed in float64 without copying ``H``.
    axis : {0, 1}
        ``1``: one value per row (population sparseness of each sample);
        ``0``: one value per column (lifetime sparseness of each unit).

    Returns
    -------
    hspm : ndarray of shape (n_rows,) or (n_cols,), float64
        An all-zero vector gets HSPM 1.0 (see :func:`hoyer_sparseness`).
    """
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


@validate_params(
    {"H": ["array-like", "sparse matrix"], "axis": [Options(Integral, {0, 1})]},
    prefer_skip_nested_validation=True,
)
def hoyer_sparseness(H, *, axis=1):
    r"""Hoyer's sparseness measure (HSPM) of each row (or column) of ``H``.

    For a vector :math:`h` with :math:`n \geq 2` entries (eq. 6 of Li et al.,
    2013, after Hoyer, 2004):

    .. math::

        \mathrm{HSPM}(h) = \frac{\sqrt{n} - \|h\|_1 / \|h\|_2}{\sqrt{n} - 1}

    It is 1 for a vector with a single non-zero entry, 0 for a vector whose
    entries all have the same magnitude, lies in :math:`[0, 1]`, and is
    invariant to scaling by a non-zero constant and to permutations.

    Parameters
    ----------
    H : {array-like, sparse matrix} of shape (n_samples, n_units)
        Activations, e.g. the output of a hidden layer. Must be finite.
    axis : {0, 1}, default=1
        ``1`` gives one value per sample ("population" sparseness, the
        quantity averaged in the paper); ``0`` gives one value per unit
        ("lifetime" sparseness).

    Returns
    -------
    hspm : ndarray of shape (n_samples,) or (n_units,)
        The sparseness of each vector. An all-zero vector has every component
        zero, the sparsest possible code, and is given HSPM = 1.0 (the ratio
        :math:`\|h\|_1/\|h\|_2` is taken as 1 there, its value for a one-hot
        vector).

    Raises
    ------
    ValueError
        If the vectors have fewer than 2 entries, ``H`` is empty or contains
        NaN or infinity.

    See Also
    --------
    mean_hoyer_sparseness : The average over samples reported in the paper.

    References
    ----------
    .. [1] P. O. Hoyer, "Non-negative Matrix Factorization with Sparseness
       Constraints", JMLR 5, 2004.
    .. [2] J. Li, W. Luo, J. Yang, X. Yuan, "Unsupervised Pretraining
       Encourages Moderate-Sparseness", arXiv:1312.5813, 2013.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_sparsity.metrics import hoyer_sparseness
    >>> hoyer_sparseness(np.array([[1.0, 0.0, 0.0, 0.0], [1.0, 1.0, 1.0, 1.0]]))
    array([1., 0.])
    """
    H = check_array(
        H,
        accept_sparse=False if not hasattr(H, "toarray") else "csr",
        dtype=(np.float64, np.float32),
        ensure_2d=True,
        input_name="H",
    )
    if hasattr(H, "toarray"):
        H = H.toarray()
    if H.shape[axis] < 2:
        raise ValueError(
            f"HSPM needs vectors with at least 2 entries; got {H.shape[axis]} "
            f"along axis={axis} of an array of shape {H.shape}."
        )
    return _hoyer_along(H, axis=axis)


@validate_params(
    {"H": ["array-like", "sparse matrix"], "axis": [Options(Integral, {0, 1})]},
    prefer_skip_nested_validation=True,
)
def mean_hoyer_sparseness(H, *, axis=1):
    """Average HSPM of the rows (or columns) of ``H``, the paper's summary.

    Parameters
    ----------
    H : {array-like, sparse matrix} of shape (n_samples, n_units)
        Activations. Must be finite.
    axis : {0, 1}, default=1
        As in :func:`hoyer_sparseness`.

    Returns
    -------
    mean_hspm : float
        The mean of :func:`hoyer_sparseness` over the vectors.

    See Also
    --------
    hoyer_sparseness : The per-vector values.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_sparsity.metrics import mean_hoyer_sparseness
    >>> mean_hoyer_sparseness(np.array([[1.0, 0.0, 0.0, 0.0], [1.0, 1.0, 1.0, 1.0]]))
    0.5
    """
    return float(np.mean(hoyer_sparseness(H, axis=axis)))
