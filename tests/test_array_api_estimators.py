"""Both estimators on array API inputs (array_api_strict, PyTorch on the CPU).

Under ``array_api_dispatch=True`` the estimators compute in the input's
namespace and on its device and keep their fitted attributes there; numpy
inputs keep the numpy code path. array_api_strict draws its random numbers
on the host from the numpy path's stream, so in float64 its fits match the
numpy fits up to rounding: a check of every array API operation against the
numpy code. PyTorch draws on its device, so it is checked for repeatability
and placement instead. The tests skip cleanly where a library is missing.
"""

import pickle

import numpy as np
import pytest
import sklearn
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.datasets import load_digits
from sklearn.pipeline import make_pipeline

from sklearn_sparsity import PretrainedMLPClassifier, StackedRBMTransformer
from sklearn_sparsity._array_api import (
    ArrayAPIBackend,
    HostGenerator,
    TorchBackend,
    to_numpy,
)
from sklearn_sparsity._backend import NUMPY, NumpyBackend, get_backend

NAMESPACES = ["array_api_strict", "torch"]
DTYPES = ["float32", "float64"]


def _namespace(name):
    module = pytest.importorskip(name)
    if name == "torch":
        from sklearn.externals.array_api_compat import torch as xp

        return module, xp, module.device("cpu")
    return module, module, module.Device("CPU_DEVICE")


@pytest.fixture(scope="module")
def digits():
    data = load_digits()
    X, y = data.data[:400] / 16.0, data.target[:400]
    return X, y


def _np(a):
    """A numpy copy of an array of any namespace."""
    with sklearn.config_context(array_api_dispatch=True):
        return to_numpy(a)


def _stack(**kwargs):
    return StackedRBMTransformer((16, 8), n_epochs=2, batch_size=50,
                                 random_state=0, **kwargs)


def _network(**kwargs):
    params = dict(hidden_layer_sizes=(16,), n_epochs=3, pretrain_epochs=2,
                  batch_size=50, random_state=0, tol=None)
    params.update(kwargs)
    return PretrainedMLPClassifier(**params)


def _check_in_namespace(a, module, dtype_name, device):
    """``a`` is an array of ``module`` with this dtype, on this device."""
    if module.__name__ == "torch":
        assert isinstance(a, module.Tensor)
        assert a.device == device
    else:
        assert type(a).__module__.startswith("array_api_strict")
        assert a.device == device
    assert str(a.dtype).endswith(dtype_name)


def test_numpy_backend_operations_all_exist_in_the_array_api_backend():
    """A method added to NumpyBackend needs its array API version too."""
    numpy_ops = {name for name in dir(NumpyBackend) if not name.startswith("_")}
    missing = numpy_ops - set(dir(ArrayAPIBackend)) - {"name"}
    assert not missing


def test_numpy_inputs_keep_the_numpy_backend():
    X = np.ones((3, 2))
    assert get_backend(X) is NUMPY
    with sklearn.config_context(array_api_dispatch=True):
        assert get_backend(X) is NUMPY


@pytest.mark.parametrize("name", NAMESPACES)
@pytest.mark.parametrize("dtype_name", DTYPES)
def test_stack_fits_and_transforms_in_the_input_namespace(digits, name,
                                                          dtype_name):
    module, xp, device = _namespace(name)
    X = digits[0].astype(dtype_name)
    X_xp = xp.asarray(X, device=device)
    before = _np(X_xp).copy()
    with sklearn.config_context(array_api_dispatch=True):
        stack = _stack().fit(X_xp)
        H = stack.transform(X_xp)
        layers = stack.transform_layers(X_xp)
        R = stack.inverse_transform(H)
    for attribute in (*stack.coefs_, *stack.intercepts_,
                      *stack.visible_intercepts_, H, *layers, R):
        _check_in_namespace(attribute, module, dtype_name, device)
    assert tuple(H.shape) == (400, 8)
    assert tuple(R.shape) == X.shape
    assert_array_equal(_np(X_xp), before)  # input untouched
    history = stack.history_[0]
    assert history["reconstruction_error"].shape == (2,)
    assert np.all(np.isfinite(history["hspm"]))


@pytest.mark.parametrize("name", NAMESPACES)
@pytest.mark.parametrize("dtype_name", DTYPES)
def test_classifier_fits_and_predicts_in_the_input_namespace(digits, name,
                                                             dtype_name):
    module, xp, device = _namespace(name)
    X, y = digits
    X_xp = xp.asarray(X.astype(dtype_name), device=device)
    y_xp = xp.asarray(y, device=device)
    with sklearn.config_context(array_api_dispatch=True):
        clf = _network().fit(X_xp, y_xp)
        proba = clf.predict_proba(X_xp)
        log_proba = clf.predict_log_proba(X_xp)
        labels = clf.predict(X_xp)
        top = clf.transform(X_xp)
        score = clf.score(X_xp, y_xp)
    for attribute in (*clf.coefs_, *clf.intercepts_, *clf.pretrainer_.coefs_,
                      proba, log_proba, top):
        _check_in_namespace(attribute, module, dtype_name, device)
    assert str(labels.dtype).endswith("int64")
    assert isinstance(score, float)
    assert_allclose(_np(xp.sum(proba, axis=1)), 1.0, rtol=1e-5)
    assert_array_equal(_np(clf.classes_), np.arange(10))
    assert score == pytest.approx(np.mean(_np(labels) == y))


