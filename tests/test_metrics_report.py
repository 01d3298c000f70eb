"""Tests of layer_activations and sparsity_report on supported models."""

import sys
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose, assert_array_equal
from scipy.special import expit
from sklearn.datasets import load_digits
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.neural_network import BernoulliRBM, MLPClassifier, MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, MinMaxScaler

from sklearn_sparsity import PretrainedMLPClassifier, StackedRBMTransformer
from sklearn_sparsity.metrics import (
    average_activation_overlap,
    layer_activations,
    make_sparsity_scorer,
    mean_hoyer_sparseness,
    select_activation_threshold,
    sparsity_report,
)
from sklearn_sparsity.metrics._layers import _class_summaries, _hidden_layers
from sklearn_sparsity.metrics._threshold import _select_threshold

COLUMNS = [
    "layer",
    "name",
    "n_units",
    "hspm_mean",
    "hspm_std",
    "active_fraction",
    "tau",
    "tau_error",
    "aod_2",
    "aod_all",
    "aod_curve",
]


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return X[:300] / 16, y[:300]


@pytest.fixture(scope="module")
def rbm(digits):
    return BernoulliRBM(n_components=24, n_iter=5, random_state=0).fit(digits[0])


def _fit_quietly(estimator, X, y=None):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ConvergenceWarning of short fits
        return estimator.fit(X, y)


@pytest.fixture(scope="module")
def stack(digits):
    return StackedRBMTransformer((16, 8), n_epochs=2, random_state=0).fit(digits[0])


@pytest.fixture(scope="module", params=[True, False], ids=["dbn", "dsigm"])
def dbn(request, digits):
    model = PretrainedMLPClassifier(
        (16, 8),
        pretrain=request.param,
        pretrain_epochs=2,
        n_epochs=3,
        random_state=0,
    )
    return _fit_quietly(model, *digits)


# ----------------------------------------------------------- layer_activations
def test_bernoulli_rbm_activations(rbm, digits):
    X, _ = digits
    (H,) = layer_activations(rbm, X)
    assert_allclose(H, expit(X @ rbm.components_.T + rbm.intercept_hidden_))
    assert_allclose(layer_activations(rbm, sp.csr_matrix(X))[0], H)


@pytest.mark.parametrize("activation", ["identity", "logistic", "tanh", "relu"])
@pytest.mark.parametrize("model_class", [MLPClassifier, MLPRegressor])
def test_mlp_activations(digits, activation, model_class):
    X, y = digits
    model = model_class(
        hidden_layer_sizes=(7, 5), activation=activation, max_iter=20, random_state=0
    )
    _fit_quietly(model, X, y)
    f = {
        "identity": lambda z: z,
        "logistic": expit,
        "tanh": np.tanh,
        "relu": lambda z: np.maximum(z, 0),
    }[activation]
    H1 = f(X @ model.coefs_[0] + model.intercepts_[0])
    H2 = f(H1 @ model.coefs_[1] + model.intercepts_[1])
    layers = layer_activations(model, X)
    assert len(layers) == 2  # the output layer is excluded
    assert_allclose(layers[0], H1, atol=1e-12)
    assert_allclose(layers[1], H2, atol=1e-12)
    assert_allclose(layer_activations(model, sp.csr_matrix(X))[1], H2, atol=1e-12)


def test_pipeline_and_nested_pipeline(digits):
    X, y = digits
    mlp = MLPClassifier((6,), max_iter=20, random_state=0)
    pipe = _fit_quietly(make_pipeline(MinMaxScaler(), mlp), X * 16, y)
    expected = layer_activations(mlp, pipe[0].transform(X * 16))
    assert_allclose(layer_activations(pipe, X * 16)[0], expected[0])
    nested = make_pipeline(FunctionTransformer(lambda Z: Z * 16), pipe)
    nested[0].fit(X)
    assert_allclose(layer_activations(nested, X)[0], expected[0])


