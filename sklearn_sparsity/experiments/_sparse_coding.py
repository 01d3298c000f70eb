"""Section 4 of the paper tested: does RBM pretraining behave like sparse coding?

The paper argues (its Section 4) that pretraining an RBM acts like an
adaptive sparse coder. This study puts the first layer of a pretrained stack
beside sparse codes of the same data with as many atoms as hidden units: a
dictionary learnt by scikit-learn's :class:`~sklearn.decomposition.
MiniBatchDictionaryLearning`, codes by :class:`~sklearn.decomposition.
SparseCoder` (lasso, coordinate descent), whose sparsity is set by bisection
on ``transform_alpha`` so that the codes' mean HSPM on the test set matches
the RBM layer's within ``tol``. Two coders: signed codes (classical sparse
coding) and non-negative codes (like the RBM's activations; an over-complete
non-negative lasso is very sparse even at a tiny alpha, so its HSPM may stay
above the RBM's: the record says whether it was ``matched``).
For every code it measures, on the test set:

- the mean HSPM (matched by the bisection where it can be);
- the class overlap: the paper's threshold rule for tau (the largest tau
  whose thresholded code changes the reconstruction by less than 0.05 in
  mean squared norm; the RBM's reconstruction ``sigmoid(h W^T + c)``, the
  dictionary's the linear ``s D``), then the average AOD among ``k = 2``
  classes and the mean over ``k = 2..10``, for eq. 9 as written (the code
  of the class mean of the data, ``mean_data``) and for the class mean of
  the codes (``mean_activation``);
- a linear probe: the test accuracy of a logistic regression fitted on the
  training codes;
- the reconstruction error: the mean squared error per input feature of the
  RBM's mean-field reconstruction ``sigmoid(h W^T + c)`` and of ``codes @
  atoms``.

The raw inputs are measured too (their HSPM, their AOD with the identity
rule, the probe on the pixels) as the reference.
"""

import math
import time

import numpy as np

from ..metrics import average_activation_overlap, mean_hoyer_sparseness
from ..metrics._threshold import _select_threshold
from ._data import load_experiment_data
from ._models import make_stack, pretrain_rate
from ._settings import get_settings

#: Subset sizes of the mean AOD over k.
KS = tuple(range(2, 11))


def _expit(x):
    from scipy.special import expit

    return expit(x)


def _overlaps(encode, H_test, y_test, X_test, tau):
    """AOD among 2 classes and mean over k, both readings of eq. 9."""
    classes = np.unique(y_test)
    ks = [k for k in KS if k <= len(classes)]
    out = {}
    means = np.stack([X_test[y_test == c].mean(axis=0) for c in classes])
    for aggregate, H, y in (("mean_data", encode(means), classes),
                            ("mean_activation", H_test, y_test)):
        curve = [average_activation_overlap(H, y, tau=tau, k=k,
                                            aggregate="mean_activation")
                 for k in ks]
        out[f"aod_k2_{aggregate}"] = float(curve[0])
        out[f"aod_mean_{aggregate}"] = float(np.mean(curve))
    return out


def _probe(H, y, H_test, y_test, seed):
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    scaler = StandardScaler().fit(H)
    clf = LogisticRegression(max_iter=2000, random_state=seed)
    clf.fit(scaler.transform(H), y)
    return float(np.mean(clf.predict(scaler.transform(H_test)) == y_test))


def match_alpha(coder_at, X, target, *, tol=0.01, low=1e-5, high=10.0,
                max_iter=40):
    """The coder's ``transform_alpha`` whose codes' mean HSPM is ``target``.

    Bisection in ``log(alpha)``: the codes of ``X`` grow sparser with
    alpha. Stops when the mean HSPM is within ``tol`` of ``target``.

    Parameters
    ----------
    coder_at : callable
        ``coder_at(alpha)`` returns a fitted coder (``transform(X)``).
    X : ndarray
        Data whose codes are measured.
    target : float
        Mean HSPM to match.
    tol : float, default=0.01
        Allowed difference.
    low, high : float, default=1e-5, 10.0
        Bracket of alpha.
    max_iter : int, default=40
        Most bisection steps.

    Returns
    -------
    alpha : float
    hspm : float
        The codes' mean HSPM at ``alpha``; ``abs(hspm - target) <= tol``
        unless the bracket or ``max_iter`` did not allow it.
    """
    alpha = math.sqrt(low * high)
    hspm = math.nan
    for _ in range(max_iter):
        alpha = math.sqrt(low * high)
        hspm = mean_hoyer_sparseness(coder_at(alpha).transform(X))
        if abs(hspm - target) <= tol:
            break
        if hspm < target:
            low = alpha
        else:
            high = alpha
    return alpha, hspm


