"""Scorers ``scorer(estimator, X, y)`` of a layer's HSPM or AOD for model selection."""

from numbers import Integral, Real

from sklearn.utils._param_validation import Interval, StrOptions, validate_params

from ._overlap import AGGREGATES
from ._report import _layer_score


class _SparsityScorer:
    """Picklable ``scorer(estimator, X, y)`` built by :func:`make_sparsity_scorer`."""

    def __init__(self, metric, layer, k, tau, aggregate, tol, greater_is_better):
        self.metric = metric
        self.layer = layer
        self.k = k
        self.tau = tau
        self.aggregate = aggregate
        self.tol = tol
        self.greater_is_better = greater_is_better

    def __call__(self, estimator, X, y=None):
        """Score of ``estimator`` on ``X`` (and ``y`` for the AOD).

        Parameters
        ----------
        estimator : estimator instance
            A fitted model supported by
            :func:`~sklearn_sparsity.metrics.layer_activations`.
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Data; an array API array is computed on in its namespace and on
            its device under ``array_api_dispatch=True``.
        y : array-like of shape (n_samples,), default=None
            Class labels; required for ``metric="aod"``.

        Returns
        -------
        score : float
            The metric, negated when ``greater_is_better`` is False (a
            Python float for array API inputs too).
        """
        value = _layer_score(
            estimator,
            X,
            y,
            metric=self.metric,
            layer=self.layer,
            k=self.k,
            tau=self.tau,
            aggregate=self.aggregate,
            tol=self.tol,
        )
        return value if self.greater_is_better else -value

    def _accept_sample_weight(self):
        # Asked by scikit-learn's multi-metric scoring when fit is given
        # sample_weight; these metrics take none.
        return False

    def __repr__(self):
        params = {
            "metric": self.metric,
            "layer": self.layer,
            "k": self.k,
            "tau": self.tau,
            "aggregate": self.aggregate,
            "tol": self.tol,
            "greater_is_better": self.greater_is_better,
        }
        args = ", ".join(f"{name}={value!r}" for name, value in params.items())
        return f"make_sparsity_scorer({args})"


@validate_params(
    {
        "metric": [StrOptions({"hspm", "aod"})],
        "layer": [Integral],
        "k": [Interval(Integral, 1, None, closed="left")],
        "tau": [StrOptions({"auto"}), Interval(Real, 0, None, closed="left")],
        "aggregate": [StrOptions(set(AGGREGATES))],
        "tol": [Interval(Real, 0, None, closed="neither")],
        "greater_is_better": ["boolean", None],
    },
    prefer_skip_nested_validation=True,
)
def make_sparsity_scorer(
    metric="hspm",
    *,
    layer=-1,
    k=2,
    tau="auto",
    aggregate="mean_data",
    tol=0.05,
    greater_is_better=None,
):
    """Make a scorer of a hidden layer's sparsity, for model selection.

    The scorer is called as ``scorer(estimator, X, y)``, so it can be used
    in :func:`~sklearn.model_selection.cross_validate` and as a value of a
    ``scoring`` dict of :class:`~sklearn.model_selection.GridSearchCV`
    (e.g. ``scoring={"accuracy": "accuracy", "hspm": hspm_scorer}``,
    ``refit="accuracy"``), as the paper suggests using HSPM to choose the
    number of layers and units. It is picklable, so ``n_jobs > 1`` works.

    Parameters
    ----------
    metric : {"hspm", "aod"}, default="hspm"
        ``"hspm"``: the mean Hoyer sparseness over samples of the layer's
        activations (:func:`mean_hoyer_sparseness`). ``"aod"``: the average
        activation overlap among ``k`` classes
        (:func:`average_activation_overlap`), needs ``y``.
    layer : int, default=-1
        Hidden layer, 0 for the first, -1 for the top one.
    k : int >= 1, default=2
        Subset size for ``metric="aod"``; at most the number of classes in
        each scored ``y``.
    tau : "auto" or float >= 0, default="auto"
        Activation threshold for ``metric="aod"``; ``"auto"`` applies the
        paper's rule (:func:`select_activation_threshold` with ``tol`` and the
        mean reduction) to the scored data.
    aggregate : {"mean_data", "mean_input", "mean_activation"}, \
            default="mean_data"
        Class summary of eq. (9) for ``metric="aod"``: ``"mean_data"`` (the
        paper's definition as written: the layer's activation at the class
        mean of the data), or the alternatives described in
        :func:`sparsity_report`.
    tol : float > 0, default=0.05
        Tolerance of the threshold rule when ``tau="auto"``.
    greater_is_better : bool, default=None
        Whether a larger metric is better. ``False`` negates the score, as
        scikit-learn's ``neg_*`` scorers do, so that larger is always better
        for model selection. ``None`` means True for ``"hspm"`` and False
        for ``"aod"`` (less overlap between classes is better).

    Returns
    -------
    scorer : callable
        ``scorer(estimator, X, y=None) -> float``. ``X`` may be an array
        API array (a PyTorch tensor, a CuPy array, ...) under
        ``array_api_dispatch=True``: the layer is computed on in its
        namespace and on its device (see :ref:`metrics_array_api`), and the
        score is a Python float.

    See Also
    --------
    sparsity_report : Every layer's HSPM and AOD at once.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn.model_selection import cross_validate
    >>> from sklearn.neural_network import BernoulliRBM
    >>> from sklearn_sparsity.metrics import make_sparsity_scorer
    >>> X, y = load_digits(return_X_y=True)
    >>> X, y = X[:300] / 16, y[:300]
    >>> scorer = make_sparsity_scorer("aod", k=2)
    >>> scorer
    make_sparsity_scorer(metric='aod', layer=-1, k=2, tau='auto', \
aggregate='mean_data', tol=0.05, greater_is_better=False)
    >>> rbm = BernoulliRBM(n_components=16, n_iter=5, random_state=0)
    >>> scores = cross_validate(rbm, X, y, cv=3, scoring={"neg_aod": scorer})
    >>> bool(all(-1 <= s <= 0 for s in scores["test_neg_aod"]))
    True
    """
    if greater_is_better is None:
        greater_is_better = metric == "hspm"
    return _SparsityScorer(metric, layer, k, tau, aggregate, tol, greater_is_better)


