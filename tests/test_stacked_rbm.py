"""Behaviour of StackedRBMTransformer and of the CD-k core."""

import pickle

import numpy as np
import pytest
import scipy.sparse as sp
from _reference import hand_cd1
from joblib import Memory
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import clone
from sklearn.datasets import load_digits
from sklearn.exceptions import NotFittedError
from sklearn.utils.validation import check_is_fitted

from sklearn_sparsity import StackedRBMTransformer
from sklearn_sparsity._base import layer_seeds as _layer_seeds


@pytest.fixture(scope="module")
def digits():
    return (load_digits().data / 16.0)[:300]


def test_estimator_uses_the_cd_core_with_per_layer_seeds():
    rng = np.random.RandomState(1)
    X = rng.uniform(size=(6, 5))
    stack = StackedRBMTransformer(
        (4,), n_epochs=1, learning_rate=0.3, batch_size=6, weight_decay=0.01,
        init_std=0.5, shuffle=False, random_state=7,
    ).fit(X)
    seed = _layer_seeds(7, 1)[0]
    W_ref, b_ref, c_ref, _ = hand_cd1(
        X, seed, n_hidden=4, lr=0.3, momentum=0.5, weight_decay=0.01, init_std=0.5
    )
    assert_allclose(stack.coefs_[0], W_ref, rtol=1e-12)
    assert_allclose(stack.intercepts_[0], b_ref, rtol=1e-12)
    assert_allclose(stack.visible_intercepts_[0], c_ref, rtol=1e-12)


def test_fit_shapes_history_and_determinism(digits):
    stack = StackedRBMTransformer((20, 10), n_epochs=[3, 2], random_state=0)
    H = stack.fit_transform(digits)
    assert H.shape == (300, 10)
    assert [W.shape for W in stack.coefs_] == [(64, 20), (20, 10)]
    assert [len(h["hspm"]) for h in stack.history_] == [3, 2]
    for h in stack.history_:
        assert np.all((h["hspm"] >= 0) & (h["hspm"] <= 1))
        assert np.all(h["reconstruction_error"] > 0)
    again = StackedRBMTransformer((20, 10), n_epochs=[3, 2], random_state=0)
    assert_array_equal(again.fit_transform(digits), H)
    layers = stack.transform_layers(digits)
    assert [L.shape[1] for L in layers] == [20, 10]
    assert_array_equal(layers[-1], H)
    names = stack.get_feature_names_out()
    assert names[0] == "stackedrbmtransformer0" and len(names) == 10


def test_training_reduces_reconstruction_error(digits):
    stack = StackedRBMTransformer((32,), n_epochs=8, random_state=0).fit(digits)
    err = stack.history_[0]["reconstruction_error"]
    assert err[-1] < 0.8 * err[0]


def test_inverse_transform_reconstructs(digits):
    stack = StackedRBMTransformer(
        (48,), n_epochs=20, learning_rate=0.5, batch_size=20, random_state=0
    ).fit(digits)
    recon = stack.inverse_transform(stack.transform(digits))
    assert recon.shape == digits.shape
    assert np.all((recon >= 0) & (recon <= 1))
    # Much better than predicting the mean image.
    baseline = ((digits - digits.mean(axis=0)) ** 2).sum(axis=1).mean()
    assert ((digits - recon) ** 2).sum(axis=1).mean() < 0.9 * baseline
    with pytest.raises(ValueError, match="48 columns"):
        stack.inverse_transform(np.zeros((2, 5)))


def test_float32_preserved_and_close_to_float64(digits):
    kw = dict(hidden_layer_sizes=(16, 8), n_epochs=3, random_state=0)
    H64 = StackedRBMTransformer(**kw).fit_transform(digits)
    stack32 = StackedRBMTransformer(**kw).fit(digits.astype(np.float32))
    H32 = stack32.transform(digits.astype(np.float32))
    assert H32.dtype == np.float32 and H64.dtype == np.float64
    assert all(W.dtype == np.float32 for W in stack32.coefs_)
    assert_allclose(H32, H64, atol=2e-3)