def test_package_estimators(stack, dbn, digits):
    X, _ = digits
    for model in (stack, dbn):
        layers = layer_activations(model, X)
        for H, expected in zip(layers, model.transform_layers(X)):
            assert_array_equal(H, expected)
        # The weights found by _hidden_layers reproduce the activations
        # (logistic hidden units), as aggregate="mean_input" assumes.
        inputs = [X] + layers[:-1]
        for layer, V, H in zip(_hidden_layers(model), inputs, layers):
            assert_allclose(layer.forward(V), H, rtol=1e-6, atol=1e-7)
    # Visible biases: every layer of the stack; the pretrained classifier's
    # come from its pretraining stack; without pretraining there are none.
    for layer, c in zip(_hidden_layers(stack), stack.visible_intercepts_):
        assert layer.visible_intercept is c
    if dbn.pretrain:
        visible = dbn.pretrainer_.visible_intercepts_
        assert all(
            layer.visible_intercept is c
            for layer, c in zip(_hidden_layers(dbn), visible)
        )
    else:
        assert all(layer.visible_intercept is None for layer in _hidden_layers(dbn))
    assert len(_hidden_layers(dbn)) == len(dbn.coefs_) - 1


def test_threshold_rule_on_package_estimators(stack, dbn, digits):
    X, _ = digits
    for model in (stack, dbn):
        for layer in (0, 1):
            result = select_activation_threshold(model, X, layer=layer)
            assert result.error < 0.05
            H = model.transform_layers(X)[layer]
            W = model.coefs_[layer]
            c = getattr(model, "visible_intercepts_", None)
            if c is None and getattr(model, "pretrainer_", None) is not None:
                c = model.pretrainer_.visible_intercepts_
            c = None if c is None else c[layer]
            assert (result.tau, result.error) == _select_threshold(
                H, W, c, 0.05, "mean", 50
            )


def test_unsupported_models(digits):
    X, y = digits
    with pytest.raises(TypeError, match="Supported models"):
        layer_activations(_fit_quietly(LogisticRegression(max_iter=5), X, y), X)
    with pytest.raises(TypeError, match="Supported models"):
        layer_activations(make_pipeline(MinMaxScaler(), "passthrough").fit(X), X)
    with pytest.raises(NotFittedError):
        layer_activations(BernoulliRBM(), X)
    with pytest.raises(NotFittedError):
        layer_activations(MLPClassifier(), X)


def test_transform_layers_without_weights(digits):
    X, y = digits

    class OnlyLayers:
        def transform_layers(self, X):
            return [np.asarray(X)[:, :10]]

    # Activations and a report with a given tau work (eq. 9 as written: the
    # model maps the class-mean samples); the rule and mean_input cannot.
    assert layer_activations(OnlyLayers(), X)[0].shape == (300, 10)
    report = sparsity_report(OnlyLayers(), X, y, tau=0.5)
    assert np.isnan(report.loc[1, "tau_error"])
    class_means = np.vstack([X[y == c].mean(axis=0) for c in np.unique(y)])
    assert report.loc[1, "aod_2"] == pytest.approx(average_activation_overlap(
        class_means[:, :10], np.unique(y), tau=0.5))
    with pytest.raises(TypeError, match="no layer weights"):
        sparsity_report(OnlyLayers(), X, y)
    with pytest.raises(TypeError, match="no layer weights"):
        sparsity_report(OnlyLayers(), X, y, tau=0.5, aggregate="mean_input")


# -------------------------------------------------------------- sparsity_report
def test_report_on_bernoulli_rbm(rbm, digits):
    X, y = digits
    report = sparsity_report(rbm, X, y)
    assert list(report.columns) == COLUMNS
    assert report["layer"].tolist() == [0, 1]
    assert report["name"].tolist() == ["input", "hidden_1"]
    assert report["n_units"].tolist() == [64, 24]
    H = rbm.transform(X)
    assert report.loc[0, "hspm_mean"] == pytest.approx(mean_hoyer_sparseness(X))
    assert report.loc[1, "hspm_mean"] == pytest.approx(mean_hoyer_sparseness(H))
    rule = select_activation_threshold(rbm, X)
    assert report.loc[1, "tau"] == rule.tau
    assert report.loc[1, "tau_error"] == pytest.approx(rule.error)
    # The input row uses the identity reconstruction.
    assert (report.loc[0, "tau"], report.loc[0, "tau_error"]) == pytest.approx(
        _select_threshold(X, None, None, 0.05, "mean", 50)
    )
    for row, A in ((0, X), (1, H)):
        tau = report.loc[row, "tau"]
        assert report.loc[row, "active_fraction"] == pytest.approx(np.mean(A >= tau))
        curve = average_activation_overlap(A, y, tau=tau, k="all")
        assert_allclose(report.loc[row, "aod_curve"], curve)
        assert report.loc[row, "aod_2"] == pytest.approx(curve[0])
        assert report.loc[row, "aod_all"] == pytest.approx(curve[-1])
    assert report.attrs["aod_k"] == list(range(2, 11))


