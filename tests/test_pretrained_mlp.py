"""Behaviour of PretrainedMLPClassifier (DBN, DpRBM, Dsigm) and the backprop core."""

import pickle
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import clone
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import MinMaxScaler
from sklearn.utils.validation import check_is_fitted

from sklearn_sparsity import PretrainedMLPClassifier
from sklearn_sparsity._backprop import data_loss


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return X / 16.0, y


@pytest.fixture(scope="module")
def small(digits):
    X, y = digits
    return X[:400], y[:400]


FAST = dict(pretrain_epochs=2, n_epochs=5, batch_size=20, tol=None, random_state=0)


def test_pipeline_on_digits_reaches_93_percent(digits):
    X, y = load_digits(return_X_y=True)  # raw 0..16 pixels: the scaler handles it
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, stratify=y, random_state=0)
    pipe = Pipeline([
        ("scale", MinMaxScaler()),
        ("dbn", PretrainedMLPClassifier(
            (128, 64), pretrain_epochs=5, n_epochs=15, batch_size=20, tol=None,
            random_state=0,
        )),
    ]).fit(X_tr, y_tr)
    assert pipe.score(X_te, y_te) >= 0.93


def test_dprbm_trains_only_the_output_layer(small):
    X, y = small
    clf = PretrainedMLPClassifier(
        (32, 16), finetune=False, **{**FAST, "pretrain_epochs": 5, "n_epochs": 10}
    ).fit(X, y)
    for W, b, W0, b0 in zip(clf.coefs_[:-1], clf.intercepts_[:-1],
                            clf.pretrainer_.coefs_, clf.pretrainer_.intercepts_):
        assert_array_equal(W, W0)
        assert_array_equal(b, b0)
    assert_array_equal(clf.transform(X), clf.pretrainer_.transform(X))
    assert clf.score(X, y) > 0.5


def test_dbn_starts_from_pretrainer_and_moves(small):
    X, y = small
    clf = PretrainedMLPClassifier((16,), **FAST).fit(X, y)
    assert clf.pretrainer_.coefs_[0].shape == clf.coefs_[0].shape
    assert not np.allclose(clf.coefs_[0], clf.pretrainer_.coefs_[0])
    # Same seed -> the DBN and DpRBM share their pretrained stack.
    dp = PretrainedMLPClassifier((16,), finetune=False, **FAST).fit(X, y)
    assert_array_equal(dp.pretrainer_.coefs_[0], clf.pretrainer_.coefs_[0])


def test_dsigm_has_no_pretrainer_and_accepts_any_real_input(small):
    X, y = small
    clf = PretrainedMLPClassifier((16,), pretrain=False, **FAST)
    clf.fit(X * 10 - 3, y)
    assert not hasattr(clf, "pretrainer_")
    assert clf.predict(X * 10 - 3).shape == y.shape


def test_pretraining_requires_unit_interval_at_fit_only(small):
    X, y = small
    with pytest.raises(ValueError, match="MinMaxScaler"):
        PretrainedMLPClassifier((4,), **FAST).fit(X * 16, y)
    clf = PretrainedMLPClassifier((4,), **FAST).fit(X, y)
    # Test data scaled with training statistics may stray a little outside
    # [0, 1]: the fitted network is defined for any finite input.
    assert clf.predict(X * 1.1 - 0.05).shape == y.shape


def test_dprbm_without_pretraining_is_an_error(small):
    X, y = small
    with pytest.raises(ValueError, match="requires pretrain=True"):
        PretrainedMLPClassifier((4,), pretrain=False, finetune=False).fit(X, y)


def test_clone_and_pickle_give_identical_predictions(small):
    X, y = small
    clf = PretrainedMLPClassifier((16,), **FAST).fit(X, y)
    restored = pickle.loads(pickle.dumps(clf))
    assert_array_equal(restored.predict_proba(X), clf.predict_proba(X))
    refit = clone(clf).fit(X, y)
    assert_array_equal(refit.predict_proba(X), clf.predict_proba(X))


