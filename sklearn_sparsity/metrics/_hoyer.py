"""Hoyer's sparseness measure (HSPM), eq. (6) of Li et al. (2013)."""

from numbers import Integral

import numpy as np
from sklearn.utils import check_array
from sklearn.utils._param_validation import Options, validate_params

from .._array_api import namespace_of
from .._sparseness import hoyer_along as _hoyer_along
from ._validation import _check_activations_xp


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
        Activations, e.g. the output of a hidden layer. Must be finite. An
        array API array (a PyTorch tensor, a CuPy array, ...) is computed on
        in its namespace and on its device under
        ``sklearn.set_config(array_api_dispatch=True)`` (see
        :ref:`metrics_array_api`).
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
        vector). Float64; for an array API ``H``, an array of its namespace
        on its device, float64 where the device has it (else ``H``'s dtype).

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
    xp, device = namespace_of(H)
    if xp is not None:
        H = _check_activations_xp(H, xp, device)
        _check_n_entries(H, axis)
        return _hoyer_along(H, axis=axis, xp=xp)
    H = check_array(
        H,
        accept_sparse=False if not hasattr(H, "toarray") else "csr",
        dtype=(np.float64, np.float32),
        ensure_2d=True,
        input_name="H",
    )
    if hasattr(H, "toarray"):
        H = H.toarray()
    _check_n_entries(H, axis)
    return _hoyer_along(H, axis=axis)


def _check_n_entries(H, axis):
    if H.shape[axis] < 2:
        raise ValueError(
            f"HSPM needs vectors with at least 2 entries; got {H.shape[axis]} "
            f"along axis={axis} of an array of shape {tuple(H.shape)}."
        )


@validate_params(
    {"H": ["array-like", "sparse matrix"], "axis": [Options(Integral, {0, 1})]},
    prefer_skip_nested_validation=True,
)
def mean_hoyer_sparseness(H, *, axis=1):
    """Average HSPM of the rows (or columns) of ``H``, the paper's summary.

    Parameters
    ----------
    H : {array-like, sparse matrix} of shape (n_samples, n_units)
        Activations. Must be finite. Array API arrays are computed on in
        their namespace and on their device, as in :func:`hoyer_sparseness`.
    axis : {0, 1}, default=1
        As in :func:`hoyer_sparseness`.

    Returns
    -------
    mean_hspm : float
        The mean of :func:`hoyer_sparseness` over the vectors (a Python
        float for array API inputs too).

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
    xp, _ = namespace_of(H)
    if xp is not None:
        return float(xp.mean(hoyer_sparseness(H, axis=axis)))
    return float(np.mean(hoyer_sparseness(H, axis=axis)))