@pytest.mark.parametrize("dtype_name", DTYPES)
def test_array_api_strict_matches_the_numpy_path(digits, dtype_name):
    """Same host random stream: the fits agree up to rounding."""
    _, xp, device = _namespace("array_api_strict")
    X, y = digits
    X = X.astype(dtype_name)
    X_xp, y_xp = xp.asarray(X, device=device), xp.asarray(y, device=device)
    rtol = 1e-4 if dtype_name == "float32" else 1e-9
    numpy_stack = _stack().fit(X)
    numpy_clf = _network(pretrain=False).fit(X, y)
    with sklearn.config_context(array_api_dispatch=True):
        stack = _stack().fit(X_xp)
        clf = _network(pretrain=False).fit(X_xp, y_xp)
        proba = clf.predict_proba(X_xp)
    for W_xp, W in zip(stack.coefs_, numpy_stack.coefs_):
        assert_allclose(_np(W_xp), W, rtol=rtol, atol=rtol * 1e-2)
    assert_allclose(stack.history_[1]["hspm"], numpy_stack.history_[1]["hspm"],
                    rtol=rtol)
    assert_allclose(_np(proba), numpy_clf.predict_proba(X), rtol=rtol,
                    atol=rtol * 1e-2)


def test_array_api_strict_options_match_the_numpy_path(digits):
    """Weights, held-out rows, persistent chains, early stopping, ReLU."""
    _, xp, device = _namespace("array_api_strict")
    X, y = digits
    w = np.linspace(0.5, 2.0, X.shape[0])
    X_xp, y_xp = xp.asarray(X, device=device), xp.asarray(y, device=device)
    stack_kwargs = dict(validation_fraction=0.2, persistent=True, cd_steps=2)
    clf_kwargs = dict(early_stopping=True, tol=0.0, activation="relu",
                      pretrain=False, loss="squared_error")
    numpy_stack = _stack(**stack_kwargs).fit(X, sample_weight=w)
    numpy_clf = _network(**clf_kwargs).fit(X, y, sample_weight=w)
    with sklearn.config_context(array_api_dispatch=True):
        stack = _stack(**stack_kwargs).fit(X_xp, sample_weight=w)
        clf = _network(**clf_kwargs).fit(X_xp, y_xp,
                                         sample_weight=xp.asarray(w))
        proba = clf.predict_proba(X_xp)
    for key, values in numpy_stack.history_[0].items():
        if key != "time":
            assert_allclose(stack.history_[0][key], values, rtol=1e-9)
    assert_allclose(clf.validation_scores_, numpy_clf.validation_scores_)
    assert_allclose(_np(proba), numpy_clf.predict_proba(X), rtol=1e-9,
                    atol=1e-12)


@pytest.mark.parametrize("name", NAMESPACES)
def test_warm_start_partial_fit_and_gaussian_units(digits, name):
    module, xp, device = _namespace(name)
    X, y = digits
    Z = (X - X.mean(axis=0)) / (X.std(axis=0) + 1e-3)
    X_xp, Z_xp = xp.asarray(X, device=device), xp.asarray(Z, device=device)
    y_xp = xp.asarray(y, device=device)
    with sklearn.config_context(array_api_dispatch=True):
        stack = _stack(warm_start=True).fit(X_xp).fit(X_xp)
        chunks = _stack().partial_fit(X_xp[:200, :]).partial_fit(X_xp[200:, :])
        gaussian = _stack(visible_units="gaussian").fit(Z_xp)
        clf = _network(warm_start=True).fit(X_xp, y_xp).fit(X_xp, y_xp)
        online = _network().partial_fit(X_xp, y_xp, classes=np.arange(10))
        online.partial_fit(X_xp, y_xp)
        R = gaussian.inverse_transform(gaussian.transform(Z_xp))
    assert len(stack.history_[0]["hspm"]) == 4
    assert len(chunks.history_[1]["hspm"]) == 2
    assert clf.n_iter_ == 3 and len(clf.loss_curve_) == 6
    assert online.n_iter_ == 1 and len(online.loss_curve_) == 2
    for a in (stack.coefs_[1], chunks.coefs_[1], gaussian.coefs_[0], R,
              clf.coefs_[0], online.coefs_[-1]):
        _check_in_namespace(a, module, "float64", device)


