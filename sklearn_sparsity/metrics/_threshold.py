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
import scipy.sparse as sp

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


def _sigmoid_inplace(R):
    """Logistic sigmoid of ``R`` in place, as ``1 / (1 + exp(-R))``.

    About twice as fast as ``scipy.special.expit`` in float32; ``exp``
    overflows to inf for very negative inputs, giving the correct 0.
    """
    np.negative(R, out=R)
    with np.errstate(over="ignore"):
        np.exp(R, out=R)
    R += 1
    return np.reciprocal(R, out=R)


def _reconstruct(S, W, c, out=None):
    """``f(S W^T + c)``: sigmoid through ``W``; identity when ``W`` is None."""
    if W is None:
        return S
    R = np.matmul(S, W.T, out=out)
    if c is not None:
        R += c
    return _sigmoid_inplace(R)


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

    def __init__(self, H, W, Wt, c, keep):
        self.H = H
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
        """``s W^T`` for threshold ``tau``, from the last one when possible."""
        P = self.P
        band = self.magnitudes >= tau
        if P is not None:
            band &= self.magnitudes < self.tau
        n_band = np.count_nonzero(band)
        if n_band > _SPARSE_FRACTION * band.size:
            update = np.where(band, self.H, 0).astype(self.H.dtype, copy=False)
            update = update @ self.Wt
            if P is None:
                P = update
            else:
                P += update
        else:
            if P is None:
                P = np.zeros((self.H.shape[0], self.Wt.shape[1]), self.H.dtype)
            if n_band:
                rows, cols = np.nonzero(band)  # row-major: rows are sorted
                indptr = np.zeros(band.shape[0] + 1, dtype=np.intp)
                np.cumsum(np.bincount(rows, minlength=band.shape[0]), out=indptr[1:])
                values = self.H[rows, cols]
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
            reference = _reconstruct(H, self.W, self.c)
            if self.keep:
                self.reference = reference
        R = out[: H.shape[0]]
        P = self._pre_activation(tau)
        if self.c is None:
            R[...] = P
        else:
            np.add(P, self.c, out=R)
        _sigmoid_inplace(R)
        R -= reference
        return np.einsum("ij,ij->i", R, R, dtype=np.float64)


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
    little. Each block carries its pre-activations from one candidate to the
    next, adding only the entries that the smaller threshold keeps (a sparse
    product, see ``_Block``). ``tau = 0`` keeps every entry (``s = h``), has
    error 0 and ends the scan, so a threshold is always found.

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
    Wt = None if W is None else np.ascontiguousarray(W.T)
    # Blocks beyond the memory budget recompute their state every time.
    n_kept = _CACHE_BYTES // max(1, 3 * step * n_out * H.itemsize)
    blocks = [
        _Block(H[start : start + step], W, Wt, c, keep=b < n_kept)
        for b, start in enumerate(range(0, n_samples, step))
    ]
    out = np.empty((min(step, n_samples), n_out), dtype=dtype)
    # Sums over rows of e(x) at or above this fail the mean criterion.
    budget = tol * n_samples if reduction == "mean" else tol

    for tau in _threshold_candidates(H, candidates):
        if tau == 0.0:
            return 0.0, 0.0
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
                break
        else:
            error = total / n_samples if reduction == "mean" else total
            if error < tol:
                return float(tau), error
    raise AssertionError("unreachable: tau = 0 is always a candidate")