@pytest.mark.parametrize("labels", [
    np.array(["zero", "one", "two"]), np.array([3, 10, 42]),
])
def test_any_label_type(small, labels):
    X, y = small
    mask = y < 3
    y_lab = labels[y[mask]]
    clf = PretrainedMLPClassifier((16,), **{**FAST, "n_epochs": 20}).fit(X[mask], y_lab)
    assert set(clf.classes_) == set(labels)
    pred = clf.predict(X[mask])
    assert pred.dtype == y_lab.dtype
    assert np.mean(pred == y_lab) > 0.9


def test_binary(small):
    X, y = small
    mask = y < 2
    clf = PretrainedMLPClassifier((8,), **{**FAST, "n_epochs": 20})
    clf.fit(X[mask], y[mask])
    proba = clf.predict_proba(X[mask])
    assert proba.shape == (mask.sum(), 2)
    assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-6)
    assert clf.score(X[mask], y[mask]) > 0.95


def test_squared_error_loss(small):
    X, y = small
    clf = PretrainedMLPClassifier((32,), loss="squared_error", learning_rate=0.5,
                                  **{**FAST, "n_epochs": 20}).fit(X, y)
    assert clf.out_activation_ == "logistic"
    proba = clf.predict_proba(X)
    assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-6)
    assert_allclose(np.exp(clf.predict_log_proba(X)), proba, rtol=1e-5)
    assert clf.score(X, y) > 0.8


def test_float32_end_to_end_and_close_to_float64(small):
    X, y = small
    c64 = PretrainedMLPClassifier((16,), **FAST).fit(X, y)
    c32 = PretrainedMLPClassifier((16,), **FAST).fit(X.astype(np.float32), y)
    assert all(W.dtype == np.float32 for W in c32.coefs_)
    P32 = c32.predict_proba(X.astype(np.float32))
    assert P32.dtype == np.float32
    assert c32.transform(X.astype(np.float32)).dtype == np.float32
    assert_allclose(P32, c64.predict_proba(X), atol=5e-3)


def test_sparse_and_dense_agree(small):
    X, y = small
    dense = PretrainedMLPClassifier((16,), **FAST).fit(X, y)
    sparse = PretrainedMLPClassifier((16,), **FAST).fit(sp.csr_matrix(X), y)
    assert_allclose(sparse.predict_proba(sp.csr_matrix(X)), dense.predict_proba(X),
                    rtol=1e-7, atol=1e-9)


def test_inputs_not_modified(small):
    X, y = small
    X_copy, y_copy = X.copy(), y.copy()
    clf = PretrainedMLPClassifier((8,), **FAST).fit(X, y)
    clf.predict_proba(X)
    clf.transform_layers(X)
    assert_array_equal(X, X_copy)
    assert_array_equal(y, y_copy)


def test_divergence_names_the_epoch(small):
    X, y = small
    clf = PretrainedMLPClassifier((8,), pretrain=False, learning_rate=1e30,
                                  n_epochs=3, tol=None, random_state=0)
    with pytest.raises(ValueError, match="diverged at epoch 1.*smaller learning_rate"):
        clf.fit(X.astype(np.float32), y)
    with pytest.raises(NotFittedError):
        check_is_fitted(clf)