def test_integer_input_becomes_float32():
    X = np.random.RandomState(0).randint(0, 2, size=(40, 6))
    stack = StackedRBMTransformer((3,), n_epochs=1, random_state=0).fit(X)
    assert stack.coefs_[0].dtype == np.float32


def test_sparse_and_dense_agree(digits):
    kw = dict(hidden_layer_sizes=(16,), n_epochs=2, random_state=0)
    dense = StackedRBMTransformer(**kw).fit(digits)
    sparse = StackedRBMTransformer(**kw).fit(sp.csr_matrix(digits))
    assert_allclose(sparse.coefs_[0], dense.coefs_[0], rtol=1e-10, atol=1e-12)
    assert_allclose(sparse.transform(sp.csr_matrix(digits)), dense.transform(digits))


def test_input_not_modified(digits):
    X = digits.copy()
    Xs = sp.csr_matrix(digits)
    Xs_data = Xs.data.copy()
    stack = StackedRBMTransformer((8,), n_epochs=2, random_state=0)
    stack.fit(X)
    stack.transform(X)
    stack.inverse_transform(stack.transform(X))
    stack.fit(Xs)
    assert_array_equal(X, digits)
    assert_array_equal(Xs.data, Xs_data)


@pytest.mark.parametrize("bad, vmin, vmax", [(255.0, "0", "255"), (-0.5, "-0.5", "1")])
def test_rejects_values_outside_unit_interval(bad, vmin, vmax):
    X = np.random.RandomState(0).uniform(size=(10, 3))
    X[0, 0] = 0.0
    X[1, 1] = 1.0
    X[2, 2] = bad
    stack = StackedRBMTransformer((2,), n_epochs=1)
    with pytest.raises(ValueError, match=rf"min={vmin}.*max={vmax}.*MinMaxScaler"):
        stack.fit(X)