def test_report_mean_input(rbm, digits):
    X, y = digits
    report = sparsity_report(rbm, X, y, tau=0.3, aggregate="mean_input")
    # The paper's Z: the layer's activation at each class mean input.
    means = np.array([X[y == c].mean(axis=0) for c in np.unique(y)])
    Z = expit(means @ rbm.components_.T + rbm.intercept_hidden_) >= 0.3
    pairs = [
        np.all(Z[[a, b]], axis=0).mean() for a in range(10) for b in range(a + 1, 10)
    ]
    assert report.loc[1, "aod_2"] == pytest.approx(np.mean(pairs))
    # For the input itself both aggregations agree.
    plain = sparsity_report(rbm, X, y, tau=0.3)
    assert report.loc[0, "aod_2"] == plain.loc[0, "aod_2"]


def test_report_options(rbm, digits):
    X, y = digits
    no_labels = sparsity_report(rbm, X)
    assert no_labels[["aod_2", "aod_all", "aod_curve"]].isna().all().all()
    fixed = sparsity_report(rbm, X, y, tau=0.5, k=[2, 3])
    assert fixed["tau"].tolist() == [0.5, 0.5]
    assert fixed.loc[1, "aod_curve"].shape == (2,)
    assert fixed.attrs["aod_k"] == [2, 3]
    per_row = sparsity_report(rbm, X, y, tau=[0.2, 0.6])
    assert per_row["tau"].tolist() == [0.2, 0.6]
    # tau_error at a given tau is the rule's error of that single candidate.
    assert per_row.loc[1, "tau_error"] == pytest.approx(
        _select_threshold(
            rbm.transform(X),
            rbm.components_.T,
            rbm.intercept_visible_,
            np.inf,
            "mean",
            [0.6],
        )[1]
    )
    parallel = sparsity_report(rbm, X, y, n_jobs=2)
    serial = sparsity_report(rbm, X, y)
    assert_array_equal(
        parallel.drop(columns="aod_curve"), serial.drop(columns="aod_curve")
    )
    strict = sparsity_report(rbm, X, y, reduction="max", tol=0.01)
    assert np.all(strict["tau"] <= serial["tau"])


def test_report_on_pipeline_and_package_models(stack, dbn, digits):
    X, y = digits
    for model in (stack, dbn):
        report = sparsity_report(model, X, y, aggregate="mean_input")
        assert report["n_units"].tolist() == [64, 16, 8]
        assert np.all(report["tau_error"] < 0.05)
        assert np.all((report["aod_2"] >= 0) & (report["aod_2"] <= 1))
    mlp = MLPClassifier((10,), max_iter=20, random_state=0)
    pipe = _fit_quietly(make_pipeline(MinMaxScaler(), mlp), X * 16, y)
    report = sparsity_report(pipe, X * 16, y)
    assert report.loc[0, "hspm_mean"] == pytest.approx(
        mean_hoyer_sparseness(pipe[0].transform(X * 16))
    )


def test_report_without_pandas(rbm, digits, monkeypatch):
    X, y = digits
    monkeypatch.setitem(sys.modules, "pandas", None)  # import pandas fails
    report = sparsity_report(rbm, X, y)
    assert isinstance(report, dict)
    assert list(report) == COLUMNS
    assert report["n_units"].tolist() == [64, 24]
    assert report["aod_curve"].dtype == object and report["aod_curve"][1].shape == (9,)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"tau": -0.1}, "'tau' parameter"),
        ({"tau": [0.1]}, "one finite value >= 0 per row"),
        ({"tau": [0.1, -1.0]}, "one finite value >= 0 per row"),
        ({"k": 11}, "between 1 and the number of classes"),
        ({"k": True}, "list of ints"),
        ({"aggregate": "max"}, "'aggregate' parameter"),
        ({"tol": 0.0}, "'tol' parameter"),
        ({"candidates": [-1.0]}, "candidates must be"),
    ],
)
def test_report_errors(rbm, digits, kwargs, match):
    X, y = digits
    with pytest.raises(ValueError, match=match):
        sparsity_report(rbm, X, y, **kwargs)