@pytest.mark.parametrize("name", NAMESPACES)
def test_fitted_estimators_pickle(digits, name):
    _, xp, device = _namespace(name)
    X, y = digits
    X_xp, y_xp = xp.asarray(X, device=device), xp.asarray(y, device=device)
    with sklearn.config_context(array_api_dispatch=True):
        stack = _stack(persistent=True).fit(X_xp)
        clf = _network().fit(X_xp, y_xp)
        stack2 = pickle.loads(pickle.dumps(stack))
        clf2 = pickle.loads(pickle.dumps(clf))
        assert_array_equal(_np(stack2.transform(X_xp)),
                           _np(stack.transform(X_xp)))
        assert_array_equal(_np(clf2.predict_proba(X_xp)),
                           _np(clf.predict_proba(X_xp)))
        # The training states (with their device generators) continue the
        # same way after a round trip.
        stack.set_params(warm_start=True).fit(X_xp)
        stack2.set_params(warm_start=True).fit(X_xp)
    assert_array_equal(_np(stack2.coefs_[1]), _np(stack.coefs_[1]))


def test_torch_runs_repeat_and_draw_on_the_device(digits):
    torch, xp, device = _namespace("torch")
    X, y = digits
    X_xp = xp.asarray(X, device=device)
    y_xp = xp.asarray(y, device=device)
    with sklearn.config_context(array_api_dispatch=True):
        backend = get_backend(X_xp)
        fits = [_stack().fit(X_xp) for _ in range(2)]
        clfs = [_network().fit(X_xp, y_xp) for _ in range(2)]
    assert isinstance(backend, TorchBackend)
    generator = backend.rng(0)
    draw = generator.random((3, 4), xp.float32)
    assert isinstance(draw, torch.Tensor) and draw.device == device
    assert isinstance(fits[0]._cd_states_[0].generator.torch, torch.Generator)
    assert_array_equal(_np(fits[0].coefs_[1]), _np(fits[1].coefs_[1]))
    assert_array_equal(_np(clfs[0].coefs_[0]), _np(clfs[1].coefs_[0]))


def test_other_namespaces_draw_on_the_host():
    _, xp, device = _namespace("array_api_strict")
    backend = ArrayAPIBackend(xp, device)
    generator = backend.rng(np.random.SeedSequence(3))
    assert isinstance(generator, HostGenerator)
    u = generator.random((2, 3), xp.float32)
    assert u.device == device and u.dtype == xp.float32


@pytest.mark.parametrize("name", NAMESPACES)
def test_mixed_namespaces_are_refused_with_a_clear_error(digits, name):
    _, xp, device = _namespace(name)
    X, y = digits
    X_xp = xp.asarray(X, device=device)
    with sklearn.config_context(array_api_dispatch=True):
        stack = _stack().fit(X_xp)
        with pytest.raises(ValueError, match="must use the same namespace"):
            stack.transform(X)
        with pytest.raises(ValueError, match=r"StackedRBMTransformer.fit\(\) must use"):
            stack.set_params(warm_start=True).fit(X)
        with pytest.raises(ValueError, match="memory caches the layers of "
                                             "numpy inputs only"):
            _stack(memory="unused").fit(X_xp)
        clf = _network().fit(X_xp, xp.asarray(y, device=device))
        with pytest.raises(ValueError, match="must use the same namespace"):
            clf.predict(X)
    # Nothing half-fitted: the failed warm start kept the previous fit.
    assert len(stack.history_[0]["hspm"]) == 2


def test_string_labels_stay_on_the_host(digits):
    _, xp, device = _namespace("array_api_strict")
    X, y = digits
    names = np.array(["even", "odd"])[y % 2]
    with sklearn.config_context(array_api_dispatch=True):
        clf = _network(pretrain=False).fit(xp.asarray(X, device=device), names)
        labels = clf.predict(xp.asarray(X, device=device))
    assert isinstance(clf.classes_, np.ndarray)
    assert set(labels) <= {"even", "odd"}


def test_torch_tensors_without_dispatch_take_the_numpy_path(digits):
    torch, _, _ = _namespace("torch")
    X, y = digits
    stack = _stack().fit(torch.asarray(X))
    assert isinstance(stack.coefs_[0], np.ndarray)
    # scikit-learn's validation converts the tensor to numpy, float32 (the
    # first accepted dtype, as for any input whose dtype it does not list).
    assert_array_equal(stack.coefs_[0],
                       _stack().fit(X.astype(np.float32)).coefs_[0])


