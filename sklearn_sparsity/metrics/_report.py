"""Per-layer activations of fitted models, the threshold rule on them, reports.

The public functions here know about models, through the layer adapter
(``_layers.py``); the numerical cores they call (``hoyer_along``,
``_overlap_curve``, ``_select_threshold``) do not. PyTorch modules are handed
to ``_torch.py`` (forward hooks, batch by batch) as soon as they are
recognised.
"""

from numbers import Integral, Real

import numpy as np
from joblib import Parallel, delayed
from sklearn.utils import Bunch
from sklearn.utils._param_validation import Interval, StrOptions, validate_params

from .._array_api import namespace_of
from .._backend import get_backend
from .._sparseness import hoyer_along
from ._array_api import (
    layer_score_xp,
    report_rows_xp,
    select_threshold_xp,
)
from ._layers import (
    _activations,
    _activations_xp,
    _class_summaries,
    _hidden_layers,
    _report_layers,
    _scorer_layers,
    _unwrap,
)
from ._overlap import AGGREGATES, _binarize, _overlap_curve
from ._threshold import _select_threshold
from ._torch import (
    NO_THRESHOLD_RULE,
    check_not_torch_options,
    is_torch_module,
    torch_activations,
    torch_layer_score,
    torch_report_rows,
)
from ._validation import (
    _check_activations,
    _check_candidates,
    _check_ks,
    _check_labels,
    _check_tau_list,
    _layer_index,
)


@validate_params(
    {
        "estimator": "no_validation",
        "X": ["array-like", "sparse matrix"],
        "layers": [list, tuple, str, None],
        "batch_size": [Interval(Integral, 1, None, closed="left"), None],
    },
    prefer_skip_nested_validation=True,
)
def layer_activations(estimator, X, *, layers=None, batch_size=None):
    """Activations of every hidden layer of a fitted model, bottom up.

    Parameters
    ----------
    estimator : estimator instance
        A fitted model: the package's
        :class:`~sklearn_sparsity.StackedRBMTransformer` or
        :class:`~sklearn_sparsity.PretrainedMLPClassifier` (any estimator
        with a ``transform_layers`` method), scikit-learn's
        :class:`~sklearn.neural_network.BernoulliRBM` (one layer, its
        ``transform``), :class:`~sklearn.neural_network.MLPClassifier` or
        :class:`~sklearn.neural_network.MLPRegressor` (every hidden layer,
        computed from ``coefs_`` and ``intercepts_`` with the model's
        ``activation``; the output layer is excluded), or a
        :class:`~sklearn.pipeline.Pipeline` whose last step is one of these
        (the earlier steps transform ``X`` first). Or a PyTorch module
        (``torch.nn.Module``): the outputs of its submodules named in
        ``layers`` (see :ref:`torch_models`).
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
        Input data. For a PyTorch module also a ``torch.Tensor``, of any
        shape ``(n_samples, ...)`` the module takes; it is passed in batches
        of ``batch_size`` rows, on the module's device and in its dtype. For
        the other models, an array API array (a PyTorch tensor, a CuPy
        array, ...) is computed on in its namespace and on its device under
        ``array_api_dispatch=True`` (see :ref:`metrics_array_api`).
    layers : str or list of str, default=None
        PyTorch modules only: names of the submodules to measure, as in
        ``module.named_modules()``, in the order to return them. ``None``
        means every activation module (``torch.nn`` ``Sigmoid``, ``Tanh``,
        ``ReLU``, ``LeakyReLU``, ``ELU``, ``GELU``, ``SiLU``, ``Softplus``,
        ``Hardtanh`` and the other element-wise activations, their
        subclasses too; not ``Softmax``) in the order of their first call in
        the forward pass. A submodule called several times per forward pass
        gives one layer per call, named ``"name"``, ``"name#2"``, ...
    batch_size : int, default=None
        PyTorch modules only: rows passed through the module at a time;
        ``None`` means 1024. It does not change the result.

    Returns
    -------
    layers : list of ndarray of shape (n_samples, n_units_l)
        One array per hidden layer. For a PyTorch module every output is
        flattened to ``n_units_l`` columns (a ``(C, H, W)`` feature map
        gives ``C * H * W`` units), kept in the module's dtype (float16 and
        bfloat16 as float32). For an array API ``X`` (dispatch on), arrays
        of its namespace on its device, in its dtype. The whole matrices are
        returned: for large data
        use :func:`sparsity_report` or the scorers, which keep only running
        statistics.

    Raises
    ------
    TypeError
        If the model is not supported.
    ValueError
        If ``layers`` names no submodule of a PyTorch module, or ``layers``
        or ``batch_size`` are given for a model that is not one.

    See Also
    --------
    sparsity_report : HSPM and AOD of every layer.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn.neural_network import MLPClassifier
    >>> from sklearn_sparsity.metrics import layer_activations
    >>> X, y = load_digits(return_X_y=True)
    >>> X, y = X[:300] / 16, y[:300]
    >>> mlp = MLPClassifier((20, 10), solver="lbfgs", random_state=0).fit(X, y)
    >>> [H.shape for H in layer_activations(mlp, X)]
    [(300, 20), (300, 10)]
    """
    if is_torch_module(estimator):
        return torch_activations(estimator, X, layers=layers, batch_size=batch_size)
    check_not_torch_options(estimator, layers, batch_size)
    estimator, X = _unwrap(estimator, X)
    if namespace_of(X)[0] is not None:
        return _activations_xp(estimator, X, get_backend(X))
    return _activations(estimator, X)