def _interrupt_at_epoch(monkeypatch, epoch):
    """Make the third (or ``epoch``-th) training epoch raise KeyboardInterrupt."""
    from sklearn_sparsity import _backprop

    calls = {"n": 0}
    real = _backprop.train_epoch

    def interrupted(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == epoch:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(_backprop, "train_epoch", interrupted)


@pytest.mark.parametrize("epoch", [1, 3])
def test_keyboard_interrupt_reaches_the_caller_and_leaves_no_fit(
    small, monkeypatch, epoch
):
    # Ctrl-C propagates (in the first epoch and later); a fresh estimator
    # stays unfitted, with no attribute of the interrupted fit.
    X, y = small
    _interrupt_at_epoch(monkeypatch, epoch)
    clf = PretrainedMLPClassifier((8,), pretrain=False, n_epochs=10, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no "interrupted" warning either
        with pytest.raises(KeyboardInterrupt):
            clf.fit(X, y)
    with pytest.raises(NotFittedError):
        check_is_fitted(clf)
    assert not [name for name in vars(clf) if name.endswith("_")]


def test_interrupted_refit_keeps_the_previous_fit_entirely(small, monkeypatch):
    X, y = small
    clf = PretrainedMLPClassifier((8,), **FAST).fit(X, y)
    before = {k: v for k, v in vars(clf).items() if k.endswith("_")}
    proba = clf.predict_proba(X)
    _interrupt_at_epoch(monkeypatch, 2)
    with pytest.raises(KeyboardInterrupt):
        clf.fit(np.hstack([X, X])[:, :70], y)  # other features
    after = {k: v for k, v in vars(clf).items() if k.endswith("_")}
    assert after.keys() == before.keys()
    assert all(after[k] is before[k] for k in before)
    assert clf.n_features_in_ == X.shape[1]
    assert_array_equal(clf.predict_proba(X), proba)


def test_interrupt_inside_cross_validation_stops_it(small, monkeypatch):
    from sklearn.model_selection import cross_val_score

    X, y = small
    _interrupt_at_epoch(monkeypatch, 2)
    with pytest.raises(KeyboardInterrupt):
        cross_val_score(PretrainedMLPClassifier((8,), **FAST), X, y, cv=3)


def test_convergence_warning_only_with_a_tolerance(small):
    X, y = small
    with pytest.warns(ConvergenceWarning, match="maximum number of epochs"):
        PretrainedMLPClassifier((8,), pretrain=False, n_epochs=2, tol=1e-4,
                                random_state=0).fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        PretrainedMLPClassifier((8,), pretrain=False, n_epochs=2, tol=None,
                                random_state=0).fit(X, y)


def test_tol_stops_training(small):
    X, y = small
    clf = PretrainedMLPClassifier((8,), pretrain=False, n_epochs=500, tol=10.0,
                                  n_iter_no_change=3, random_state=0).fit(X, y)
    # The first epoch always improves on +inf; then 3 epochs without improvement.
    assert clf.n_iter_ == 1 + 3


def test_early_stopping_records_validation_scores(small):
    X, y = small
    clf = PretrainedMLPClassifier((16,), early_stopping=True, n_iter_no_change=3,
                                  pretrain_epochs=2, n_epochs=60, random_state=0)
    clf.fit(X, y)
    assert len(clf.validation_scores_) == clf.n_iter_
    assert clf.best_validation_score_ == max(clf.validation_scores_)
    assert clf.best_loss_ is None
    assert clf.n_iter_ < 60


def test_grid_search_over_hidden_sizes_parallel(small):
    X, y = small
    grid = GridSearchCV(
        PretrainedMLPClassifier(pretrain_epochs=2, n_epochs=5, tol=None,
                                random_state=0),
        {"hidden_layer_sizes": [(8,), (16, 8)]}, cv=2, n_jobs=2,
    ).fit(X, y)
    assert grid.best_params_["hidden_layer_sizes"] in [(8,), (16, 8)]
    assert len(grid.cv_results_["mean_test_score"]) == 2


def test_attributes(small):
    X, y = small
    clf = PretrainedMLPClassifier((16, 8), **FAST).fit(X, y)
    assert clf.n_layers_ == 4 and clf.n_outputs_ == 10
    assert clf.out_activation_ == "softmax"
    assert clf.n_iter_ == 5 and clf.t_ == 5 * 400
    assert len(clf.loss_curve_) == 5 and clf.loss_ == clf.loss_curve_[-1]
    assert clf.validation_scores_ is None
    assert [W.shape for W in clf.coefs_] == [(64, 16), (16, 8), (8, 10)]


@pytest.mark.parametrize("pretrain", [True, False])
def test_training_reduces_the_loss(small, pretrain):
    X, y = small
    clf = PretrainedMLPClassifier((32,), pretrain=pretrain, learning_rate=1.0,
                                  **{**FAST, "n_epochs": 10}).fit(X, y)
    assert clf.loss_curve_[-1] < 0.5 * clf.loss_curve_[0]


def test_shared_pretrainer_gives_the_same_model(small):
    X, y = small
    own = PretrainedMLPClassifier((16,), finetune=False, **FAST).fit(X, y)
    shared = PretrainedMLPClassifier((16,), finetune=False, **FAST)
    shared._fit(X, y, pretrainer=own.pretrainer_)
    assert shared.pretrainer_ is own.pretrainer_
    assert_array_equal(shared.predict_proba(X), own.predict_proba(X))
    with pytest.raises(ValueError, match="hidden layers"):
        PretrainedMLPClassifier((8,), **FAST)._fit(X, y, pretrainer=own.pretrainer_)


def test_momentum_schedule_changes_the_fit_only_through_momentum(small):
    X, y = small
    common = {**FAST, "pretrain": False, "learning_rate": 0.5}
    step = PretrainedMLPClassifier((16,), momentum_schedule="step", **common)
    linear = PretrainedMLPClassifier((16,), **common)
    constant = PretrainedMLPClassifier((16,), momentum=0.5, **common)
    # Epoch 1 uses momentum 0.5 in all three: the same first epoch.
    fits = [clf.set_params(n_epochs=1).fit(X, y) for clf in (step, linear,
                                                              constant)]
    for other in fits[1:]:
        assert_array_equal(fits[0].coefs_[0], other.coefs_[0])
    step.set_params(n_epochs=5).fit(X, y)
    linear.set_params(n_epochs=5).fit(X, y)
    assert not np.array_equal(step.coefs_[0], linear.coefs_[0])


def test_progress_hooks_see_every_epoch(small):
    X, y = small
    seen = []

    def hook(event):
        seen.append((event.epoch, event.n_epochs, event.values["loss"],
                     event.state.coefs[-1].copy()))

    clf = PretrainedMLPClassifier((16,), **FAST)
    clf._fit(X, y, hooks=[hook])
    assert [(epoch, n) for epoch, n, _, _ in seen] == [(e, 5) for e in range(1, 6)]
    assert [loss for _, _, loss, _ in seen] == clf.loss_curve_
    assert_array_equal(seen[-1][3], clf.coefs_[-1])


def test_log_loss_clip_does_not_depend_on_the_dtype():
    # Saturated outputs (probability 0 for the true class) cost the same in
    # float32 and float64: one clip for both.
    Y = np.eye(3)
    for P in ([[0.0, 0.5, 0.5], [0.0, 1.0, 0.0], [1e-30, 0.0, 1.0]],
              [[1e-9, 0.5, 0.5], [0.2, 0.3, 0.5], [0.1, 0.1, 0.8]]):
        P = np.array(P)
        losses = [data_loss(P.astype(dtype), Y.astype(dtype), "log_loss")
                  for dtype in (np.float32, np.float64)]
        assert losses[0] == pytest.approx(losses[1], rel=1e-6)
    assert data_loss(np.array([[0.0, 1.0]]), np.array([[1.0, 0.0]]),
                     "log_loss") == pytest.approx(-np.log(np.finfo(np.float32).eps))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_exploding_backpropagation_is_divergence_in_both_dtypes(small, dtype):
    X, y = small
    clf = PretrainedMLPClassifier((16,), pretrain=False, learning_rate=1e8,
                                  n_epochs=3, tol=None, random_state=0)
    with pytest.raises(ValueError, match=r"Backpropagation diverged at epoch "
                       r"1: the loss or the weights (reached|became)"):
        clf.fit(X.astype(dtype), y)
    with pytest.raises(NotFittedError):
        check_is_fitted(clf)


def test_only_the_dprbm_declares_a_poor_score():
    tags = [PretrainedMLPClassifier(finetune=f).__sklearn_tags__()
            for f in (True, False)]
    assert [t.classifier_tags.poor_score for t in tags] == [False, True]


@pytest.mark.parametrize("params, match", [
    ({"n_epochs": True}, "n_epochs must be an integer, not a bool"),
    ({"hidden_layer_sizes": True}, "hidden_layer_sizes must be a positive int"),
    ({"hidden_layer_sizes": (4, True)}, "hidden_layer_sizes must be a positive"),
    ({"pretrain_epochs": [2.5]}, "pretrain_epochs must be an integer"),
    ({"pretrain_learning_rate": [np.nan]}, "pretrain_learning_rate must be a "
                                           "finite number"),
    ({"learning_rate": np.inf}, "learning_rate"),
    ({"early_stopping": True, "tol": None}, "early_stopping=True .* needs a tol"),
])
def test_bad_parameters_are_rejected_clearly(small, params, match):
    X, y = small
    with pytest.raises(ValueError, match=match):
        PretrainedMLPClassifier(**{"hidden_layer_sizes": (4,), **params}).fit(X, y)


# ----------------------------------------- streaming, warm starts, weights
def test_warm_start_counts_like_mlpclassifier(small):
    # n_iter_ counts the last fit's epochs; t_ and loss_curve_ accumulate
    # (compared with scikit-learn itself in test_resuming.py).
    X, y = small
    clf = PretrainedMLPClassifier((16,), warm_start=True, **FAST).fit(X, y)
    first_pretrainer = clf.pretrainer_
    first_curve = list(clf.loss_curve_)
    clf.fit(X, y)
    assert clf.n_iter_ == 5 and len(clf.loss_curve_) == 10
    assert clf.loss_curve_[:5] == first_curve
    assert clf.pretrainer_ is first_pretrainer  # not pretrained again
    assert clf.t_ == 10 * len(y)
    with pytest.raises(ValueError, match="classes"):
        clf.fit(X[y < 5], y[y < 5])
    assert len(clf.loss_curve_) == 10  # the failed fit changed nothing


def test_partial_fit(small):
    X, y = small
    clf = PretrainedMLPClassifier((16,), **FAST)
    with pytest.raises(ValueError, match="classes must be passed"):
        clf.partial_fit(X[:50], y[:50])
    for X_chunk, y_chunk in zip(np.array_split(X, 4), np.array_split(y, 4)):
        clf.partial_fit(X_chunk, y_chunk, classes=np.unique(y))
    assert clf.n_iter_ == 1 and len(clf.loss_curve_) == 4
    assert hasattr(clf, "pretrainer_")  # pretrained on the first chunk
    assert clf.predict(X).shape == y.shape
    with pytest.raises(ValueError, match="not in classes_"):
        clf.partial_fit(X[:5], np.full(5, 99))
    # One call on all the rows is one epoch of fit.
    one = PretrainedMLPClassifier((16,), **{**FAST, "n_epochs": 1}).fit(X, y)
    stream = PretrainedMLPClassifier((16,), **{**FAST, "n_epochs": 1})
    stream.partial_fit(X, y, classes=np.unique(y))
    for a, b in zip(one.coefs_, stream.coefs_):
        assert_allclose(a, b)


def test_sample_weight_reaches_pretraining_and_the_loss(small):
    X, y = small
    plain = PretrainedMLPClassifier((16,), **FAST).fit(X, y)
    same = PretrainedMLPClassifier((16,), **FAST).fit(
        X, y, sample_weight=np.full(len(y), 2.0))
    for a, b in zip(plain.coefs_, same.coefs_):
        assert_array_equal(a, b)
    weights = (y == 3) * 9.0 + 1.0
    weighted = PretrainedMLPClassifier((16,), **FAST).fit(X, y,
                                                          sample_weight=weights)
    assert not np.array_equal(weighted.pretrainer_.coefs_[0],
                              plain.pretrainer_.coefs_[0])
    recall = [np.mean(m.predict(X)[y == 3] == 3) for m in (plain, weighted)]
    assert recall[1] >= recall[0]


def test_sample_weight_routing_through_cross_validation(small):
    import sklearn
    from sklearn.model_selection import cross_validate

    X, y = small
    est = PretrainedMLPClassifier((8,), **FAST)
    with sklearn.config_context(enable_metadata_routing=True):
        est.set_fit_request(sample_weight=True).set_score_request(
            sample_weight=False)
        seen = []
        original = PretrainedMLPClassifier._fit_checked

        def spy(self, X, y, pretrainer, hooks=(), sample_weight=None):
            seen.append(None if sample_weight is None else len(sample_weight))
            return original(self, X, y, pretrainer, hooks, sample_weight)

        PretrainedMLPClassifier._fit_checked = spy
        try:
            cross_validate(est, X, y, cv=2,
                           params={"sample_weight": np.ones(len(y))})
        finally:
            PretrainedMLPClassifier._fit_checked = original
    assert seen == [200, 200]


def test_a_pandas_output_transformer_in_a_pipeline(small):
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    X, y = small
    pipe = make_pipeline(MinMaxScaler(), PretrainedMLPClassifier((6,), **FAST),
                         LogisticRegression()).set_output(transform="pandas")
    pipe.fit(X * 16, y)
    H = pipe[:-1].transform(X * 16)
    assert list(H.columns) == [f"pretrainedmlpclassifier{i}" for i in range(6)]
    assert pipe.score(X * 16, y) > 0.1
    clf = pipe[1]
    assert list(clf.get_feature_names_out()) == list(H.columns)
    assert isinstance(clf.transform_layers(pipe[0].transform(X * 16))[0],
                      np.ndarray)


def test_the_defaults_learn_without_pretraining(digits):
    X, y = digits
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, stratify=y, random_state=0)
    clf = PretrainedMLPClassifier((256, 256), pretrain=False, random_state=0)
    assert clf.fit(X_tr, y_tr).score(X_te, y_te) >= 0.95
    # The paper's N(0, 0.01) start does not train this way, and says so.
    with pytest.warns(ConvergenceWarning, match="did not learn"):
        PretrainedMLPClassifier((256, 256), pretrain=False, init="normal",
                                n_epochs=30, random_state=0).fit(X_tr, y_tr)


def test_early_stopping_with_a_class_too_small_to_stratify(small):
    # Refused, as scikit-learn's stratified split does (it used to fall back
    # silently to an unstratified split; more cases in test_resuming.py).
    X, y = small
    y = y.copy()
    y[0] = 99  # a class with one sample
    clf = PretrainedMLPClassifier((16,), early_stopping=True,
                                  **{**FAST, "tol": 0.0})
    with pytest.raises(ValueError, match="class 99 has 1"):
        clf.fit(X, y)
    with pytest.raises(NotFittedError):
        check_is_fitted(clf)


# ------------------------------------------------ ReLU and Gaussian input
def test_drelu_learns_with_sparse_rectified_activations(digits):
    X, y = digits
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, stratify=y, random_state=0)
    clf = PretrainedMLPClassifier((64, 64), activation="relu", pretrain=False,
                                  n_epochs=20, batch_size=20, tol=None,
                                  random_state=0).fit(X_tr, y_tr)
    assert clf.score(X_te, y_te) >= 0.9
    layers = clf.transform_layers(X_te)
    assert all(H.min() == 0 and (H == 0).mean() > 0.2 for H in layers)
    assert not np.all(layers[-1] <= 1)  # not a sigmoid
    # He initialisation under init="auto": std sqrt(2 / fan_in).
    start = PretrainedMLPClassifier((256,), activation="relu", pretrain=False,
                                    n_epochs=1, learning_rate=1e-9, tol=None,
                                    momentum=0.0, weight_decay=0.0,
                                    random_state=0).fit(X_tr, y_tr)
    assert start.coefs_[0].std() == pytest.approx(np.sqrt(2 / 64), rel=0.05)


