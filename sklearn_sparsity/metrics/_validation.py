"""Input checks of the metrics, in one place.

Activations, class labels, subset sizes ``k``, layer indices and threshold
candidates are validated here; the public functions call these helpers and
name the argument in every message.
"""

import math
from numbers import Real

import numpy as np
import scipy.sparse as sp
from sklearn.utils import check_array, check_consistent_length, column_or_1d
from sklearn.utils.multiclass import type_of_target
from sklearn.utils.validation import assert_all_finite


def _check_activations(H, *, input_name="H", ensure_2d=True):
    """Validate activations: finite, non-empty, float, dense (CSR densified)."""
    H = check_array(
        H,
        accept_sparse="csr",
        dtype=(np.float64, np.float32),
        ensure_2d=ensure_2d,
        input_name=input_name,
    )
    if sp.issparse(H):
        H = H.toarray()
    if H.size == 0:
        raise ValueError(f"{input_name} is empty (shape {H.shape}).")
    return H


def _check_labels(y, n_samples):
    """Validate class labels against ``n_samples`` rows of activations.

    ``y`` must hold class labels of one kind (all strings or all numbers):
    a continuous target (say 30 random floats, which would become 30
    classes) is rejected, as scikit-learn's classifiers do.
    """
    y = column_or_1d(y, warn=True)
    check_consistent_length(np.empty((n_samples, 0)), y)
    if y.dtype.kind in "fc":
        assert_all_finite(y, input_name="y")
    if y.dtype == object and len({isinstance(v, str) for v in y}) > 1:
        raise ValueError(
            "y mixes string and number labels; the classes of y must be all "
            "strings or all numbers."
        )
    target = type_of_target(y, input_name="y")
    if target not in ("binary", "multiclass"):
        raise ValueError(
            f"y must hold class labels (a binary or multiclass target); got a "
            f"{target} target. The activation overlap is defined per class: "
            "pass the class of every sample, not a continuous value."
        )
    return y


def _check_ks(k, n_classes):
    """Validate ``k`` against ``n_classes``; return (ks int array, scalar?)."""
    if n_classes < 2:
        raise ValueError(
            f"The activation overlapping degree needs at least 2 classes; y has "
            f"{n_classes}."
        )
    if isinstance(k, str):  # "all", the only string validate_params lets in
        return np.arange(2, n_classes + 1), False
    scalar = np.ndim(k) == 0
    ks = np.atleast_1d(np.asarray(k))
    if ks.ndim != 1 or ks.size == 0 or ks.dtype.kind not in "iu":
        raise ValueError(
            f"k must be an int, a non-empty list of ints or 'all'; got {k!r}."
        )
    if np.any(ks < 1) or np.any(ks > n_classes):
        raise ValueError(
            f"k must lie between 1 and the number of classes ({n_classes}); got {k!r}."
        )
    return ks.astype(np.int64), scalar


def _layer_index(layer, n_layers):
    """Validate a (possibly negative) hidden-layer index; return it >= 0."""
    if not -n_layers <= layer < n_layers:
        raise ValueError(
            f"layer={layer} is out of range for a model with {n_layers} hidden "
            f"layer(s); use 0 to {n_layers - 1} or negative indices."
        )
    return layer % n_layers


def _check_tau_list(tau, n_rows):
    """Validate a list ``tau`` of one threshold per report row; return a list."""
    if len(tau) != n_rows or not all(
        isinstance(t, Real) and np.isfinite(t) and t >= 0 for t in tau
    ):
        raise ValueError(
            f"A list tau needs one finite value >= 0 per row ({n_rows}: the "
            f"input and {n_rows - 1} hidden layer(s)); got {tau!r}."
        )
    return list(tau)


def _check_candidates(candidates):
    if np.ndim(candidates) == 0:
        return candidates
    values = np.asarray(candidates, dtype=np.float64).ravel()
    if values.size == 0 or not np.all(np.isfinite(values)) or np.any(values < 0):
        raise ValueError(
            "candidates must be an int >= 2 or a non-empty array of finite "
            f"thresholds >= 0; got {candidates!r}."
        )
    return values


def _float_dtypes(xp, device):
    """The float dtypes accepted in namespace ``xp``, the widest first.

    Integer input is converted to the first: float64 where the device has
    it (float32 on devices without float64, such as Apple's MPS).
    """
    from sklearn.utils._array_api import _max_precision_float_dtype

    widest = _max_precision_float_dtype(xp, device)
    return (widest,) if widest == xp.float32 else (widest, xp.float32)


def _check_activations_xp(H, xp, device, *, input_name="H", ensure_2d=True):
    """:func:`_check_activations` for an array API array: it stays in ``xp``.

    Finite, non-empty, float32 or float64 (integers become the widest float
    of the device), on ``device``; never copied unless converted.
    """
    H = check_array(
        H,
        dtype=_float_dtypes(xp, device),
        ensure_2d=ensure_2d,
        input_name=input_name,
    )
    if math.prod(H.shape) == 0:
        raise ValueError(f"{input_name} is empty (shape {tuple(H.shape)}).")
    return H


def _host_labels(y):
    """Class labels on the host: an array API ``y`` as numpy, and its namespace.

    Returns ``(y, xp, device)``; ``xp`` is None when ``y`` was not an array
    API array (numpy, a list, or dispatch off).
    """
    from .._array_api import namespace_of, to_numpy

    xp, device = namespace_of(y)
    return (y if xp is None else to_numpy(y)), xp, device