def test_a_pretrainer_fitted_on_numpy_is_copied_to_the_device(digits):
    _, xp, device = _namespace("array_api_strict")
    X, y = digits
    stack = StackedRBMTransformer((16,), n_epochs=2, random_state=0).fit(X)
    before = stack.coefs_[0].copy()
    with sklearn.config_context(array_api_dispatch=True):
        clf = _network().fit(xp.asarray(X, device=device),
                             xp.asarray(y, device=device), pretrainer=stack)
    _check_in_namespace(clf.coefs_[0], xp, "float64", device)
    assert_array_equal(stack.coefs_[0], before)  # fine-tuning copied it


def test_pipeline_on_array_api_input(digits):
    _, xp, device = _namespace("array_api_strict")
    X, y = digits
    X_xp, y_xp = xp.asarray(X, device=device), xp.asarray(y, device=device)
    pipe = make_pipeline(_stack(), _network(pretrain=False))
    with sklearn.config_context(array_api_dispatch=True):
        score = pipe.fit(X_xp, y_xp).score(X_xp, y_xp)
    assert 0.0 <= score <= 1.0


def test_gpu_benchmark_script_runs_on_the_cpu(tmp_path):
    """benchmarks/bench_gpu.py (run once on a GPU machine) works end to end."""
    pytest.importorskip("torch")
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_gpu.py"
    spec = importlib.util.spec_from_file_location("bench_gpu", path)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    out = tmp_path / "gpu.json"
    results = bench.main(["--device", "cpu", "--quick", "--repeats", "1",
                          "--cpu-rows", "500", "--out", str(out)])
    assert set(results) == {"cd1_epoch", "finetune_epoch"}
    for r in results.values():
        assert r["device_s"] > 0 and r["device_gemm_floor_s"] > 0
        assert r["cpu_over_device"] == pytest.approx(r["cpu_numpy_s"]
                                                     / r["device_s"])
    assert out.exists()


def test_metrics_of_models_fitted_on_array_api_inputs(digits):
    """sparsity_report of an array_api_strict fit equals the numpy fit's."""
    pd = pytest.importorskip("pandas")
    from sklearn_sparsity.metrics import sparsity_report

    _, xp, device = _namespace("array_api_strict")
    X, y = digits
    X_xp, y_xp = xp.asarray(X, device=device), xp.asarray(y, device=device)
    numpy_report = sparsity_report(_stack().fit(X), X, y)
    with sklearn.config_context(array_api_dispatch=True):
        stack = _stack().fit(X_xp)
        report = sparsity_report(stack, X_xp, y_xp)
        clf_report = sparsity_report(_network().fit(X_xp, y_xp), X_xp, y_xp)
    numeric = [c for c in numpy_report.columns
               if pd.api.types.is_float_dtype(numpy_report[c])]
    assert numeric
    assert_allclose(report[numeric].to_numpy(dtype=float),
                    numpy_report[numeric].to_numpy(dtype=float),
                    rtol=1e-7, atol=1e-10)
    assert len(clf_report) == 2  # the input and one hidden layer


def test_everything_is_created_on_the_input_device(digits):
    """Not the default device: array_api_strict's second device."""
    xp = pytest.importorskip("array_api_strict")
    device = xp.Device("device1")
    X, y = digits
    X_xp, y_xp = xp.asarray(X, device=device), xp.asarray(y, device=device)
    with sklearn.config_context(array_api_dispatch=True):
        stack = _stack(persistent=True, validation_fraction=0.2).fit(
            X_xp, sample_weight=np.ones(X.shape[0]))
        clf = _network(early_stopping=True, tol=0.0).fit(X_xp, y_xp)
        outputs = [stack.transform(X_xp), clf.predict_proba(X_xp),
                   clf.predict(X_xp), clf.transform(X_xp)]
    state = stack._cd_states_[0]
    arrays = [*stack.coefs_, *stack.visible_intercepts_, state.chain,
              state.order, *state.optimizer.velocities, *clf.coefs_,
              *clf._backprop_state_.optimizer.velocities, clf.classes_,
              *outputs]
    assert all(a.device == device for a in arrays)


def test_grid_search_over_hidden_sizes_on_tensors(digits):
    from sklearn.model_selection import GridSearchCV

    from sklearn_sparsity.metrics import hspm_scorer

    torch, xp, device = _namespace("torch")
    X, y = digits
    X_xp, y_xp = xp.asarray(X, device=device), xp.asarray(y, device=device)
    grid = {"hidden_layer_sizes": [(8,), (16,)]}
    with sklearn.config_context(array_api_dispatch=True):
        search = GridSearchCV(_network(), grid, cv=2).fit(X_xp, y_xp)
        stacks = GridSearchCV(_stack(), grid, cv=2, scoring=hspm_scorer).fit(
            X_xp, y_xp)
    assert isinstance(search.best_estimator_.coefs_[0], torch.Tensor)
    assert np.all(np.isfinite(search.cv_results_["mean_test_score"]))
    assert np.all(np.isfinite(stacks.cv_results_["mean_test_score"]))
