"""Tests of the sparsity scorers in cross-validation and grid search."""

import pickle
import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import load_digits
from sklearn.model_selection import GridSearchCV, cross_validate, train_test_split
from sklearn.neural_network import BernoulliRBM, MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler

from sklearn_sparsity import PretrainedMLPClassifier
from sklearn_sparsity.metrics import (
    average_activation_overlap,
    hspm_scorer,
    layer_activations,
    make_sparsity_scorer,
    mean_hoyer_sparseness,
    neg_aod_scorer,
    select_activation_threshold,
)


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return X[:400] / 16, y[:400]


@pytest.fixture(scope="module")
def mlp(digits):
    model = MLPClassifier((12, 6), activation="logistic", max_iter=30, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return model.fit(*digits)


def test_values(mlp, digits):
    X, y = digits
    H1, H2 = layer_activations(mlp, X)
    assert hspm_scorer(mlp, X, y) == pytest.approx(mean_hoyer_sparseness(H2))
    assert hspm_scorer(mlp, X) == hspm_scorer(mlp, X, y)  # y is not used
    first = make_sparsity_scorer("hspm", layer=0)
    assert first(mlp, X) == pytest.approx(mean_hoyer_sparseness(H1))
    tau = select_activation_threshold(mlp, X, layer=-1).tau
    expected = average_activation_overlap(H2, y, tau=tau, k=2)
    assert neg_aod_scorer(mlp, X, y) == pytest.approx(-expected)
    fixed = make_sparsity_scorer("aod", tau=0.5, k=3, greater_is_better=True)
    assert fixed(mlp, X, y) == pytest.approx(
        average_activation_overlap(H2, y, tau=0.5, k=3)
    )
    negated = make_sparsity_scorer("hspm", greater_is_better=False)
    assert negated(mlp, X) == -hspm_scorer(mlp, X)


def test_mean_input_aggregate(mlp, digits):
    X, y = digits
    scorer = make_sparsity_scorer("aod", layer=0, tau=0.5, aggregate="mean_input")
    means = np.array([X[y == c].mean(axis=0) for c in np.unique(y)])
    Z = 1 / (1 + np.exp(-(means @ mlp.coefs_[0] + mlp.intercepts_[0]))) >= 0.5
    pairs = [
        np.all(Z[[a, b]], axis=0).mean() for a in range(10) for b in range(a + 1, 10)
    ]
    assert scorer(mlp, X, y) == pytest.approx(-np.mean(pairs))


def test_repr_and_pickle(mlp, digits):
    X, y = digits
    assert repr(hspm_scorer) == (
        "make_sparsity_scorer(metric='hspm', layer=-1, k=2, tau='auto', "
        "aggregate='mean_data', tol=0.05, greater_is_better=True)"
    )
    assert "greater_is_better=False" in repr(neg_aod_scorer)
    for scorer in (hspm_scorer, neg_aod_scorer):
        restored = pickle.loads(pickle.dumps(scorer))
        assert restored(mlp, X, y) == scorer(mlp, X, y)


@pytest.mark.parametrize(
    "scorer, kwargs, match",
    [
        (neg_aod_scorer, {}, "needs class labels"),
        (make_sparsity_scorer("aod", k=11), {"y": True}, "number of classes"),
        (make_sparsity_scorer(layer=2), {}, "out of range"),
    ],
)
def test_errors(mlp, digits, scorer, kwargs, match):
    X, y = digits
    with pytest.raises(ValueError, match=match):
        scorer(mlp, X, y if kwargs.get("y") else None)


def test_invalid_parameters():
    with pytest.raises(ValueError, match="'metric' parameter"):
        make_sparsity_scorer("l1")
    with pytest.raises(ValueError, match="'k' parameter"):
        make_sparsity_scorer("aod", k=0)
    with pytest.raises(ValueError, match="'tau' parameter"):
        make_sparsity_scorer("aod", tau=-1.0)


def test_cross_validate_on_pipeline(digits):
    X, y = digits
    pipe = make_pipeline(
        MinMaxScaler(), BernoulliRBM(n_components=16, n_iter=3, random_state=0)
    )
    scores = cross_validate(
        pipe, X * 16, y, cv=3, scoring={"hspm": hspm_scorer, "neg_aod": neg_aod_scorer}
    )
    assert np.all((scores["test_hspm"] >= 0) & (scores["test_hspm"] <= 1))
    assert np.all((scores["test_neg_aod"] >= -1) & (scores["test_neg_aod"] <= 0))


def test_grid_search_sklearn_mlp(digits):
    X, y = digits
    search = GridSearchCV(
        MLPClassifier(max_iter=20, random_state=0),
        {"hidden_layer_sizes": [(8,), (16,)]},
        scoring={"accuracy": "accuracy", "hspm": hspm_scorer, "aod": neg_aod_scorer},
        refit="accuracy",
        cv=2,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        search.fit(X, y)
    for name in ("accuracy", "hspm", "aod"):
        assert np.all(np.isfinite(search.cv_results_[f"mean_test_{name}"]))


def test_grid_search_pretrained_mlp_accuracy_and_hspm():
    # The paper suggests choosing widths by HSPM: a GridSearchCV over
    # hidden_layer_sizes scored on accuracy and top-layer HSPM, end to end.
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X / 16, y, train_size=600, test_size=300, stratify=y, random_state=0
    )
    model = PretrainedMLPClassifier(
        pretrain_epochs=3, n_epochs=10, batch_size=20, tol=None, random_state=0
    )
    # n_jobs=2: the scorer is pickled to the workers.
    search = GridSearchCV(
        model,
        {"hidden_layer_sizes": [(16,), (32,)]},
        scoring={"accuracy": "accuracy", "hspm": hspm_scorer},
        refit="accuracy",
        cv=2,
        n_jobs=2,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        search.fit(X_train, y_train)
    results = search.cv_results_
    assert np.all((results["mean_test_hspm"] >= 0) & (results["mean_test_hspm"] <= 1))
    assert np.all(results["mean_test_accuracy"] > 0.5)  # chance is 0.1
    best = search.best_estimator_
    assert (
        search.best_params_
        == search.cv_results_["params"][np.argmax(results["mean_test_accuracy"])]
    )
    assert hspm_scorer(best, X_test, y_test) == pytest.approx(
        mean_hoyer_sparseness(best.transform(X_test))
    )
    # The scorer also works on an unfitted clone's fit in cross_validate.
    scores = cross_validate(
        clone(best), X_train, y_train, cv=2, scoring={"hspm": hspm_scorer}
    )
    assert scores["test_hspm"].shape == (2,)
