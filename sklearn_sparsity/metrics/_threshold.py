"""The paper's rule for the activation threshold tau (eq. 8 of Li et al., 2013).

Pure numpy, no estimator glue: :func:`_select_threshold` works on a layer's
activations and weights; :func:`~sklearn_sparsity.metrics.select_activation_threshold`
in ``_report.py`` finds those for a fitted model.

The rule: the largest ``tau`` whose thresholded code ``s`` (``s_i = h_i``
where ``|h_i| >= tau``, else 0) does not change the reconstruction,
``||f(s W^T + c) - f(h W^T + c)||^2 < tol`` after a reduction over samples
(mean or max), with ``f(.)`` the mean of the layer's visible units (the
logistic sigmoid for Bernoulli units; the units object reconstructs).
"""

import math

import numpy as np
import scipy.sparse as sp

from .._units import BERNOULLI

# Rows per block: about this many entries in the block's reconstruction.
_BLOCK_ELEMENTS = 2**18
# Candidate quantiles are taken from at most this many entries of |H|.
_QUANTILE_SAMPLE = 2**18
# Per-block state (reconstruction of the untouched code and pre-activation of
# the last threshold) is kept between candidates up to this many bytes.
_CACHE_BYTES = 2**29
# Pre-activations are updated with a sparse product when at most this
# fraction of a block's entries changes, else recomputed densely.
_SPARSE_FRACTION = 0.2
# The downward scan visits at most this many candidates; a longer list is
# scanned at every m-th candidate, then bisected between the passing one and
# the failing one above it.
_MAX_SCAN = 1024