def test_the_relu_default_rate_is_stable(digits):
    # At the old default (0.1) this network scored 0.898: the loss jumped and
    # the stopping rule ended training at epoch 22.
    X, y = digits
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, stratify=y, random_state=0)
    clf = PretrainedMLPClassifier((128, 128), pretrain=False, activation="relu",
                                  n_epochs=40, batch_size=20, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X_tr, y_tr)
    assert clf.learning_rate_ == 0.03
    assert clf.score(X_te, y_te) >= 0.96
    rises = np.diff(clf.loss_curve_)
    assert rises.max() < 0.06


@pytest.mark.parametrize("activation, rate", [("logistic", 0.1), ("relu", 0.03)])
def test_auto_learning_rate_is_the_explicit_rate(small, activation, rate):
    X, y = small
    common = dict(pretrain=False, activation=activation, **FAST)
    auto = PretrainedMLPClassifier((8,), **common).fit(X, y)
    explicit = PretrainedMLPClassifier((8,), learning_rate=rate,
                                       **common).fit(X, y)
    assert auto.learning_rate == "auto" and auto.learning_rate_ == rate
    for a, b in zip(auto.coefs_, explicit.coefs_):
        assert_array_equal(a, b)


def test_relu_needs_pretrain_false_and_keeps_its_activation(small):
    X, y = small
    with pytest.raises(ValueError, match="pretrain=False"):
        PretrainedMLPClassifier((8,), activation="relu", **FAST).fit(X, y)
    clf = PretrainedMLPClassifier((8,), activation="relu", pretrain=False,
                                  warm_start=True, **FAST).fit(X, y)
    clf.set_params(activation="logistic")
    with pytest.raises(ValueError, match="activation='logistic' .fitted "
                       "with 'relu'.*warm_start=False"):
        clf.fit(X, y)


