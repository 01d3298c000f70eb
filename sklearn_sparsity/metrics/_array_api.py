"""The threshold rule, the report and the scorers on array API inputs.

Under ``sklearn.set_config(array_api_dispatch=True)`` an input that is an
array API array other than numpy (a PyTorch tensor on CPU or CUDA, a CuPy
array, an ``array_api_strict`` array) is computed on in its own namespace
and on its own device; ``_report.py`` hands such inputs here as soon as it
sees them, and the numpy code paths do not change.

Where the work happens:

- the activations, their HSPM, the class means of eq. (9), the binary
  class vectors and every reconstruction of the threshold rule are computed
  on the input's device, in its namespace (a model's numpy weights are
  copied there, in the input's dtype);
- the bookkeeping of the threshold search is done on the host: the
  candidate thresholds (a few quantiles of ``|h|``, sorted on the device,
  copied as a short vector), the scan and the bisections, with one scalar
  copied per block of rows and threshold tried (the block's summed or
  largest error) and one per bisection step over the distinct activation
  values (which stay on the device);
- the AOD's closed form (:func:`~._overlap._overlap_curve`) works on the
  small binary class matrix, copied to the host.

The search is the one of :func:`~._threshold._select_threshold` (same
candidates, same scan, same bisections, same early abandonment), but each
reconstruction is computed densely (``s W^T`` for every threshold tried: a
matrix product is what a GPU does best) instead of updated sparsely, and
the rows are taken in larger blocks; the errors agree with the numpy path's
to rounding, so the threshold is the same unless two errors tie with
``tol`` within rounding.
"""

import math

import numpy as np
from joblib import delayed

from .._array_api import to_numpy
from .._sparseness import hoyer_along
from .._units import BERNOULLI
from ._layers import (
    _activations_xp,
    _class_summaries_xp,
    _hidden_layers,
    _report_layers,
    _scorer_layers,
)
from ._overlap import _binarize_xp, _overlap_curve
from ._threshold import _QUANTILE_SAMPLE, _bisect, _scan_candidates
from ._validation import (
    _check_activations_xp,
    _check_ks,
    _check_labels,
    _check_tau_list,
    _float_dtypes,
    _host_labels,
    _layer_index,
)

# Rows per block of the threshold rule: about this many entries in the
# block's reconstruction (device memory is larger, and a few large products
# use it better than many small ones).
_BLOCK_ELEMENTS = 2**24
# The reconstructions of the untouched code are kept between thresholds up
# to this many bytes, else recomputed for each threshold.
_CACHE_BYTES = 2**30