@validate_params(
    {
        "model": "no_validation",
        "X": ["array-like", "sparse matrix"],
        "layer": [Integral],
        "tol": [Interval(Real, 0, None, closed="neither")],
        "reduction": [StrOptions({"mean", "max"})],
        "candidates": [Interval(Integral, 2, None, closed="left"), "array-like"],
    },
    prefer_skip_nested_validation=True,
)
def select_activation_threshold(
    model, X, *, layer=0, tol=0.05, reduction="mean", candidates=50
):
    r"""The paper's activation threshold of one layer: largest harmless ``tau``.

    Thresholding a layer's code ``h`` at ``tau`` gives ``s`` with
    :math:`s_i = h_i` where :math:`|h_i| \geq \tau` and 0 elsewhere (eq. 8;
    the paper's activations are non-negative, where this is
    :math:`h_i \geq \tau`). ``tau`` is chosen as the largest value for which
    ``s`` "does not change the reconstruction":

    .. math::

        \operatorname{reduce}_{x \in X}
        \| f(s W^\top + c) - f(h W^\top + c) \|_2^2 < \mathrm{tol},

    with :math:`f` the logistic sigmoid, :math:`W` of shape
    ``(n_visible, n_hidden)`` the layer's weights, :math:`c` its visible bias
    and the reduction over samples the mean (default) or the max. Layers
    without a visible bias, those of a network trained without pretraining
    (Dsigm) or of scikit-learn's ``MLPClassifier``, use :math:`c = 0`. A
    ``PretrainedMLPClassifier`` uses its fine-tuned weights with the visible
    biases of its pretraining stack (``pretrainer_``).

    The code, hence the error, only changes at the distinct values of
    ``|h|``: the result is the largest of them that passes. The candidates
    are scanned downwards to the first that passes (each abandoned as soon
    as the rows seen prove it fails; ``tau = 0`` always passes), then, for
    an int ``candidates``, the distinct activation values between it and
    the failing candidate above it are bisected until the two are adjacent:
    the returned ``tau`` passes and the next larger activation value fails.
    This is exactly the largest passing value when the error grows with
    ``tau`` between the candidates (the error need not be monotone; see the
    user guide) and always when ``candidates`` is at least the number of
    activations. About 3.5 s for a 10,000 x 2,000 float32 layer on one core.

    Parameters
    ----------
    model : estimator instance
        A fitted model supported by :func:`layer_activations` that has layer
        weights: the package's estimators, ``BernoulliRBM``,
        ``MLPClassifier``, ``MLPRegressor``, or a ``Pipeline`` ending in one.
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
        Data whose activations are thresholded (e.g. the test set). An
        array API array is computed on in its namespace and on its device
        under ``array_api_dispatch=True``; the search's bookkeeping runs on
        the host (see :ref:`metrics_array_api`).
    layer : int, default=0
        Index of the hidden layer, 0 for the first; negative values count
        from the top.
    tol : float > 0, default=0.05
        Largest allowed change of the reconstruction (squared norm).
    reduction : {"mean", "max"}, default="mean"
        Combine the per-sample errors by their mean (the paper's "averaged
        over samples") or their max (every sample must stay below ``tol``).
    candidates : int >= 2 or array-like of float, default=50
        An int asks for that many quantiles of the layer's ``|h|`` (levels
        evenly spaced in [0, 1], each an actual activation value) as the
        coarse scan, refined over every distinct activation value; an array
        gives the only thresholds to try (no refinement). 0 is always added.

    Returns
    -------
    result : :class:`~sklearn.utils.Bunch`
        With ``tau`` (float), ``error`` (its reconstruction error, below
        ``tol``), ``layer`` (the non-negative layer index), ``tol`` and
        ``reduction``; Python numbers for array API inputs too.

    See Also
    --------
    activation_binary_vector : Which units are active at ``tau`` (eq. 7).
    sparsity_report : Uses this rule for every layer with ``tau="auto"``.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn.neural_network import BernoulliRBM
    >>> from sklearn_sparsity.metrics import select_activation_threshold
    >>> X = load_digits().data[:200] / 16
    >>> rbm = BernoulliRBM(n_components=16, n_iter=5, random_state=0).fit(X)
    >>> result = select_activation_threshold(rbm, X, tol=0.05)
    >>> bool(result.error < 0.05)
    True
    """
    if is_torch_module(model):
        raise TypeError(NO_THRESHOLD_RULE)
    estimator, X = _unwrap(model, X)
    if namespace_of(X)[0] is not None:
        tau, error, index = select_threshold_xp(
            estimator, X, layer, tol, reduction, _check_candidates(candidates),
            get_backend(X),
        )
        return Bunch(tau=tau, error=error, layer=index, tol=tol,
                     reduction=reduction)
    layers = _hidden_layers(estimator)
    index = _layer_index(layer, len(layers))
    H = _check_activations(_activations(estimator, X)[index], input_name="H")
    w = layers[index]
    tau, error = _select_threshold(
        H, w.coef, w.visible_intercept, tol, reduction,
        _check_candidates(candidates), units=w.units,
    )
    return Bunch(tau=tau, error=error, layer=index, tol=tol, reduction=reduction)