def sparse_coding_comparison(dataset="digits", *, scale="quick", settings=None,
                             data_home=None, n_seeds=1, max_train=2000,
                             tol=0.01, dict_iter=10, verbose=0):
    """The RBM's first layer against a sparse coder of matched HSPM.

    Parameters
    ----------
    dataset : {"digits", "mnist", "birdsong"}, default="digits"
        Data set (loaded as for the tables).
    scale : {"quick", "paper"}, default="quick"
        Scale of the settings (pretraining epochs and rate, network).
    settings : dict or None, default=None
        Overrides of the settings; the first hidden layer's size is the
        number of atoms.
    data_home : str or None, default=None
        Data folder.
    n_seeds : int, default=1
        Seeds ``0 .. n_seeds - 1`` (of the stack and of the dictionary).
    max_train : int or None, default=2000
        Training rows kept (a stratified subsample; None: all).
    tol : float, default=0.01
        HSPM matching tolerance of the coder.
    dict_iter : int, default=10
        ``max_iter`` (epochs) of the dictionary learning.
    verbose : int, default=0
        Print one line per code.

    Returns
    -------
    records : list of dict
        One per seed and code (``"RBM layer 1"``, ``"sparse coder"``,
        ``"sparse coder, non-negative"``, ``"input"``) with ``hspm``,
        ``tau``, ``aod_k2_mean_data``, ``aod_mean_mean_data``,
        ``aod_k2_mean_activation``, ``aod_mean_mean_activation``,
        ``probe_accuracy``,
        ``reconstruction_mse`` (None for the input), ``alpha`` (the coder's),
        ``matched`` (whether the HSPM is within ``tol`` of the RBM's),
        ``n_units`` and ``seconds``.
    """
    from sklearn.decomposition import MiniBatchDictionaryLearning, SparseCoder

    from .._units import GAUSSIAN

    overrides = dict(settings or {})
    if max_train is not None:
        overrides.setdefault("max_train", max_train)
    settings = get_settings(dataset, scale, overrides)
    X, y, X_test, y_test, _ = load_experiment_data(dataset, settings, data_home)
    X, X_test = X.astype(np.float64), X_test.astype(np.float64)
    n_atoms = settings["hidden_layer_sizes"][0]
    records = []
    base = {"dataset": dataset, "n_train": int(X.shape[0]),
            "n_test": int(X_test.shape[0])}
    for seed in range(n_seeds):
        tic = time.perf_counter()
        stack = make_stack(settings, seed, learning_rate=pretrain_rate(settings),
                           sizes=(n_atoms,)).fit(X)
        W, b = stack.coefs_[0], stack.intercepts_[0]
        c = stack.visible_intercepts_[0]

        def encode_rbm(A, W=W, b=b):
            return _expit(A @ W + b)

        H, H_test = encode_rbm(X), encode_rbm(X_test)
        target = mean_hoyer_sparseness(H_test)
        tau = _select_threshold(H_test, W, c)[0]
        rbm = {**base, "seed": seed, "code": "RBM layer 1",
               "n_units": n_atoms, "hspm": target, "tau": float(tau),
               "alpha": None, "matched": True,
               **_overlaps(encode_rbm, H_test, y_test, X_test, tau),
               "probe_accuracy": _probe(H, y, H_test, y_test, seed),
               "reconstruction_mse": float(np.mean(
                   (_expit(H_test @ W.T + c) - X_test) ** 2)),
               "seconds": time.perf_counter() - tic}
        coders = []
        for positive in (False, True):
            tic = time.perf_counter()
            learner = MiniBatchDictionaryLearning(
                n_components=n_atoms, alpha=1.0 if positive else 0.1,
                batch_size=64, max_iter=dict_iter, fit_algorithm="cd",
                positive_code=positive, random_state=seed).fit(X)
            atoms = learner.components_

            def coder_at(alpha, atoms=atoms, positive=positive):
                return SparseCoder(dictionary=atoms,
                                   transform_algorithm="lasso_cd",
                                   transform_alpha=alpha,
                                   positive_code=positive,
                                   transform_max_iter=2000)

            alpha, hspm = match_alpha(coder_at, X_test, target, tol=tol)
            coder = coder_at(alpha)
            S, S_test = coder.transform(X), coder.transform(X_test)
            # The paper's rule with the dictionary's linear reconstruction.
            tau_s = _select_threshold(S_test, atoms.T, None, units=GAUSSIAN)[0]
            coders.append({
                **base, "seed": seed,
                "code": ("sparse coder, non-negative" if positive
                         else "sparse coder"),
                "n_units": n_atoms, "hspm": hspm, "tau": float(tau_s),
                "alpha": alpha, "matched": abs(hspm - target) <= tol,
                **_overlaps(coder.transform, S_test, y_test, X_test, tau_s),
                "probe_accuracy": _probe(S, y, S_test, y_test, seed),
                "reconstruction_mse": float(np.mean(
                    (S_test @ atoms - X_test) ** 2)),
                "seconds": time.perf_counter() - tic})
        tau_x = _select_threshold(X_test, None)[0]
        data = {**base, "seed": seed, "code": "input",
                "n_units": int(X.shape[1]),
                "hspm": mean_hoyer_sparseness(X_test), "tau": float(tau_x),
                "alpha": None, "matched": None,
                **_overlaps(lambda A: A, X_test, y_test, X_test, tau_x),
                "probe_accuracy": _probe(X, y, X_test, y_test, seed),
                "reconstruction_mse": None, "seconds": None}
        records += [rbm, *coders, data]
        if verbose:
            for rec in (rbm, *coders, data):
                print(f"seed {seed} {rec['code']}: HSPM {rec['hspm']:.3f}, "
                      f"AOD(k=2) {rec['aod_k2_mean_data']:.3f}, probe "
                      f"{rec['probe_accuracy']:.3f}", flush=True)
    return records


