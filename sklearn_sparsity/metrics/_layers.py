"""The metrics' layer adapter: a fitted model's hidden layers, as data.

For every supported model this module finds the hidden layers (weights,
biases, the visible bias and units that reconstruct each layer's input for
the threshold rule), computes their activations, and propagates class-mean
samples up the network for eq. (9) as written. The package's estimators are
reached through one hook, ``_sparsity_layers()``; scikit-learn's
``BernoulliRBM``, ``MLPClassifier`` and ``MLPRegressor`` through their
fitted attributes; a ``Pipeline`` through its last step. Nothing here
imports the package's estimators.
"""

from typing import NamedTuple

import numpy as np
from sklearn.neural_network import BernoulliRBM, MLPClassifier, MLPRegressor
from sklearn.pipeline import Pipeline
from sklearn.utils.extmath import safe_sparse_dot
from sklearn.utils.validation import check_is_fitted, validate_data

from .._backend import NUMPY
from .._units import BERNOULLI, GAUSSIAN
from ._overlap import _class_means, _class_means_xp
from ._validation import _float_dtypes

_SUPPORTED = (
    "Supported models are sklearn_sparsity's StackedRBMTransformer and "
    "PretrainedMLPClassifier (or any fitted estimator with a transform_layers "
    "method), scikit-learn's BernoulliRBM, MLPClassifier and MLPRegressor, and "
    "a Pipeline whose last step is one of these."
)

_ACTIVATIONS = {
    "identity": lambda Z: Z,
    "logistic": NUMPY.sigmoid_affine_,
    "tanh": lambda Z: np.tanh(Z, out=Z),
    "relu": lambda Z: np.maximum(Z, 0, out=Z),
}


class _Layer(NamedTuple):
    """One hidden layer: ``h = activation(v @ coef + intercept)``.

    ``units`` are the layer's visible units: they reconstruct its input from
    its activations, ``units.reconstruct(s, coef, visible_intercept)`` (for
    Bernoulli units ``sigmoid(s @ coef.T + c)``), which the threshold rule
    compares. ``visible_intercept`` is ``None`` when the layer has none (a
    network trained without pretraining, scikit-learn's MLPs: ``c = 0``).
    """

    coef: np.ndarray
    intercept: np.ndarray
    visible_intercept: np.ndarray | None
    activation: str
    units: object = BERNOULLI

    def forward(self, V):
        """Activations of the layer for inputs ``V`` (dense or sparse)."""
        dtype = np.result_type(V.dtype, self.coef.dtype)
        Z = np.asarray(safe_sparse_dot(V, self.coef), dtype=dtype)
        Z += self.intercept
        return _ACTIVATIONS[self.activation](Z)

    def forward_xp(self, V, backend):
        """:meth:`forward` of an array API ``V`` with an array API ``backend``.

        The weights are put in ``V``'s namespace, on its device and in its
        dtype (a copy for weights fitted on numpy; weights already there
        are used as they are), so the activations keep ``V``'s dtype.
        """
        W = backend.asarray(self.coef, dtype=V.dtype)
        b = backend.asarray(self.intercept, dtype=V.dtype)
        Z = backend.matmul(V, W)
        if self.activation == "logistic":
            return backend.sigmoid_affine_(Z, b)
        if self.activation == "relu":
            return backend.relu_affine_(Z, b)
        Z = Z + b
        return backend.xp.tanh(Z) if self.activation == "tanh" else Z


def _unwrap(estimator, X):
    """The model at the end of a (nested) Pipeline and ``X`` transformed for it."""
    while isinstance(estimator, Pipeline):
        if len(estimator.steps) > 1:
            X = estimator[:-1].transform(X)
        estimator = estimator.steps[-1][1]
    if not (
        hasattr(estimator, "transform_layers")
        or isinstance(estimator, (BernoulliRBM, MLPClassifier, MLPRegressor))
    ):
        raise TypeError(
            f"Cannot compute layer activations of {estimator!r}. {_SUPPORTED}"
        )
    return estimator, X


def _hidden_layers(estimator):
    """The hidden layers of an unwrapped supported model, bottom up."""
    if hasattr(estimator, "fit"):
        check_is_fitted(estimator)
    if isinstance(estimator, BernoulliRBM):
        return [
            _Layer(
                estimator.components_.T,
                estimator.intercept_hidden_,
                estimator.intercept_visible_,
                "logistic",
            )
        ]
    if isinstance(estimator, (MLPClassifier, MLPRegressor)):
        # No visible layer: the threshold rule uses c = 0, and linear
        # reconstruction units for rectifier and identity layers.
        units = (GAUSSIAN if estimator.activation in ("relu", "identity")
                 else BERNOULLI)
        return [
            _Layer(W, b, None, estimator.activation, units)
            for W, b in zip(estimator.coefs_[:-1], estimator.intercepts_[:-1])
        ]
    hook = getattr(estimator, "_sparsity_layers", None)
    if hook is None:
        raise TypeError(
            f"{type(estimator).__name__} has transform_layers but no layer "
            "weights (no _sparsity_layers method): the threshold rule "
            "(tau='auto') and aggregate='mean_input' need them. Pass a numeric "
            "tau and aggregate='mean_data' or 'mean_activation'."
        )
    return [_Layer(d["coef"], d["intercept"], d["visible_intercept"],
                   d["activation"], d.get("units", BERNOULLI)) for d in hook()]