def _report_row(index, H, layer, summary, tau, ks, tol, reduction, candidates):
    """One row of :func:`sparsity_report` (layer 0 is the input data).

    ``summary`` holds the row's class summaries (``_class_summaries``), None
    without labels.
    """
    n_units = H.shape[1]
    if n_units >= 2:
        hspm = hoyer_along(H, axis=1)
        hspm_mean, hspm_std = float(hspm.mean()), float(hspm.std())
    else:  # HSPM needs at least 2 entries
        hspm_mean = hspm_std = np.nan
    W, c, units = ((None, None, None) if layer is None
                   else (layer.coef, layer.visible_intercept, layer.units))
    if tau == "auto":
        tau, tau_error = _select_threshold(H, W, c, tol, reduction, candidates,
                                           units=units)
    elif layer is None and index > 0:
        tau_error = np.nan  # a model without weights
    else:
        # The error at a given tau: the only candidate, with no tolerance.
        tau_error = _select_threshold(H, W, c, np.inf, reduction, [tau],
                                      units=units)[1]
    row = {
        "layer": index,
        "name": "input" if index == 0 else f"hidden_{index}",
        "n_units": n_units,
        "hspm_mean": hspm_mean,
        "hspm_std": hspm_std,
        "active_fraction": float(np.mean(np.abs(H) >= tau)),
        "tau": float(tau),
        "tau_error": float(tau_error),
        "aod_2": np.nan,
        "aod_all": np.nan,
        "aod_curve": np.nan,
    }
    if summary is not None:
        Z = _binarize(summary, tau)
        n_classes = Z.shape[0]
        ends = _overlap_curve(Z, np.array([2, n_classes]))
        row["aod_2"], row["aod_all"] = float(ends[0]), float(ends[1])
        row["aod_curve"] = _overlap_curve(Z, ks)
    return row