#: The columns of the comparison's table, in order, and their headers.
TABLE_COLUMNS = (
    ("hspm", "HSPM"), ("tau", "tau"),
    ("aod_k2_mean_data", "AOD k=2 (eq. 9)"),
    ("aod_mean_mean_data", "AOD mean k (eq. 9)"),
    ("aod_k2_mean_activation", "AOD k=2 (class-mean codes)"),
    ("probe_accuracy", "linear probe accuracy"),
    ("reconstruction_mse", "reconstruction MSE"),
    ("alpha", "coder alpha"),
)


def sparse_coding_rows(records):
    """Header and rows (mean ± std over seeds) of the comparison's table."""
    from ._records import fmt

    header = ["code", "units", *[h for _, h in TABLE_COLUMNS]]
    rows = []
    for code in ("RBM layer 1", "sparse coder", "sparse coder, non-negative",
                 "input"):
        recs = [r for r in records if r["code"] == code]
        if not recs:
            continue
        row = [code, str(recs[0]["n_units"])]
        for key, _ in TABLE_COLUMNS:
            values = np.array([r[key] for r in recs if r[key] is not None],
                              dtype=float)
            if values.size == 0:
                row.append("")
                continue
            std = values.std(ddof=1) if values.size > 1 else math.nan
            if key in ("alpha", "reconstruction_mse"):  # small numbers
                text = f"{values.mean():.3g}"
                if math.isfinite(std):
                    text += f" ± {std:.2g}"
                row.append(text)
            else:
                row.append(fmt(values.mean(), std, 3))
        rows.append(row)
    return header, rows