def test_report_bad_data(rbm, digits):
    X, y = digits
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        sparsity_report(rbm, X, y[:-1])
    with pytest.raises(ValueError, match="at least 2 classes"):
        sparsity_report(rbm, X, np.zeros(len(X)))
    X_nan = X.copy()
    X_nan[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        sparsity_report(rbm, X_nan, y)


def test_pretraining_stack_must_match_the_network(dbn, digits):
    import copy

    X, _ = digits
    if not dbn.pretrain:
        pytest.skip("only a pretrained network has a pretraining stack")
    broken = copy.deepcopy(dbn)
    broken.pretrainer_ = StackedRBMTransformer((16,), n_epochs=1).fit(X)
    with pytest.raises(ValueError, match="1 layer"):
        select_activation_threshold(broken, X)


# ------------------------------------------------------ eq. 9 as written
def _mean_data_by_hand(weights, activation, X, y, tau, layer):
    """Class means of X propagated through (W, b) by hand; their AOD k=2."""
    V = np.array([X[y == c].mean(axis=0) for c in np.unique(y)])
    f = {"logistic": expit, "relu": lambda Z: np.maximum(Z, 0),
         "tanh": np.tanh, "identity": lambda Z: Z}[activation]
    for W, b in weights[: layer + 1]:
        V = f(V @ W + b)
    Z = np.abs(V) >= tau
    m = Z.shape[0]
    return np.mean([np.all(Z[[a, b]], axis=0).mean()
                    for a in range(m) for b in range(a + 1, m)])


@pytest.mark.parametrize("kind", ["stack", "dbn", "dsigm", "dprbm", "rbm", "mlp",
                                  "mlp_relu", "pipeline"])
def test_mean_data_is_the_class_mean_sample_through_the_network(kind, digits):
    X, y = digits
    X_model = X
    if kind == "stack":
        model = StackedRBMTransformer((16, 8), n_epochs=2, random_state=0).fit(X)
        weights = list(zip(model.coefs_, model.intercepts_))
        activation = "logistic"
    elif kind in ("dbn", "dsigm", "dprbm"):
        model = _fit_quietly(PretrainedMLPClassifier(
            (16, 8), pretrain=kind != "dsigm", finetune=kind != "dprbm",
            pretrain_epochs=2, n_epochs=3, random_state=0), X, y)
        weights = list(zip(model.coefs_[:-1], model.intercepts_[:-1]))
        activation = "logistic"
    elif kind == "rbm":
        model = BernoulliRBM(n_components=12, n_iter=3, random_state=0).fit(X)
        weights = [(model.components_.T, model.intercept_hidden_)]
        activation = "logistic"
    elif kind in ("mlp", "mlp_relu"):
        activation = "logistic" if kind == "mlp" else "relu"
        model = _fit_quietly(MLPClassifier((12, 6), activation=activation,
                                           max_iter=20, random_state=0), X, y)
        weights = list(zip(model.coefs_[:-1], model.intercepts_[:-1]))
    else:  # a Pipeline: the class means are taken after the earlier steps
        model = _fit_quietly(make_pipeline(
            MinMaxScaler(), PretrainedMLPClassifier(
                (16, 8), pretrain_epochs=2, n_epochs=3, random_state=0)),
            X * 16, y)
        weights = list(zip(model[-1].coefs_[:-1], model[-1].intercepts_[:-1]))
        activation = "logistic"
        X_model = model[0].transform(X * 16)
        X = X * 16
    report = sparsity_report(model, X, y, tau=0.3)  # default: mean_data
    for layer in range(len(weights)):
        expected = _mean_data_by_hand(weights, activation, X_model, y, 0.3, layer)
        assert report.loc[layer + 1, "aod_2"] == pytest.approx(expected)
        scorer = make_sparsity_scorer("aod", layer=layer, tau=0.3)
        assert -scorer(model, X, y) == pytest.approx(expected)
    # The first hidden layer: eq. 9 as written equals mean_input; above it
    # they differ in general (the network is non-linear).
    other = sparsity_report(model, X, y, tau=0.3, aggregate="mean_input")
    assert other.loc[1, "aod_2"] == report.loc[1, "aod_2"]
    by_activation = sparsity_report(model, X, y, tau=0.3,
                                    aggregate="mean_activation")
    assert by_activation.loc[0, "aod_2"] == report.loc[0, "aod_2"]


def test_mean_data_and_mean_input_differ_above_the_first_layer(digits):
    X, y = digits
    model = _fit_quietly(PretrainedMLPClassifier(
        (32, 16), pretrain_epochs=3, n_epochs=5, random_state=0), X, y)
    layers = _hidden_layers(model)
    H = model.transform_layers(X)
    _, data = _class_summaries(X, H, layers, y, "mean_data")
    _, layer_input = _class_summaries(X, H, layers, y, "mean_input")
    assert_allclose(data[1], layer_input[1])
    assert np.abs(data[2] - layer_input[2]).max() > 1e-5