@validate_params(
    {
        "estimator": "no_validation",
        "X": ["array-like", "sparse matrix"],
        "y": ["array-like", None],
        "tau": [StrOptions({"auto"}), Interval(Real, 0, None, closed="left"), list],
        "k": [
            Interval(Integral, 1, None, closed="left"),
            "array-like",
            StrOptions({"all"}),
        ],
        "aggregate": [StrOptions(set(AGGREGATES))],
        "tol": [Interval(Real, 0, None, closed="neither")],
        "reduction": [StrOptions({"mean", "max"})],
        "candidates": [Interval(Integral, 2, None, closed="left"), "array-like"],
        "n_jobs": [Interval(Integral, 1, None, closed="left"),
                   Interval(Integral, None, -1, closed="right"), None],
        "layers": [list, tuple, str, None],
        "batch_size": [Interval(Integral, 1, None, closed="left"), None],
    },
    prefer_skip_nested_validation=True,
)
def sparsity_report(
    estimator,
    X,
    y=None,
    *,
    tau="auto",
    k="all",
    aggregate="mean_data",
    tol=0.05,
    reduction="mean",
    candidates=50,
    n_jobs=None,
    layers=None,
    batch_size=None,
):
    """HSPM and AOD of the input data and of every hidden layer of a model.

    One row for the data fed to the first hidden layer (``layer=0``, after
    any earlier ``Pipeline`` steps, as the paper's tables start with the data
    itself) and one per hidden layer (``layer=1, 2, ...``; row ``l`` is
    hidden layer ``l - 1`` in the 0-based ``layer`` argument of
    :func:`select_activation_threshold` and the scorers).

    Parameters
    ----------
    estimator : estimator instance
        A fitted model supported by :func:`layer_activations`, or a PyTorch
        module (needs a numeric ``tau``; see :ref:`torch_models`).
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
        Data, e.g. the test set (for a PyTorch module also a tensor, of any
        shape ``(n_samples, ...)``; the input row flattens each sample). For
        the other models, an array API array is computed on in its namespace
        and on its device under ``array_api_dispatch=True`` (see
        :ref:`metrics_array_api`).
    y : array-like of shape (n_samples,), default=None
        Class labels, needed for the AOD columns (NaN without them); with an
        array API ``X``, on the host or in ``X``'s namespace.
    tau : "auto", float >= 0 or list of float, default="auto"
        Activation threshold. ``"auto"`` applies the paper's rule
        (:func:`select_activation_threshold`) to every hidden layer; the
        input data has no model, so for its row the same rule is applied with
        the identity as the reconstruction: the largest ``tau`` such that
        zeroing the inputs below ``tau`` moves the samples by less than
        ``tol`` in squared norm (reduced as ``reduction`` says). A float is
        used for every row; a list gives one value per row (input first).
        A PyTorch module has no weights for the rule: ``"auto"`` raises a
        ``ValueError`` there, pass a float or a list.
    k : int, list of int or "all", default="all"
        Subset sizes of the AOD curve (``"all"``: ``k = 2, ..., m`` for ``m``
        classes, the curve of the paper's Figure 2).
    aggregate : {"mean_data", "mean_input", "mean_activation"}, \
            default="mean_data"
        How a class ``c`` is summarised before thresholding (eq. 9), for
        hidden layer ``l``:

        - ``"mean_data"``, the paper's eq. (9) as written: the activation
          binary vector of the class-mean *sample*, ``z(h_l(mean_c x))``,
          the mean of the class's rows of ``X`` (after any earlier
          ``Pipeline`` steps) propagated up through the network;
        - ``"mean_input"``: the layer applied to the class mean of its own
          input, ``z(h_l(mean_c h_{l-1}))``;
        - ``"mean_activation"``: the class mean of the layer's activations,
          ``z(mean_c h_l(x))``.

        The first two need the layers' weights. For the input row the three
        coincide, and for the first hidden layer ``"mean_data"`` and
        ``"mean_input"`` do. For a PyTorch module ``"mean_data"`` passes the
        class-mean samples through the module; ``"mean_input"`` raises a
        ``ValueError`` (a module is only run as a whole).
    tol : float > 0, default=0.05
        Tolerance of the threshold rule.
    reduction : {"mean", "max"}, default="mean"
        Reduction over samples of the threshold rule.
    candidates : int or array-like of float, default=50
        Candidate thresholds of the rule (see
        :func:`select_activation_threshold`).
    n_jobs : int, default=None
        Rows are independent once the activations are known and are computed
        in parallel with :class:`joblib.Parallel` (threads by default, since
        the work is in numpy; change it with :func:`joblib.parallel_config`).
        ``None`` means 1 unless in a joblib context. Not used for a PyTorch
        module, whose rows are accumulated while the batches pass.
    layers : str or list of str, default=None
        PyTorch modules only: the submodules to measure, as in
        :func:`layer_activations` (default: every activation module). The
        report's ``name`` column holds their names.
    batch_size : int, default=None
        PyTorch modules only: rows passed through the module at a time
        (``None``: 1024). Only running statistics are kept per layer (the
        per-sample HSPM, counts of active units, class sums), not the
        activations, and the result does not depend on it beyond rounding.

    Returns
    -------
    report : pandas.DataFrame or dict of ndarray
        A ``DataFrame`` when pandas is installed (with ``attrs["aod_k"]``,
        the ``k`` of the curve), else a dict mapping each column name to an
        array. Columns:

        - ``layer``: 0 for the input, ``l`` for the ``l``-th hidden layer;
        - ``name``: ``"input"``, ``"hidden_1"``, ... (for a PyTorch module
          the submodule names);
        - ``n_units``: width;
        - ``hspm_mean``, ``hspm_std``: mean and standard deviation over
          samples of the HSPM (NaN for a single unit);
        - ``active_fraction``: fraction of activations with ``|h| >= tau``;
        - ``tau`` and ``tau_error``: the threshold and its reconstruction
          error (NaN for a model without weights, a PyTorch module's layers
          among them, and a given ``tau``);
        - ``aod_2``, ``aod_all``: average AOD among 2 classes and AOD of all
          classes (``k = m``);
        - ``aod_curve``: ndarray of the average AOD for each ``k``.

        The numbers are on the host (Python floats, numpy ``aod_curve``)
        for array API inputs too.

    See Also
    --------
    layer_activations : The activations the report is computed from.
    average_activation_overlap : Average AOD of one activation matrix.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn.neural_network import BernoulliRBM
    >>> from sklearn_sparsity.metrics import sparsity_report
    >>> X, y = load_digits(return_X_y=True)
    >>> X, y = X[:300] / 16, y[:300]
    >>> rbm = BernoulliRBM(n_components=32, n_iter=5, random_state=0).fit(X)
    >>> report = sparsity_report(rbm, X, y)
    >>> report["name"].tolist(), report["n_units"].tolist()
    (['input', 'hidden_1'], [64, 32])
    >>> bool(report.loc[1, "tau_error"] < 0.05)
    True
    >>> len(report.loc[1, "aod_curve"])  # k = 2, ..., 10
    9
    """
    if is_torch_module(estimator):
        results, ks = torch_report_rows(
            estimator, X, y, tau=tau, k=k, aggregate=aggregate,
            reduction=reduction, layers=layers, batch_size=batch_size,
        )
        return _report_frame(results, ks)
    check_not_torch_options(estimator, layers, batch_size)
    estimator, X = _unwrap(estimator, X)
    if namespace_of(X)[0] is not None:
        results, ks = report_rows_xp(
            estimator, X, y, tau=tau, k=k, aggregate=aggregate, tol=tol,
            reduction=reduction, candidates=_check_candidates(candidates),
            backend=get_backend(X),
            parallel=Parallel(n_jobs=n_jobs, prefer="threads"),
        )
        return _report_frame(results, ks)
    activations = _activations(estimator, X)
    X = _check_activations(X, input_name="X")
    rows = [X] + [_check_activations(H, input_name="H") for H in activations]
    n_rows = len(rows)
    layers = _report_layers(estimator, n_rows, tau, aggregate)
    if isinstance(tau, list):
        taus = _check_tau_list(tau, n_rows)
    else:
        taus = [tau] * n_rows
    ks = None
    summaries = [None] * n_rows
    if y is not None:
        y = _check_labels(y, X.shape[0])
        if isinstance(k, bool):
            raise ValueError(f"k must be an int, a list of ints or 'all'; got {k!r}.")
        ks, _ = _check_ks(k, len(np.unique(y)))
        layer_list = [] if layers[1] is None else layers[1:]
        _, summaries = _class_summaries(X, rows[1:], layer_list, y, aggregate,
                                        model=estimator)
    candidates = _check_candidates(candidates)
    results = Parallel(n_jobs=n_jobs, prefer="threads")(
        delayed(_report_row)(
            index,
            rows[index],
            layers[index],
            summaries[index],
            taus[index],
            ks,
            tol,
            reduction,
            candidates,
        )
        for index in range(n_rows)
    )
    return _report_frame(results, ks)