_SCORER_EXAMPLES = """

Parameters
----------
estimator : estimator instance
    A fitted model supported by
    :func:`~sklearn_sparsity.metrics.layer_activations`.
X : {array-like, sparse matrix} of shape (n_samples, n_features)
    Data; an array API array is computed on in its namespace and on its
    device under ``array_api_dispatch=True``.
y : array-like of shape (n_samples,), default=None
    Class labels (needed by the AOD scorer).

Returns
-------
score : float
    The metric (negated for the AOD: greater is better).

Examples
--------
>>> from sklearn.datasets import load_digits
>>> from sklearn.neural_network import BernoulliRBM
>>> from sklearn_sparsity.metrics import hspm_scorer, neg_aod_scorer
>>> X, y = load_digits(return_X_y=True)
>>> X, y = X[:300] / 16, y[:300]
>>> rbm = BernoulliRBM(n_components=16, n_iter=5, random_state=0).fit(X)
>>> bool(0.0 <= hspm_scorer(rbm, X) <= 1.0)
True
>>> bool(-1.0 <= neg_aod_scorer(rbm, X, y) <= 0.0)
True
"""

hspm_scorer = make_sparsity_scorer("hspm", layer=-1)
hspm_scorer.__doc__ = (
    """Mean HSPM of the top hidden layer (greater is sparser).

``scorer(estimator, X, y=None)``; the same as
``make_sparsity_scorer("hspm", layer=-1)``."""
    + _SCORER_EXAMPLES
)

neg_aod_scorer = make_sparsity_scorer("aod", layer=-1, k=2)
neg_aod_scorer.__doc__ = (
    """Negated average AOD among 2 classes of the top hidden layer.

Lower overlap is better, so the value is negated (greater is better), as
scikit-learn does with its ``neg_`` scorers. ``scorer(estimator, X, y)``; the
same as ``make_sparsity_scorer("aod", layer=-1, k=2)``."""
    + _SCORER_EXAMPLES
)

# Doctests of module-level instances are not collected automatically.
__test__ = {
    "hspm_scorer": hspm_scorer.__doc__,
    "neg_aod_scorer": neg_aod_scorer.__doc__,
}