def test_rejects_non_finite():
    X = np.full((5, 3), 0.5)
    X[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        StackedRBMTransformer((2,), n_epochs=1).fit(X)


def test_failed_fit_changes_no_fitted_state(digits):
    # A failed first fit leaves the stack unfitted; a failed refit keeps the
    # previous fit entirely (attributes change all together or not at all).
    stack = StackedRBMTransformer((8,), n_epochs=1, random_state=0)
    with pytest.raises(ValueError):
        stack.fit(digits * 16)
    with pytest.raises(NotFittedError):
        check_is_fitted(stack)
    stack.fit(digits)
    before = dict(vars(stack))
    with pytest.raises(ValueError):
        stack.fit(digits * 16)
    assert vars(stack).keys() == before.keys()
    assert all(vars(stack)[k] is v for k, v in before.items())


@pytest.mark.parametrize(
    "params, match",
    [
        (dict(hidden_layer_sizes=(4, 0)), "positive"),
        (dict(hidden_layer_sizes=(4, 2.5)), "positive"),
        (dict(hidden_layer_sizes=(4, 2), n_epochs=[1, 2, 3]), "one value per"),
        (dict(hidden_layer_sizes=(4, 2), n_epochs=[1, 0]), "positive"),
        (dict(hidden_layer_sizes=(4, 2), learning_rate=[0.1]), "one value per"),
        (dict(hidden_layer_sizes=(4,), momentum=(0.5, 0.9, 0.1)), "start, end"),
        (dict(hidden_layer_sizes=(4,), momentum=(0.5, 1.5)), r"\[0, 1\)"),
    ],
)
def test_invalid_settings(digits, params, match):
    with pytest.raises(ValueError, match=match):
        StackedRBMTransformer(**{"n_epochs": 1, **params}).fit(digits)


def test_divergence_is_reported():
    X = np.random.RandomState(0).uniform(size=(50, 4)).astype(np.float32)
    match = r"diverged at epoch \d.*smaller learning_rate"
    with pytest.raises(ValueError, match=match):
        StackedRBMTransformer((3,), n_epochs=2, learning_rate=1e38).fit(X)


def test_lower_layers_shared_and_cached(tmp_path, digits):
    memory = Memory(tmp_path, verbose=0)
    small = StackedRBMTransformer((12,), n_epochs=2, random_state=3, memory=memory)
    small.fit(digits)
    big = StackedRBMTransformer((12, 6), n_epochs=2, random_state=3, memory=memory)
    big.fit(digits)
    assert_array_equal(big.coefs_[0], small.coefs_[0])
    # Three layer fits in all, two of them distinct: one cache entry each.
    entries = [p for p in tmp_path.rglob("output.pkl")]
    assert len(entries) == 2


def test_a_damaged_cached_layer_is_reported_and_trained_again(tmp_path, digits,
                                                             capfd):
    # Issue 20, item 6: 123.0 written into a cached layer's weights was
    # served. Each entry carries a checksum of its payload.
    import joblib

    memory = Memory(tmp_path, verbose=0)
    first = StackedRBMTransformer((12,), n_epochs=2, random_state=3,
                                  memory=memory).fit(digits)
    (path,) = tmp_path.rglob("output.pkl")
    entry = joblib.load(path)
    state = entry["payload"] if isinstance(entry, dict) else entry
    state.W[0, 0] = 123.0
    joblib.dump(entry, path)
    capfd.readouterr()
    again = StackedRBMTransformer((12,), n_epochs=2, random_state=3,
                                  memory=memory).fit(digits)
    assert_array_equal(again.coefs_[0], first.coefs_[0])
    err = capfd.readouterr().err
    assert err.count("\n") == 1 and "checksum mismatch" in err, err


@pytest.mark.skipif(not hasattr(__import__("os"), "getuid"),
                    reason="POSIX permissions")
def test_memory_follows_the_cache_folder_rule_of_the_command_line(tmp_path,
                                                                  digits):
    # Issue 20, item 11: one rule (``_cache.check_cache_dir``) for the
    # command line's --cache-dir and the estimators' memory=.
    import os

    from sklearn_sparsity import PretrainedMLPClassifier

    shared = tmp_path / "shared"
    shared.mkdir()
    os.chmod(shared, 0o777)
    y = np.arange(digits.shape[0]) % 2
    for memory in (str(shared), Memory(shared, verbose=0)):
        with pytest.raises(ValueError, match="writable by other users"):
            StackedRBMTransformer((4,), n_epochs=1, memory=memory).fit(digits)
        with pytest.raises(ValueError, match="writable by other users"):
            PretrainedMLPClassifier((4,), pretrain_epochs=1, n_epochs=1,
                                    memory=memory).fit(digits, y)
    assert not list(shared.rglob("output.pkl"))
    # A private folder is created with mode 0700 and used.
    private = tmp_path / "private"
    StackedRBMTransformer((4,), n_epochs=1, memory=str(private)).fit(digits)
    assert (private.stat().st_mode & 0o777) == 0o700
    assert list(private.rglob("output.pkl"))


def test_clone_and_pickle(digits):
    stack = StackedRBMTransformer((8, 4), n_epochs=2, random_state=0).fit(digits)
    restored = pickle.loads(pickle.dumps(stack))
    assert_array_equal(restored.transform(digits), stack.transform(digits))
    fresh = clone(stack)
    assert not hasattr(fresh, "coefs_")
    assert_array_equal(fresh.fit(digits).transform(digits), stack.transform(digits))


def test_verbose_prints_one_line_per_epoch(digits, capsys):
    StackedRBMTransformer((4, 3), n_epochs=2, random_state=0, verbose=1).fit(digits)
    lines = [line for line in capsys.readouterr().out.splitlines() if "epoch" in line]
    assert len(lines) == 4
    assert "layer 1, epoch 2/2" in lines[-1] and "HSPM" in lines[-1]


def test_momentum_schedule_reaches_the_layers(digits, monkeypatch):
    # The optimiser owns the schedule: the momentum of each epoch's updates.
    from sklearn_sparsity import _optim

    seen = []
    original = _optim.MomentumSGD.step

    def spy(self, *args, **kwargs):
        if not seen or seen[-1] != (self.epoch, self.momentum):
            seen.append((self.epoch, self.momentum))
        return original(self, *args, **kwargs)

    monkeypatch.setattr(_optim.MomentumSGD, "step", spy)
    StackedRBMTransformer(4, n_epochs=4, momentum_schedule="step",
                          random_state=0).fit(digits[:50])
    assert seen == [(0, 0.5), (1, 0.5), (2, 0.9), (3, 0.9)]
    seen.clear()
    StackedRBMTransformer(4, n_epochs=4, random_state=0).fit(digits[:50])
    assert [m for _, m in seen] == pytest.approx([0.5, 0.7, 0.9, 0.9])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_exploding_weights_are_divergence_in_both_dtypes(digits, dtype):
    # In float64 the weights grow to ~1e63 before anything overflows; every
    # activation is then exactly 0 or 1. The same error as in float32.
    stack = StackedRBMTransformer((64, 32), n_epochs=3, learning_rate=1e6,
                                  random_state=0)
    with pytest.raises(ValueError, match=r"RBM layer 0 diverged at epoch 1: "
                       r"the loss or the weights (reached|became)"):
        stack.fit(digits.astype(dtype))
    assert not hasattr(stack, "coefs_")


def test_interrupted_fit_and_refit_change_nothing(digits, monkeypatch):
    from sklearn.exceptions import NotFittedError
    from sklearn.utils.validation import check_is_fitted

    from sklearn_sparsity import _stacked_rbm

    calls = {"n": 0}
    real = _stacked_rbm._cached_fit_layer

    def interrupting(memory):
        fit = real(memory)

        def layer(*args, **kwargs):
            calls["n"] += 1
            if calls["n"] == 2:
                raise KeyboardInterrupt
            return fit(*args, **kwargs)

        return layer

    monkeypatch.setattr(_stacked_rbm, "_cached_fit_layer", interrupting)
    stack = StackedRBMTransformer((8, 4), n_epochs=1, random_state=0)
    with pytest.raises(KeyboardInterrupt):  # in the second layer
        stack.fit(digits)
    with pytest.raises(NotFittedError):
        check_is_fitted(stack)
    assert not [name for name in vars(stack) if name.endswith("_")]
    # A fitted stack interrupted while refitting on other features keeps
    # its whole previous fit.
    calls["n"] = -10
    stack.fit(digits)
    coefs = stack.coefs_
    calls["n"] = 1
    with pytest.raises(KeyboardInterrupt):
        stack.fit(digits[:, :32])
    assert stack.coefs_ is coefs and stack.n_features_in_ == 64
    assert stack.transform(digits).shape == (len(digits), 4)


@pytest.mark.parametrize("params, match", [
    ({"n_epochs": [2.5]}, "n_epochs must be an integer"),
    ({"n_epochs": True}, "n_epochs must be an integer, not a bool"),
    ({"hidden_layer_sizes": True}, "hidden_layer_sizes must be a positive int"),
    ({"learning_rate": [np.nan]}, "learning_rate must be a finite number"),
])
def test_bad_parameters_are_rejected_clearly(digits, params, match):
    with pytest.raises(ValueError, match=match):
        StackedRBMTransformer(**{"hidden_layer_sizes": (4,), **params}).fit(digits)


# ------------------------------------------------------ streaming and more
def test_partial_fit_once_is_one_epoch_of_fit(digits):
    # With n_epochs=1 the greedy fit and one partial_fit do the same work:
    # every layer one pass, on the output of the layer below just trained.
    fit = StackedRBMTransformer((16, 8), n_epochs=1, random_state=0).fit(digits)
    stream = StackedRBMTransformer((16, 8), n_epochs=1, random_state=0)
    stream.partial_fit(digits)
    for a, b in zip(fit.coefs_ + fit.intercepts_,
                    stream.coefs_ + stream.intercepts_):
        assert_array_equal(a, b)


def test_partial_fit_accumulates_and_checks_features(digits):
    stack = StackedRBMTransformer((16, 8), n_epochs=10, random_state=0)
    for chunk in np.array_split(digits, 3):
        stack.partial_fit(chunk)
    assert [len(h["hspm"]) for h in stack.history_] == [3, 3]
    assert stack.n_features_in_ == digits.shape[1]
    with pytest.raises(ValueError, match="features"):
        stack.partial_fit(digits[:, :10])
    assert len(stack.history_[0]["hspm"]) == 3  # unchanged by the failure


def test_warm_start_continues_the_layers(digits):
    fresh = StackedRBMTransformer((16,), n_epochs=2, random_state=0).fit(digits)
    warm = StackedRBMTransformer((16,), n_epochs=2, warm_start=True,
                                 random_state=0).fit(digits)
    assert_array_equal(warm.coefs_[0], fresh.coefs_[0])
    warm.fit(digits)
    history = warm.history_[0]["reconstruction_error"]
    assert len(history) == 4
    assert_array_equal(history[:2], fresh.history_[0]["reconstruction_error"])
    assert not np.array_equal(warm.coefs_[0], fresh.coefs_[0])
    # Without warm_start, a refit starts again.
    cold = StackedRBMTransformer((16,), n_epochs=2, random_state=0).fit(digits)
    cold.fit(digits)
    assert_array_equal(cold.coefs_[0], fresh.coefs_[0])
    with pytest.raises(ValueError, match="continue the fitted layers"):
        warm.set_params(hidden_layer_sizes=(8,)).fit(digits)


def test_sample_weights(digits):
    base = StackedRBMTransformer((8,), n_epochs=2, random_state=0)
    plain = clone(base).fit(digits)
    # Equal weights (a power of two: exact arithmetic) change nothing.
    uniform = clone(base).fit(digits, sample_weight=np.full(len(digits), 2.0))
    assert_array_equal(plain.coefs_[0], uniform.coefs_[0])
    weights = np.random.default_rng(0).random(len(digits))
    weighted = clone(base).fit(digits, sample_weight=weights)
    assert not np.array_equal(plain.coefs_[0], weighted.coefs_[0])
    with pytest.raises(ValueError, match="Negative values"):
        clone(base).fit(digits, sample_weight=-weights)


def test_persistent_cd_keeps_chains(digits):
    pcd = StackedRBMTransformer((8,), n_epochs=2, persistent=True, batch_size=25,
                                random_state=0).fit(digits)
    cd = StackedRBMTransformer((8,), n_epochs=2, batch_size=25,
                               random_state=0).fit(digits)
    assert pcd._cd_states_[0].chain.shape == (25, 8)
    assert set(np.unique(pcd._cd_states_[0].chain)) <= {0.0, 1.0}
    assert not np.array_equal(pcd.coefs_[0], cd.coefs_[0])


def test_validation_monitors_overfitting_signals(digits):
    stack = StackedRBMTransformer((16, 8), n_epochs=3, validation_fraction=0.25,
                                  random_state=0).fit(digits)
    for history in stack.history_:
        for key in ("validation_reconstruction_error", "free_energy_train",
                    "free_energy_validation"):
            assert history[key].shape == (3,) and np.all(np.isfinite(history[key]))
    # The held-out rows are not trained on: the same stack trained on the
    # other rows alone is identical.
    train, _, held = stack._split_validation(digits, None)
    assert len(held) == 75 and len(train) == 225
    alone = StackedRBMTransformer((16, 8), n_epochs=3, random_state=0).fit(train)
    assert_array_equal(alone.coefs_[1], stack.coefs_[1])
    with pytest.raises(ValueError, match="validation_fraction"):
        StackedRBMTransformer(4, validation_fraction=0.001).fit(digits[:10])


def test_pickle_keeps_the_training_state(digits):
    stack = StackedRBMTransformer((8,), n_epochs=2, warm_start=True,
                                  random_state=0).fit(digits)
    copy = pickle.loads(pickle.dumps(stack))
    stack.fit(digits)
    copy.fit(digits)
    assert_array_equal(stack.coefs_[0], copy.coefs_[0])


# ------------------------------------------------- Gaussian visible units
@pytest.fixture(scope="module")
def standardized(digits):
    from sklearn.preprocessing import StandardScaler

    return StandardScaler().fit_transform(digits)


def test_gaussian_first_layer_learns_real_valued_data(standardized, digits):
    X = standardized
    assert X.min() < 0 and X.max() > 1  # rejected by Bernoulli units
    with pytest.raises(ValueError, match="in \\[0, 1\\]"):
        StackedRBMTransformer((16,), n_epochs=1).fit(X)
    stack = StackedRBMTransformer((32, 16), n_epochs=10, batch_size=20,
                                  visible_units="gaussian", random_state=0)
    stack.fit(X)
    errors = stack.history_[0]["reconstruction_error"]
    assert errors[-1] < 0.8 * errors[0]
    # inverse_transform is on the data's scale: the one-layer mean-field
    # reconstruction explains part of the variance, with values outside
    # [0, 1] like the data.
    one = StackedRBMTransformer((32,), n_epochs=10, batch_size=20,
                                visible_units="gaussian", random_state=0).fit(X)
    R = one.inverse_transform(one.transform(X))
    assert R.min() < 0 and R.max() > 1
    assert np.mean((R - X) ** 2) < 0.7 * np.mean((X - X.mean(axis=0)) ** 2)
    assert not stack.__sklearn_tags__().input_tags.positive_only
    assert StackedRBMTransformer().__sklearn_tags__().input_tags.positive_only


def test_a_scalar_rate_is_a_tenth_for_a_gaussian_first_layer(standardized):
    common = dict(n_epochs=2, batch_size=20, visible_units="gaussian",
                  random_state=0)
    scalar = StackedRBMTransformer((8, 4), learning_rate=0.1, **common)
    listed = StackedRBMTransformer((8, 4), learning_rate=[0.01, 0.1], **common)
    for a, b in zip(scalar.fit(standardized).coefs_,
                    listed.fit(standardized).coefs_):
        np.testing.assert_array_equal(a, b)


def test_gaussian_layer_units_reach_the_metrics(standardized):
    from sklearn_sparsity._units import BERNOULLI, GAUSSIAN
    from sklearn_sparsity.metrics._layers import _hidden_layers

    stack = StackedRBMTransformer((8, 4), n_epochs=1, visible_units="gaussian",
                                  random_state=0).fit(standardized)
    assert [layer.units for layer in _hidden_layers(stack)] == [GAUSSIAN,
                                                                BERNOULLI]


def test_warm_start_keeps_the_visible_units(standardized):
    stack = StackedRBMTransformer((8,), n_epochs=1, visible_units="gaussian",
                                  warm_start=True, random_state=0)
    stack.fit(standardized)
    stack.set_params(visible_units="bernoulli")
    with pytest.raises(ValueError, match="gaussian visible units"):
        stack.fit(standardized)


def test_tau_of_a_gaussian_layer_uses_the_linear_reconstruction(standardized):
    from sklearn_sparsity.metrics import select_activation_threshold

    stack = StackedRBMTransformer((8,), n_epochs=3, batch_size=20,
                                  visible_units="gaussian",
                                  random_state=0).fit(standardized)
    X = standardized[:100]
    H = stack.transform(X)
    W, c = stack.coefs_[0], stack.visible_intercepts_[0]
    result = select_activation_threshold(stack, X, layer=0, tol=0.05,
                                         candidates=H.size)
    # Brute force: the largest activation value whose thresholded code moves
    # the reconstruction s W^T + c by less than tol (mean squared norm).
    R = H @ W.T + c
    passing = [t for t in np.unique(H) if np.mean(np.sum(
        (np.where(H >= t, H, 0) @ W.T + c - R) ** 2, axis=1)) < 0.05]
    assert result.tau == pytest.approx(max(passing))
