"""The paper's rule for the activation threshold tau (eq. 8 of Li et al., 2013).

Pure numpy, no estimator glue: :func:`_select_threshold` works on a layer's
activations and weights; :func:`~sklearn_sparsity.metrics.select_activation_threshold`
in ``_report.py`` finds those for a fitted model.

The rule: among candidate values, take the largest ``tau`` whose thresholded
code ``s`` (``s_i = h_i`` where ``|h_i| >= tau``, else 0) does not change the
reconstruction, ``||f(s W^T + c) - f(h W^T + c)||^2 < tol`` after a reduction
over samples (mean or max), with ``f`` the logistic sigmoid.
"""

import numpy as np
from scipy.special import expit

# Rows per block: about this many entries in the block's reconstruction.
_BLOCK_ELEMENTS = 2**18
# Candidate quantiles are taken from at most this many entries of |H|.
_QUANTILE_SAMPLE = 2**18
# Reconstructions of the untouched codes are kept between candidates when
# they fit in this many bytes, else recomputed per candidate.
_CACHE_BYTES = 2**28


def _threshold_candidates(H, candidates):
    """Candidate thresholds, sorted in decreasing order, 0 included.

    An int ``candidates`` asks for that many quantiles of ``|H|`` at levels
    evenly spaced in [0, 1], with ``method="lower"`` so that each is the
    magnitude of an actual entry; for a large ``H`` they are taken from an
    evenly strided subset of at most ``_QUANTILE_SAMPLE`` entries. An array
    is used as given (negative values are rejected by the caller).
    """
    if np.ndim(candidates) == 0:
        magnitudes = np.abs(H).ravel()
        stride = max(1, magnitudes.size // _QUANTILE_SAMPLE)
        levels = np.linspace(0.0, 1.0, int(candidates))
        values = np.quantile(magnitudes[::stride], levels, method="lower")
    else:
        values = np.asarray(candidates, dtype=np.float64)
    return np.union1d(values.astype(np.float64), [0.0])[::-1]


def _reconstruct(S, W, c, out=None):
    """``f(S W^T + c)``: sigmoid through ``W``; identity when ``W`` is None."""
    if W is None:
        return S
    R = np.matmul(S, W.T, out=out)
    if c is not None:
        R += c
    return expit(R, out=R)


def _select_threshold(H, W, c=None, tol=0.05, reduction="mean", candidates=50):
    """Largest candidate ``tau`` whose thresholded code keeps the reconstruction.

    The per-sample error of a threshold ``tau`` is
    ``e(x) = ||f(s W^T + c) - f(h W^T + c)||^2`` with ``s = h * (|h| >= tau)``
    and ``f`` the logistic sigmoid; the error of ``tau`` is the mean (or max)
    of ``e`` over the rows of ``H``. The error need not be monotone in
    ``tau``, so the result is defined as the **largest candidate whose error
    is below** ``tol``, whatever the errors of smaller candidates.

    Candidates are scanned from the largest down; each is evaluated in blocks
    of rows and abandoned as soon as the errors summed so far prove it fails
    (the mean is at least the partial sum over ``n_samples``; the max at
    least any single row's error), so candidates far above the answer cost
    little. ``tau = 0`` keeps every entry (``s = h``), has error 0 and ends
    the scan, so a threshold is always found.

    Parameters
    ----------
    H : ndarray of shape (n_samples, n_hidden)
        Finite activations of the layer.
    W : ndarray of shape (n_visible, n_hidden) or None
        The layer's weights (``coefs_[l]`` of the package's estimators; the
        reconstruction is ``s @ W.T``). ``None`` means the identity
        reconstruction without sigmoid, ``e(x) = ||s - h||^2``, used for the
        input data itself, which has no model.
    c : ndarray of shape (n_visible,) or None, default=None
        Visible bias; ``None`` means 0 (layers without a visible bias, such as
        those of a network trained without pretraining).
    tol : float > 0, default=0.05
        The reconstruction may change by less than this.
    reduction : {"mean", "max"}, default="mean"
        How per-sample errors are combined.
    candidates : int >= 2 or array-like of float >= 0, default=50
        The thresholds tried, always with 0 added: an int asks for that many
        quantiles of ``|H|`` at levels evenly spaced in [0, 1] (each the
        magnitude of an entry of ``H``), an array gives them explicitly.

    Returns
    -------
    tau : float
        The selected threshold, one of the candidates (possibly 0).
    error : float
        Its reconstruction error, below ``tol``.
    """
    n_samples = H.shape[0]
    dtype = H.dtype
    if W is not None:
        W = np.asarray(W, dtype=dtype)
        if c is not None:
            c = np.asarray(c, dtype=dtype)
    n_out = H.shape[1] if W is None else W.shape[0]
    step = max(1, _BLOCK_ELEMENTS // max(n_out, H.shape[1], 1))
    blocks = [slice(start, start + step) for start in range(0, n_samples, step)]
    cache_ok = (
        W is not None and H.size and (n_samples * n_out * H.itemsize <= _CACHE_BYTES)
    )
    cache = {}
    buf = np.empty((min(step, n_samples), n_out), dtype=dtype)
    # Sums over rows of e(x) at or above this fail the mean criterion.
    budget = tol * n_samples if reduction == "mean" else tol

    for tau in _threshold_candidates(H, candidates):
        if tau == 0.0:
            return 0.0, 0.0
        total = 0.0
        for b, rows in enumerate(blocks):
            Hb = H[rows]
            kept = np.abs(Hb) >= tau
            if kept.all():
                continue  # s == h on these rows: error 0
            Sb = np.where(kept, Hb, 0).astype(dtype, copy=False)
            if b in cache:
                ref = cache[b]
            else:
                ref = _reconstruct(Hb, W, c)
                if cache_ok:
                    cache[b] = ref
            diff = _reconstruct(Sb, W, c, out=buf[: Hb.shape[0]])
            diff = np.subtract(diff, ref, out=diff if W is not None else None)
            errors = np.einsum("ij,ij->i", diff, diff, dtype=np.float64)
            if reduction == "mean":
                total += float(errors.sum())
            else:
                total = max(total, float(errors.max()))
            if total >= budget:
                break
        else:
            error = total / n_samples if reduction == "mean" else total
            if error < tol:
                return float(tau), error
    raise AssertionError("unreachable: tau = 0 is always a candidate")