def _activations(estimator, X):
    """Hidden activations of an unwrapped supported model."""
    if hasattr(estimator, "transform_layers"):
        return [np.asarray(H) for H in estimator.transform_layers(X)]
    if isinstance(estimator, BernoulliRBM):
        return [estimator.transform(X)]
    check_is_fitted(estimator)
    X = validate_data(
        estimator,
        X,
        accept_sparse=["csr", "csc"],
        dtype=(np.float64, np.float32),
        reset=False,
    )
    layers = []
    for layer in _hidden_layers(estimator):
        X = layer.forward(X)
        layers.append(X)
    return layers


def _activations_xp(estimator, X, backend):
    """:func:`_activations` of an array API ``X``, in its namespace and device.

    Every supported model with layer weights (the package's estimators
    through ``_sparsity_layers``, ``BernoulliRBM``, the MLPs) is evaluated
    layer by layer with :meth:`_Layer.forward_xp`, the same arithmetic as its
    own ``transform_layers`` (``X`` is validated against the model first).
    A model with ``transform_layers`` but no weights is asked for its
    activations, which are put in ``X``'s namespace.
    """
    xp = backend.xp
    if hasattr(estimator, "transform_layers") and not hasattr(
            estimator, "_sparsity_layers"):
        return [backend.asarray(H) for H in estimator.transform_layers(X)]
    layers = _hidden_layers(estimator)
    X = validate_data(estimator, X, dtype=_float_dtypes(xp, backend.device),
                      reset=False)
    activations = []
    for layer in layers:
        X = layer.forward_xp(X, backend)
        activations.append(X)
    return activations


def _class_summaries(X, activations, layers, y, aggregate, model=None):
    """Per row (the data, then every hidden layer): what eq. (9) thresholds.

    Returns the classes and one ``(n_classes, n_units)`` float64 array per
    row. For the data row every reading is its class means. For hidden
    layer ``l``:

    - ``"mean_data"`` (eq. 9 as written): ``h_l(mean_c x)``, the class mean
      of the data propagated up through layers ``1 .. l``;
    - ``"mean_input"``: ``h_l(mean_c h_{l-1})``, the layer applied to the
      class mean of its own input;
    - ``"mean_activation"``: ``mean_c h_l``, the class mean of the layer's
      activations.

    ``layers`` are the model's hidden layers (``_Layer``); ``"mean_input"``
    needs them, ``"mean_data"`` passes the class means through the
    (unwrapped) ``model`` itself when there are none.
    """
    classes, means = _class_means(X, y)
    out = [means]
    if not activations:
        pass
    elif aggregate == "mean_data" and not layers:
        n_rows = len(activations) + 1
        out += [np.asarray(H, dtype=np.float64)
                for H in _activations(model, means)][: n_rows - 1]
    elif aggregate == "mean_data":
        V = means
        for layer in layers:
            V = layer.forward(V)
            out.append(V)
    elif aggregate == "mean_input":
        inputs = [X, *activations[:-1]]
        for layer, V in zip(layers, inputs):
            out.append(layer.forward(_class_means(V, y)[1]))
    else:
        out += [_class_means(H, y)[1] for H in activations]
    return classes, out


def _class_summaries_xp(X, activations, layers, y, aggregate, backend,
                        model=None):
    """:func:`_class_summaries` of array API arrays, on their device.

    The same readings of eq. (9); ``y`` holds validated labels on the host.
    The summaries are arrays of ``X``'s namespace in the widest float dtype
    of the device; the classes are numpy labels.
    """
    xp, device = backend.xp, backend.device
    classes, means = _class_means_xp(X, y, xp, device)
    out = [means]
    if not activations:
        pass
    elif aggregate == "mean_data" and not layers:
        n_rows = len(activations) + 1
        wide = means.dtype
        out += [xp.astype(H, wide) for H in
                _activations_xp(model, means, backend)][: n_rows - 1]
    elif aggregate == "mean_data":
        V = means
        for layer in layers:
            V = layer.forward_xp(V, backend)
            out.append(V)
    elif aggregate == "mean_input":
        inputs = [X, *activations[:-1]]
        for layer, V in zip(layers, inputs):
            out.append(layer.forward_xp(_class_means_xp(V, y, xp, device)[1],
                                        backend))
    else:
        out += [_class_means_xp(H, y, xp, device)[1] for H in activations]
    return classes, out


def _report_layers(estimator, n_rows, tau, aggregate):
    """``[None]`` (the data row) and the hidden layers, for a report.

    ``tau="auto"`` and ``aggregate="mean_input"`` need the weights (a model
    without them raises); otherwise a model without weights gives Nones and
    only the threshold errors are lost.
    """
    if tau == "auto" or aggregate == "mean_input":
        return [None] + _hidden_layers(estimator)
    try:
        return [None] + _hidden_layers(estimator)
    except TypeError:  # no weights: only tau_error is lost
        return [None] * n_rows


def _scorer_layers(estimator, index, tau, aggregate):
    """The hidden layers up to ``index`` that an AOD scorer needs.

    As :func:`_report_layers`; for ``aggregate="mean_data"`` a model without
    weights maps the class means itself (no layers), and
    ``"mean_activation"`` needs none unless ``tau="auto"``.
    """
    if tau == "auto" or aggregate == "mean_input":
        return _hidden_layers(estimator)[: index + 1]
    if aggregate == "mean_data":
        try:
            return _hidden_layers(estimator)[: index + 1]
        except TypeError:  # no weights: the model maps the class means
            return []
    return []