def _threshold_candidates(H, candidates):
    """Candidate thresholds, sorted in decreasing order, 0 included.

    An int ``candidates`` asks for that many quantiles of ``|H|`` at levels
    evenly spaced in [0, 1], with ``method="lower"`` so that each is the
    magnitude of an actual entry; for a large ``H`` they are taken from an
    evenly strided subset of at most ``_QUANTILE_SAMPLE`` entries, and there
    are never more of them than entries in that subset (memory stays bounded
    whatever the int). An array is used as given (negative values are
    rejected by the caller).
    """
    if np.ndim(candidates) == 0:
        magnitudes = np.abs(H).ravel()
        stride = max(1, magnitudes.size // _QUANTILE_SAMPLE)
        sample = np.sort(magnitudes[::stride])
        n_levels = int(min(int(candidates), sample.size))
        levels = np.linspace(0.0, 1.0, n_levels)
        # method="lower": the entry at floor(level * (n - 1)).
        index = np.floor(levels * (sample.size - 1) + 1e-9).astype(np.intp)
        values = sample[np.minimum(index, sample.size - 1)]
    else:
        values = np.asarray(candidates, dtype=np.float64)
    return np.union1d(values.astype(np.float64), [0.0])[::-1]


def _reconstruct(S, W, c=None, units=BERNOULLI, out=None):
    """The units' reconstruction ``f(S W^T + c)``; ``S`` itself when ``W`` is None."""
    if W is None:
        return S
    return units.reconstruct(S, W, c, out=out)


class _Block:
    """Rows of ``H`` and what the scan remembers about them between candidates.

    For the sigmoid reconstruction, the block keeps the reconstruction of the
    untouched code and the pre-activation ``P = s W^T`` (without ``c``) of the
    last threshold it was evaluated at. The candidates only decrease, so the
    code of a smaller threshold adds the entries of the band
    ``tau <= |h| < tau_last``: with the candidates a few quantiles apart the
    band is a few percent of the entries and ``P`` is updated with a sparse
    product, much cheaper than the dense ``s W^T``.
    """

    def __init__(self, H, W, Wt, c, keep, units=BERNOULLI):
        self.H = H
        self.units = units
        self.magnitudes = np.abs(H)
        self.smallest = self.magnitudes.min()
        self.W = W
        self.Wt = Wt
        self.c = c
        self.keep = keep
        self.reference = None
        self.tau = np.inf  # the threshold self.P belongs to
        self.P = None

    def _pre_activation(self, tau):
        """``s W^T`` for threshold ``tau``, from the last one when possible.

        Moving to a smaller threshold adds the entries of the band between
        the two, moving to a larger one subtracts them.
        """
        P = self.P
        magnitudes = self.magnitudes
        if P is None:
            band, sign = magnitudes >= tau, 1.0
        elif tau < self.tau:
            band, sign = (magnitudes >= tau) & (magnitudes < self.tau), 1.0
        elif tau > self.tau:
            band, sign = (magnitudes >= self.tau) & (magnitudes < tau), -1.0
        else:
            return P
        n_band = np.count_nonzero(band)
        if P is None and n_band > _SPARSE_FRACTION * band.size:
            P = np.where(band, self.H, 0).astype(self.H.dtype, copy=False) @ self.Wt
        elif n_band > _SPARSE_FRACTION * band.size:
            # Many entries change: recompute densely (no accumulated error).
            P = (np.where(magnitudes >= tau, self.H, 0).astype(self.H.dtype,
                                                               copy=False)
                 @ self.Wt)
        else:
            if P is None:
                P = np.zeros((self.H.shape[0], self.Wt.shape[1]), self.H.dtype)
            if n_band:
                rows, cols = np.nonzero(band)  # row-major: rows are sorted
                indptr = np.zeros(band.shape[0] + 1, dtype=np.intp)
                np.cumsum(np.bincount(rows, minlength=band.shape[0]), out=indptr[1:])
                values = self.H[rows, cols]
                if sign < 0:
                    values = -values
                P += sp.csr_matrix((values, cols, indptr), shape=band.shape) @ self.Wt
        if self.keep:
            self.P, self.tau = P, tau
        return P

    def errors(self, tau, out):
        """Per-row errors ``e(x)`` of threshold ``tau``; None if all are 0."""
        if self.smallest >= tau:
            return None
        H = self.H
        if self.W is None:  # identity: e(x) = squared norm of what is zeroed
            dropped = np.where(self.magnitudes < tau, H, 0)
            return np.einsum("ij,ij->i", dropped, dropped, dtype=np.float64)
        reference = self.reference
        if reference is None:
            reference = _reconstruct(H, self.W, self.c, self.units)
            if self.keep:
                self.reference = reference
        R = out[: H.shape[0]]
        R[...] = self._pre_activation(tau)
        self.units.mean_(R, self.c)
        R -= reference
        return np.einsum("ij,ij->i", R, R, dtype=np.float64)


def _distinct_between(blocks, low, high):
    """Sorted distinct magnitudes of the blocks' entries in ``(low, high)``."""
    parts = []
    for block in blocks:
        m = block.magnitudes
        inside = m > low
        if high is not None:
            inside &= m < high
        parts.append(m[inside])
    return np.unique(np.concatenate(parts)).astype(np.float64)


def _select_threshold(H, W, c=None, tol=0.05, reduction="mean", candidates=50,
                      refine=None, units=BERNOULLI):
    """Largest ``tau`` whose thresholded code keeps the reconstruction.

    The per-sample error of a threshold ``tau`` is
    ``e(x) = ||f(s W^T + c) - f(h W^T + c)||^2`` with ``s = h * (|h| >= tau)``
    and ``f`` the logistic sigmoid; the error of ``tau`` is the mean (or max)
    of ``e`` over the rows of ``H``. A threshold *passes* when its error is
    below ``tol``. The code, hence the error, only changes at the distinct
    values of ``|h|``, so the thresholds that matter are those values.

    The search:

    1. **Scan** the candidates from the largest down and stop at the first
       that passes (``tau = 0`` keeps every entry, has error 0 and always
       passes). Each candidate is evaluated in blocks of rows and abandoned
       as soon as the errors summed so far prove it fails (the mean is at
       least the partial sum over ``n_samples``; the max at least any single
       row's error), so candidates far above the answer cost little. A list
       of more than ``_MAX_SCAN`` candidates is scanned at every m-th one,
       then bisected between the passing one and the failing one above it.
    2. **Refine** (``refine=True``, the default for an int ``candidates``):
       bisect over the distinct values of ``|h|`` between the passing
       candidate and the failing one above it (above the largest, when the
       largest passes) until they are adjacent values.

    The result passes and the next larger value tried fails: with
    refinement, the next larger distinct activation value. When the error
    grows with ``tau`` (always for the identity reconstruction, and nearly
    always for a sigmoid layer) this is the largest ``tau`` that satisfies
    the rule. Since the error need not be monotone, passing values above a
    failing candidate are not searched; an explicit list of at most
    ``_MAX_SCAN`` candidates without refinement gives exactly the largest
    passing candidate.

    Each block carries its pre-activations from one threshold to the next,
    adding (or, while bisecting, removing) only the entries whose state
    changes (a sparse product, see ``_Block``).

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
        The thresholds scanned, always with 0 added: an int asks for that
        many quantiles of ``|H|`` at levels evenly spaced in [0, 1] (each the
        magnitude of an entry of ``H``), an array gives them explicitly.
    refine : bool or None, default=None
        Refine between the scanned candidates over every distinct activation
        value. ``None``: refine for an int ``candidates``, not for an array
        (whose values are then the only thresholds tried).
    units : unit object, default=BERNOULLI
        The layer's visible units, whose ``reconstruct`` and ``mean_`` give
        ``f`` (the logistic sigmoid for Bernoulli units).

    Returns
    -------
    tau : float
        The selected threshold: a value of ``|H|``, a candidate, or 0.
    error : float
        Its reconstruction error, below ``tol``.
    """
    n_samples = H.shape[0]
    dtype = H.dtype
    if refine is None:
        refine = np.ndim(candidates) == 0
    if W is not None:
        W = np.asarray(W, dtype=dtype)
        if c is not None:
            c = np.asarray(c, dtype=dtype)
    n_out = H.shape[1] if W is None else W.shape[0]
    step = max(1, _BLOCK_ELEMENTS // max(n_out, H.shape[1], 1))
    Wt = None if W is None else np.ascontiguousarray(W.T)
    # Blocks beyond the memory budget recompute their state every time.
    n_kept = _CACHE_BYTES // max(1, 3 * step * n_out * H.itemsize)
    blocks = [
        _Block(H[start : start + step], W, Wt, c, keep=b < n_kept, units=units)
        for b, start in enumerate(range(0, n_samples, step))
    ]
    out = np.empty((min(step, n_samples), n_out), dtype=dtype)
    # Sums over rows of e(x) at or above this fail the mean criterion.
    budget = tol * n_samples if reduction == "mean" else tol

    def error_of(tau):
        """The error of ``tau``, or None once it is proven to fail."""
        if tau == 0.0:
            return 0.0
        total = 0.0
        for block in blocks:
            errors = block.errors(tau, out)
            if errors is None:
                continue  # s == h on these rows: error 0
            if reduction == "mean":
                total += float(errors.sum())
            else:
                total = max(total, float(errors.max()))
            if total >= budget:
                return None
        error = total / n_samples if reduction == "mean" else total
        return error if error < tol else None

    values = _threshold_candidates(H, candidates)  # decreasing, 0 last
    index, error, failing = _scan_candidates(values, error_of)
    tau = float(values[index])
    if refine:
        upper = None if failing is None else float(values[failing])
        between = _distinct_between(blocks, tau, upper)  # increasing
        if between.size:
            # Above the largest distinct value nothing is left to try: the
            # virtual failing end len(between) stands for it when upper is
            # None (it is never evaluated).
            found, error = _bisect(lambda i: float(between[i]), error_of, -1,
                                   between.size, error)
            if found >= 0:
                tau = float(between[found])
    return tau, float(error)


def _bisect(value_at, error_of, low, high, low_error):
    """Passing ``value_at(low)`` (error ``low_error``), failing ``value_at(high)``.

    The values are sorted either way; returns the passing end and its error
    once the two are adjacent. ``low`` may be -1 or the number of values for
    a passing threshold outside them. ``error_of(tau)`` is None for a
    failing ``tau``. Shared by the numpy and the array API searches.
    """
    while abs(high - low) > 1:
        middle = (low + high) // 2
        error = error_of(value_at(middle))
        if error is None:
            high = middle
        else:
            low, low_error = middle, error
    return low, low_error


def _scan_candidates(values, error_of):
    """The coarse scan of the decreasing candidates ``values``, then bisection.

    At most ``_MAX_SCAN`` candidates are tried from the largest down (the
    last, 0, always passes); the first passing one and the failing one
    above it are narrowed to adjacent candidates. Returns ``(index, error,
    failing)``: the largest passing candidate's index and error, and the
    index of the failing candidate above it (None if none was tried).
    """
    n_values = len(values)
    stride = max(1, math.ceil(n_values / _MAX_SCAN))
    scan = list(range(0, n_values, stride))
    if scan[-1] != n_values - 1:
        scan.append(n_values - 1)
    failing = None  # index in values of the failing candidate above
    for index in scan:
        error = error_of(float(values[index]))
        if error is not None:
            break
        failing = index
    if failing is not None and index - failing > 1:
        index, error = _bisect(lambda i: float(values[i]), error_of, index,
                               failing, error)
        failing = index - 1
    return index, error, failing