def _threshold_candidates_xp(magnitudes, candidates, xp, device):
    """:func:`~._threshold._threshold_candidates` of device magnitudes.

    The strided sample of ``|H|`` is sorted on the device and only the
    ``candidates`` chosen entries are copied to the host: the same values
    as the numpy path's.
    """
    if np.ndim(candidates) == 0:
        flat = xp.reshape(magnitudes, (-1,))
        stride = max(1, flat.shape[0] // _QUANTILE_SAMPLE)
        sample = xp.sort(flat[::stride])
        size = sample.shape[0]
        n_levels = int(min(int(candidates), size))
        levels = np.linspace(0.0, 1.0, n_levels)
        index = np.floor(levels * (size - 1) + 1e-9).astype(np.int64)
        index = xp.asarray(np.minimum(index, size - 1), device=device)
        values = to_numpy(xp.take(sample, index))
    else:
        values = np.asarray(candidates, dtype=np.float64)
    return np.union1d(values.astype(np.float64), [0.0])[::-1]


def _select_threshold_xp(H, W, c=None, tol=0.05, reduction="mean",
                         candidates=50, refine=None, units=BERNOULLI,
                         backend=None):
    """:func:`~._threshold._select_threshold` of an array API ``H``.

    The errors are computed on ``H``'s device (dense reconstructions in
    ``H``'s dtype, squared norms summed in the widest float of the device),
    the search itself on the host: the candidate thresholds, the scan and
    the bisections, with a scalar copied per block of rows and threshold
    tried. The distinct activation values bisected over stay on the device
    and are read one at a time. See the module notes.

    Parameters
    ----------
    H : array of shape (n_samples, n_hidden)
        Finite activations, in an array API namespace.
    W, c, tol, reduction, candidates, refine, units
        As in :func:`~._threshold._select_threshold` (``W`` and ``c`` numpy
        or in ``H``'s namespace).
    backend : ArrayAPIBackend
        The backend of ``H``'s namespace and device.

    Returns
    -------
    tau : float
        The selected threshold.
    error : float
        Its reconstruction error.
    """
    xp, device = backend.xp, backend.device
    n_samples = H.shape[0]
    wide = _float_dtypes(xp, device)[0]
    if refine is None:
        refine = np.ndim(candidates) == 0
    if W is not None:
        W = backend.asarray(W, dtype=H.dtype)
        c = None if c is None else backend.asarray(c, dtype=H.dtype)
        units = units.on(backend)
    magnitudes = xp.abs(H)
    zero = xp.asarray(0, dtype=H.dtype, device=device)
    n_out = H.shape[1] if W is None else W.shape[0]
    step = max(1, _BLOCK_ELEMENTS // max(n_out, H.shape[1], 1))
    blocks = [slice(start, min(start + step, n_samples))
              for start in range(0, n_samples, step)]
    # A block with no magnitude below tau keeps its code: error 0.
    smallest = [float(xp.min(magnitudes[rows, :])) for rows in blocks]
    itemsize = 4 if H.dtype == xp.float32 else 8
    n_kept = _CACHE_BYTES // max(1, step * n_out * itemsize)
    references = {}

    def reference(b):
        R = references.get(b)
        if R is None:
            R = units.reconstruct(H[blocks[b], :], W, c)
            if b < n_kept:
                references[b] = R
        return R

    def block_errors(b, tau):
        rows = blocks[b]
        Hb, Mb = H[rows, :], magnitudes[rows, :]
        if W is None:  # identity: the squared norm of what is zeroed
            D = xp.astype(xp.where(Mb < tau, Hb, zero), wide)
        else:
            S = xp.where(Mb >= tau, Hb, zero)
            D = xp.astype(units.reconstruct(S, W, c) - reference(b), wide)
        return xp.sum(D * D, axis=1)

    budget = tol * n_samples if reduction == "mean" else tol

    def error_of(tau):
        """The error of ``tau``, or None once it is proven to fail."""
        if tau == 0.0:
            return 0.0
        total = 0.0
        for b in range(len(blocks)):
            if smallest[b] >= tau:
                continue
            errors = block_errors(b, tau)
            if reduction == "mean":
                total += float(xp.sum(errors))
            else:
                total = max(total, float(xp.max(errors)))
            if total >= budget:
                return None
        error = total / n_samples if reduction == "mean" else total
        return error if error < tol else None

    values = _threshold_candidates_xp(magnitudes, candidates, xp, device)
    index, error, failing = _scan_candidates(values, error_of)
    tau = float(values[index])
    if refine:
        inside = magnitudes > tau
        if failing is not None:
            inside = inside & (magnitudes < float(values[failing]))
        between = xp.sort(xp.unique_values(magnitudes[inside]))  # increasing
        n_between = between.shape[0]
        if n_between:
            found, error = _bisect(lambda i: float(between[i]), error_of, -1,
                                   n_between, error)
            if found >= 0:
                tau = float(between[found])
    return tau, float(error)


def select_threshold_xp(estimator, X, layer, tol, reduction, candidates,
                        backend):
    """``(tau, error, index)`` of ``select_activation_threshold`` on array API ``X``."""
    layers = _hidden_layers(estimator)
    index = _layer_index(layer, len(layers))
    H = _check_activations_xp(_activations_xp(estimator, X, backend)[index],
                              backend.xp, backend.device)
    w = layers[index]
    tau, error = _select_threshold_xp(
        H, w.coef, w.visible_intercept, tol, reduction, candidates,
        units=w.units, backend=backend,
    )
    return tau, error, index


def _report_row_xp(index, H, layer, summary, tau, ks, tol, reduction,
                   candidates, backend):
    """``_report_row`` of an array API row: the same columns, host numbers."""
    xp = backend.xp
    n_units = H.shape[1]
    if n_units >= 2:
        hspm = hoyer_along(H, axis=1, xp=xp)
        hspm_mean, hspm_std = float(xp.mean(hspm)), float(xp.std(hspm))
    else:
        hspm_mean = hspm_std = np.nan
    W, c, units = ((None, None, None) if layer is None
                   else (layer.coef, layer.visible_intercept, layer.units))
    if tau == "auto":
        tau, tau_error = _select_threshold_xp(
            H, W, c, tol, reduction, candidates, units=units, backend=backend)
    elif layer is None and index > 0:
        tau_error = np.nan
    else:
        tau_error = _select_threshold_xp(
            H, W, c, np.inf, reduction, [tau], units=units, backend=backend)[1]
    active = int(xp.sum(xp.astype(xp.abs(H) >= tau, xp.int64)))
    row = {
        "layer": index,
        "name": "input" if index == 0 else f"hidden_{index}",
        "n_units": n_units,
        "hspm_mean": hspm_mean,
        "hspm_std": hspm_std,
        "active_fraction": active / math.prod(H.shape),
        "tau": float(tau),
        "tau_error": float(tau_error),
        "aod_2": np.nan,
        "aod_all": np.nan,
        "aod_curve": np.nan,
    }
    if summary is not None:
        Z = to_numpy(_binarize_xp(summary, tau, xp))
        n_classes = Z.shape[0]
        ends = _overlap_curve(Z, np.array([2, n_classes]))
        row["aod_2"], row["aod_all"] = float(ends[0]), float(ends[1])
        row["aod_curve"] = _overlap_curve(Z, ks)
    return row


def report_rows_xp(estimator, X, y, *, tau, k, aggregate, tol, reduction,
                   candidates, backend, parallel):
    """The rows of ``sparsity_report`` for an array API ``X`` (and ``ks``).

    ``parallel`` is a ``joblib.Parallel`` that runs ``delayed`` calls (the
    rows are independent, as on the numpy path).
    """
    xp, device = backend.xp, backend.device
    activations = _activations_xp(estimator, X, backend)
    X = _check_activations_xp(X, xp, device, input_name="X")
    rows = [X] + [_check_activations_xp(H, xp, device) for H in activations]
    n_rows = len(rows)
    layers = _report_layers(estimator, n_rows, tau, aggregate)
    taus = _check_tau_list(tau, n_rows) if isinstance(tau, list) else [tau] * n_rows
    ks = None
    summaries = [None] * n_rows
    if y is not None:
        y = _check_labels(_host_labels(y)[0], X.shape[0])
        if isinstance(k, bool):
            raise ValueError(f"k must be an int, a list of ints or 'all'; got {k!r}.")
        ks, _ = _check_ks(k, len(np.unique(y)))
        layer_list = [] if layers[1] is None else layers[1:]
        _, summaries = _class_summaries_xp(X, rows[1:], layer_list, y,
                                           aggregate, backend, model=estimator)
    results = parallel(
        delayed(_report_row_xp)(index, rows[index], layers[index],
                                summaries[index], taus[index], ks, tol,
                                reduction, candidates, backend)
        for index in range(n_rows)
    )
    return results, ks


def layer_score_xp(estimator, X, y, *, metric, layer, k, tau, aggregate, tol,
                   backend):
    """``_layer_score`` of an array API ``X``: a Python float."""
    xp, device = backend.xp, backend.device
    activations = _activations_xp(estimator, X, backend)
    index = _layer_index(layer, len(activations))
    H = _check_activations_xp(activations[index], xp, device)
    if metric == "hspm":
        if H.shape[1] < 2:
            raise ValueError(
                f"HSPM needs at least 2 units; hidden layer {index} has {H.shape[1]}."
            )
        return float(xp.mean(hoyer_along(H, axis=1, xp=xp)))
    if y is None:
        raise ValueError("The AOD scorer needs class labels y; got y=None.")
    y = _check_labels(_host_labels(y)[0], H.shape[0])
    layers = _scorer_layers(estimator, index, tau, aggregate)
    if tau == "auto":
        weights = layers[index]
        tau, _ = _select_threshold_xp(
            H, weights.coef, weights.visible_intercept, tol, "mean", 50,
            units=weights.units, backend=backend,
        )
    X = _check_activations_xp(X, xp, device, input_name="X")
    _, summaries = _class_summaries_xp(
        X, activations[: index + 1], layers, y, aggregate, backend,
        model=estimator,
    )
    Z = to_numpy(_binarize_xp(summaries[index + 1], tau, xp))
    ks, _ = _check_ks(k, Z.shape[0])
    return float(_overlap_curve(Z, ks)[0])