def test_relu_layers_use_the_linear_reconstruction(small):
    from sklearn.neural_network import MLPClassifier

    from sklearn_sparsity._units import BERNOULLI, GAUSSIAN
    from sklearn_sparsity.metrics import select_activation_threshold
    from sklearn_sparsity.metrics._layers import _hidden_layers

    X, y = small
    clf = PretrainedMLPClassifier((8, 8), activation="relu", pretrain=False,
                                  **FAST).fit(X, y)
    layers = _hidden_layers(clf)
    assert [layer.units for layer in layers] == [GAUSSIAN, GAUSSIAN]
    # tau by brute force with s W^T as the reconstruction: the largest
    # activation value whose thresholded code moves it by less than tol.
    H = clf.transform_layers(X)[0]
    W = clf.coefs_[0]
    result = select_activation_threshold(clf, X, layer=0, tol=0.05,
                                         candidates=H.size)
    passing = [t for t in np.unique(H) if np.mean(np.sum(
        ((np.where(H >= t, H, 0) - H) @ W.T) ** 2, axis=1)) < 0.05]
    assert result.tau == pytest.approx(max(passing))
    mlp = MLPClassifier((8,), activation="relu", max_iter=20,
                        random_state=0).fit(X, y)
    assert _hidden_layers(mlp)[0].units is GAUSSIAN
    sig = MLPClassifier((8,), activation="logistic", max_iter=20,
                        random_state=0).fit(X, y)
    assert _hidden_layers(sig)[0].units is BERNOULLI


def test_gaussian_input_dbn_on_standardised_data(digits):
    from sklearn.preprocessing import StandardScaler

    X, y = digits
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, stratify=y, random_state=0)
    model = make_pipeline(StandardScaler(), PretrainedMLPClassifier(
        (64,), visible_units="gaussian", pretrain_epochs=5, n_epochs=20,
        batch_size=20, tol=None, random_state=0))
    assert model.fit(X_tr, y_tr).score(X_te, y_te) >= 0.9
    assert model[-1].pretrainer_.visible_units == "gaussian"