def _report_frame(results, ks):
    """The report's rows as a DataFrame (a dict of arrays without pandas)."""
    report = {name: [row[name] for row in results] for name in results[0]}
    try:
        import pandas as pd
    except ImportError:  # pragma: no cover - pandas is a test dependency
        out = {name: np.asarray(values) for name, values in report.items()}
        out["aod_curve"] = np.empty(len(results), dtype=object)
        out["aod_curve"][:] = report["aod_curve"]
        return out
    frame = pd.DataFrame(report)
    frame.attrs["aod_k"] = None if ks is None else ks.tolist()
    return frame


def _layer_score(estimator, X, y, *, metric, layer, k, tau, aggregate, tol):
    """Mean HSPM or average AOD among ``k`` classes of one hidden layer."""
    if is_torch_module(estimator):
        return torch_layer_score(estimator, X, y, metric=metric, layer=layer,
                                 k=k, tau=tau, aggregate=aggregate)
    estimator, X = _unwrap(estimator, X)
    if namespace_of(X)[0] is not None:
        return layer_score_xp(estimator, X, y, metric=metric, layer=layer, k=k,
                              tau=tau, aggregate=aggregate, tol=tol,
                              backend=get_backend(X))
    activations = _activations(estimator, X)
    index = _layer_index(layer, len(activations))
    H = _check_activations(activations[index], input_name="H")
    if metric == "hspm":
        if H.shape[1] < 2:
            raise ValueError(
                f"HSPM needs at least 2 units; hidden layer {index} has {H.shape[1]}."
            )
        return float(hoyer_along(H, axis=1).mean())
    if y is None:
        raise ValueError("The AOD scorer needs class labels y; got y=None.")
    y = _check_labels(y, H.shape[0])
    layers = _scorer_layers(estimator, index, tau, aggregate)
    if tau == "auto":
        weights = layers[index]
        tau, _ = _select_threshold(
            H, weights.coef, weights.visible_intercept, tol, "mean", 50,
            units=weights.units,
        )
    X = _check_activations(X, input_name="X")
    _, summaries = _class_summaries(
        X, activations[: index + 1], layers, y, aggregate, model=estimator
    )
    Z = _binarize(summaries[index + 1], tau)
    ks, _ = _check_ks(k, Z.shape[0])
    return float(_overlap_curve(Z, ks)[0])
