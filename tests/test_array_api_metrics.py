"""The metrics on array API inputs (array_api_strict arrays, PyTorch tensors).

Under ``array_api_dispatch=True`` every public metric computes in the
input's namespace and on its device: its results are compared with the
numpy path's on the same data, and their namespace, device and dtype are
checked. The strict namespace's arrays live on a non-default device, so a
result on the wrong device (or an operation mixing devices) is caught.
Each namespace is skipped when its library is not installed.
"""

import warnings

import numpy as np
import pytest
import sklearn
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import BernoulliRBM, MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer

from sklearn_sparsity import PretrainedMLPClassifier, StackedRBMTransformer
from sklearn_sparsity._array_api import backend_for, namespace_of, to_numpy
from sklearn_sparsity.metrics import (
    activation_binary_vector,
    activation_overlapping_degree,
    average_activation_overlap,
    class_activation_vectors,
    hoyer_sparseness,
    hspm_scorer,
    layer_activations,
    make_sparsity_scorer,
    mean_hoyer_sparseness,
    neg_aod_scorer,
    select_activation_threshold,
    sparsity_report,
)
from sklearn_sparsity.metrics._array_api import _select_threshold_xp
from sklearn_sparsity.metrics._threshold import _select_threshold


class Namespace:
    """One array API library: how to make its arrays and check results."""

    def __init__(self, name):
        self.name = name
        if name == "array_api_strict":
            self.lib = pytest.importorskip("array_api_strict")
            # Not the default device: results must follow the input there.
            self.device = self.lib.Device("device1")
        else:
            self.lib = pytest.importorskip("torch")
            self.device = self.lib.device("cpu")

    def asarray(self, a):
        """``a`` (numpy) as an array of this namespace on its device."""
        if self.name == "torch":
            return self.lib.asarray(np.ascontiguousarray(a), device=self.device)
        return self.lib.asarray(a, device=self.device)

    def dtype(self, numpy_dtype):
        return getattr(self.lib, np.dtype(numpy_dtype).name)

    def check(self, result, dtype=None):
        """``result`` is an array of this namespace, on its device, of ``dtype``."""
        from sklearn.externals.array_api_compat import array_namespace, device

        assert self.name in array_namespace(result).__name__
        assert str(device(result)) == str(self.device)
        if dtype is not None:
            assert result.dtype == (self.dtype(dtype) if isinstance(dtype, type)
                                    else dtype)
        return to_numpy(result)


@pytest.fixture(params=["array_api_strict", "torch"])
def ns(request):
    namespace = Namespace(request.param)
    if request.param != "torch":
        yield namespace
        return
    # The matrices here are tiny: torch's thread pool only adds overhead,
    # and stalls on machines with a small CPU quota.
    threads = namespace.lib.get_num_threads()
    namespace.lib.set_num_threads(1)
    try:
        yield namespace
    finally:
        namespace.lib.set_num_threads(threads)


@pytest.fixture(params=[np.float64, np.float32], ids=["float64", "float32"])
def dtype(request):
    return request.param


@pytest.fixture(autouse=True)
def dispatch():
    with sklearn.config_context(array_api_dispatch=True):
        yield


def _tol(dtype):
    """Tolerances of the namespace results against numpy's on the same data."""
    if dtype == np.float64:
        return {"rtol": 1e-10, "atol": 1e-12}
    return {"rtol": 1e-4, "atol": 1e-5}


@pytest.fixture(scope="module")
def data():
    """Non-negative activations with zeros (as after a ReLU), 4 classes."""
    rng = np.random.default_rng(0)
    H = rng.random((80, 12))
    H[H < 0.35] = 0.0
    H[:, 3] *= 3.0
    y = np.repeat(np.arange(4), 20)
    rng.shuffle(y)
    return H, y


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return X[:300] / 16, y[:300]


@pytest.fixture(scope="module")
def stack(digits):
    return StackedRBMTransformer((16, 8), n_epochs=2, random_state=0).fit(
        digits[0])


@pytest.fixture(scope="module")
def mlp(digits):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return MLPClassifier((12, 6), max_iter=30, random_state=0).fit(*digits)


class _Unchanged:
    """Asserts that the arrays given still hold their values afterwards."""

    def __init__(self, *arrays):
        self.arrays = arrays
        self.before = [to_numpy(a).copy() for a in arrays]

    def check(self):
        for a, before in zip(self.arrays, self.before):
            assert_array_equal(to_numpy(a), before)


@pytest.mark.parametrize("axis", [0, 1])
def test_hoyer_sparseness(ns, dtype, data, axis):
    H = data[0].astype(dtype)
    Hx = ns.asarray(H)
    unchanged = _Unchanged(Hx)
    # float64 like the numpy path (near-zero HSPM is a difference of nearly
    # equal numbers); every device tested here has float64.
    result = ns.check(hoyer_sparseness(Hx, axis=axis), np.float64)
    assert_allclose(result, hoyer_sparseness(H, axis=axis), **_tol(dtype))
    mean = mean_hoyer_sparseness(Hx, axis=axis)
    assert isinstance(mean, float)
    assert mean == pytest.approx(mean_hoyer_sparseness(H, axis=axis),
                                 rel=_tol(dtype)["rtol"])
    unchanged.check()


def test_integer_input_becomes_float(ns, data):
    H = (data[0] * 10).astype(np.int64)
    result = hoyer_sparseness(ns.asarray(H))
    assert_allclose(ns.check(result), hoyer_sparseness(H), rtol=1e-10)
    assert result.dtype in (ns.lib.float64, ns.lib.float32)


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_non_finite_input_rejected(ns, data, bad):
    H = data[0].copy()
    H[2, 3] = bad
    with pytest.raises(ValueError, match="Input H contains"):
        hoyer_sparseness(ns.asarray(H))
    with pytest.raises(ValueError, match="Input H contains"):
        average_activation_overlap(ns.asarray(H), data[1], tau=0.5)


def test_too_few_entries_rejected(ns):
    with pytest.raises(ValueError, match="at least 2 entries"):
        hoyer_sparseness(ns.asarray(np.ones((3, 1))))


@pytest.mark.parametrize("ndim", [1, 2])
def test_activation_binary_vector(ns, dtype, data, ndim):
    H = data[0].astype(dtype)
    h = H if ndim == 2 else H[0]
    tau = float(np.median(h))
    hx = ns.asarray(h)
    unchanged = _Unchanged(hx)
    z = ns.check(activation_binary_vector(hx, tau=tau), np.int8)
    assert_array_equal(z, activation_binary_vector(h, tau=tau))
    unchanged.check()


@pytest.mark.parametrize("labels_on_device", [False, True])
def test_class_activation_vectors(ns, dtype, data, labels_on_device):
    H, y = data[0].astype(dtype), data[1]
    tau = float(np.median(H))
    Hx = ns.asarray(H)
    yx = ns.asarray(y) if labels_on_device else y
    unchanged = _Unchanged(Hx, y)
    classes, Z = class_activation_vectors(Hx, yx, tau=tau)
    expected_classes, expected_Z = class_activation_vectors(H, y, tau=tau)
    assert_array_equal(ns.check(Z, np.int8), expected_Z)
    if labels_on_device:
        classes = ns.check(classes)
    else:
        assert isinstance(classes, np.ndarray)
    assert_array_equal(classes, expected_classes)
    assert expected_Z.min() == 0 and expected_Z.max() == 1  # not trivial
    unchanged.check()


def test_string_labels_stay_on_host(ns, data):
    H, y = data
    labels = np.array(["a", "b", "c", "d"])[y]
    classes, Z = class_activation_vectors(ns.asarray(H), labels, tau=0.5)
    assert_array_equal(classes, ["a", "b", "c", "d"])
    assert_array_equal(ns.check(Z), class_activation_vectors(H, labels, tau=0.5)[1])


def test_activation_overlapping_degree(ns, dtype, data):
    H, y = data[0].astype(dtype), data[1]
    tau = float(np.quantile(H, 0.4))
    Hx = ns.asarray(H)
    unchanged = _Unchanged(Hx)
    for classes in [None, [0, 2], [1, 2, 3]]:
        aod = activation_overlapping_degree(Hx, y, tau=tau, classes=classes)
        assert isinstance(aod, float)
        assert aod == activation_overlapping_degree(H, y, tau=tau,
                                                    classes=classes)
    with pytest.raises(ValueError, match="do not occur in y"):
        activation_overlapping_degree(Hx, y, tau=tau, classes=[0, 7])
    unchanged.check()


def test_average_activation_overlap(ns, dtype, data):
    H, y = data[0].astype(dtype), data[1]
    tau = float(np.quantile(H, 0.4))
    Hx = ns.asarray(H)
    unchanged = _Unchanged(Hx)
    aod = average_activation_overlap(Hx, ns.asarray(y), tau=tau, k=2)
    assert isinstance(aod, float)
    assert aod == pytest.approx(average_activation_overlap(H, y, tau=tau, k=2),
                                rel=1e-12)
    curve = average_activation_overlap(Hx, y, tau=tau, k="all")
    expected = average_activation_overlap(H, y, tau=tau, k="all")
    assert_allclose(ns.check(curve, np.float64), expected, rtol=1e-12)
    assert len(np.unique(expected)) > 1  # not a constant curve
    with pytest.raises(ValueError, match="needs the model"):
        average_activation_overlap(Hx, y, tau=tau, aggregate="mean_data")
    unchanged.check()


@pytest.mark.parametrize(
    "kind", ["sigmoid", "gaussian", "identity", "max", "list"])
def test_threshold_search_matches_numpy(ns, dtype, kind):
    # The same activations and weights: the same threshold as the numpy
    # search (refinement over the distinct values included), the same error.
    from sklearn_sparsity._units import BERNOULLI, GAUSSIAN

    rng = np.random.default_rng(3)
    H = rng.random((120, 10)).astype(dtype)
    H[H < 0.2] = 0.0
    W = rng.normal(0, 2, (15, 10))
    c = rng.normal(0, 0.5, 15)
    args = {"sigmoid": (W, c, 0.05, "mean", 40, BERNOULLI),
            "gaussian": (W, c, 0.5, "mean", 40, GAUSSIAN),
            "identity": (None, None, 0.3, "mean", 40, None),
            "max": (W, None, 0.1, "max", 40, BERNOULLI),
            "list": (W, c, 0.05, "mean", np.linspace(0, 1, 11), BERNOULLI)}[kind]
    W, c, tol, reduction, candidates, units = args
    expected = _select_threshold(H, W, c, tol, reduction, candidates,
                                 units=units or BERNOULLI)
    Hx = ns.asarray(H)
    xp, device = namespace_of(Hx)
    unchanged = _Unchanged(Hx)
    tau, error = _select_threshold_xp(
        Hx, W, c, tol, reduction, candidates, units=units or BERNOULLI,
        backend=backend_for(xp, device))
    assert tau == expected[0]
    assert 0 < tau < H.max()  # neither end of the range
    assert error == pytest.approx(expected[1], rel=1e-3 if dtype == np.float32
                                  else 1e-9)
    unchanged.check()


def test_select_activation_threshold(ns, dtype, digits, stack):
    X = digits[0].astype(dtype)
    Xx = ns.asarray(X)
    unchanged = _Unchanged(Xx)
    for layer in (0, -1):
        result = select_activation_threshold(stack, Xx, layer=layer)
        expected = select_activation_threshold(stack, X, layer=layer)
        assert isinstance(result.tau, float) and isinstance(result.error, float)
        assert result.layer == expected.layer
        # The activations themselves differ by rounding between libraries.
        assert result.tau == pytest.approx(expected.tau, rel=_tol(dtype)["rtol"])
        assert result.error == pytest.approx(expected.error, rel=1e-2)
    unchanged.check()


def test_layer_activations_stacked_rbm(ns, dtype, digits, stack):
    X = digits[0].astype(dtype)
    Xx = ns.asarray(X)
    unchanged = _Unchanged(Xx)
    layers = layer_activations(stack, Xx)
    expected = layer_activations(stack, X)
    assert len(layers) == len(expected) == 2
    for H, H_np in zip(layers, expected):
        assert_allclose(ns.check(H, dtype), H_np, **_tol(dtype))
    unchanged.check()


@pytest.mark.parametrize("activation", ["relu", "tanh", "logistic"])
def test_layer_activations_mlp(ns, dtype, digits, activation):
    X, y = digits
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        mlp = MLPClassifier((12, 6), activation=activation, max_iter=20,
                            random_state=0).fit(X, y)
    X = X.astype(dtype)
    layers = layer_activations(mlp, ns.asarray(X))
    for H, H_np in zip(layers, layer_activations(mlp, X)):
        # The weights are put in the input's dtype: float32 stays float32.
        assert_allclose(ns.check(H, dtype), H_np, **_tol(dtype))


def test_layer_activations_bernoulli_rbm_and_pipeline(ns, digits, stack):
    X = digits[0]
    rbm = BernoulliRBM(n_components=8, n_iter=2, random_state=0).fit(X)
    H = layer_activations(rbm, ns.asarray(X))
    assert_allclose(ns.check(H[0], np.float64), rbm.transform(X), rtol=1e-10)
    pipe = make_pipeline(FunctionTransformer(), stack)
    layers = layer_activations(pipe, ns.asarray(X))
    for H, H_np in zip(layers, layer_activations(stack, X)):
        assert_allclose(ns.check(H, np.float64), H_np, rtol=1e-10)


def test_layer_activations_wrong_width(ns, digits, stack):
    with pytest.raises(ValueError, match="features"):
        layer_activations(stack, ns.asarray(digits[0][:, :10]))


_NUMBERS = ["n_units", "hspm_mean", "hspm_std", "active_fraction", "tau",
            "tau_error", "aod_2", "aod_all"]


@pytest.mark.parametrize("aggregate", ["mean_data", "mean_input",
                                       "mean_activation"])
def test_sparsity_report_stacked_rbm(ns, dtype, digits, stack, aggregate):
    X, y = digits[0].astype(dtype), digits[1]
    Xx = ns.asarray(X)
    unchanged = _Unchanged(Xx)
    report = sparsity_report(stack, Xx, y, aggregate=aggregate)
    expected = sparsity_report(stack, X, y, aggregate=aggregate)
    assert list(report.columns) == list(expected.columns)
    assert report["name"].tolist() == expected["name"].tolist()
    tol = {"rtol": 1e-8, "atol": 1e-12} if dtype == np.float64 else {
        "rtol": 1e-2, "atol": 1e-5}
    assert_allclose(report[_NUMBERS].to_numpy(float),
                    expected[_NUMBERS].to_numpy(float), **tol)
    for curve, expected_curve in zip(report["aod_curve"], expected["aod_curve"]):
        assert isinstance(curve, np.ndarray)
        assert_allclose(curve, expected_curve, rtol=1e-12)
    unchanged.check()


def test_sparsity_report_given_tau_and_mlp(ns, digits, mlp):
    X, y = digits
    Xx = ns.asarray(X)
    taus = [0.25, 0.5, 0.5]
    report = sparsity_report(mlp, Xx, ns.asarray(y), tau=taus, k=[2, 3])
    expected = sparsity_report(mlp, X, y, tau=taus, k=[2, 3])
    assert report["tau"].tolist() == taus
    assert_allclose(report[_NUMBERS].to_numpy(float),
                    expected[_NUMBERS].to_numpy(float), rtol=1e-8, atol=1e-12)
    assert_allclose(np.stack(report["aod_curve"]),
                    np.stack(expected["aod_curve"]), rtol=1e-12)
    no_labels = sparsity_report(mlp, Xx, tau=0.5)
    assert np.isnan(no_labels["aod_2"]).all()


def test_sparsity_report_pretrained_relu_network(ns, digits):
    X, y = digits
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = PretrainedMLPClassifier(
            (10,), activation="relu", pretrain=False, n_epochs=3,
            random_state=0).fit(X, y)
    report = sparsity_report(model, ns.asarray(X), y)
    expected = sparsity_report(model, X, y)
    assert_allclose(report[_NUMBERS].to_numpy(float),
                    expected[_NUMBERS].to_numpy(float), rtol=1e-8, atol=1e-12)


@pytest.mark.parametrize("scorer", [
    hspm_scorer,
    neg_aod_scorer,
    make_sparsity_scorer("aod", layer=0, aggregate="mean_input"),
    make_sparsity_scorer("aod", tau=0.5, aggregate="mean_activation"),
], ids=["hspm", "neg_aod", "aod_mean_input", "aod_fixed_tau"])
def test_scorers(ns, dtype, digits, stack, mlp, scorer):
    X, y = digits[0].astype(dtype), digits[1]
    Xx = ns.asarray(X)
    unchanged = _Unchanged(Xx)
    for model in (stack, mlp):
        score = scorer(model, Xx, y)
        assert isinstance(score, float)
        assert score == pytest.approx(scorer(model, X, y),
                                      rel=_tol(dtype)["rtol"], abs=1e-6)
    unchanged.check()


def test_aod_scorer_needs_labels(ns, digits, stack):
    with pytest.raises(ValueError, match="needs class labels"):
        neg_aod_scorer(stack, ns.asarray(digits[0]))


def test_dispatch_off_converts_torch_to_numpy(data, digits, stack):
    # Without dispatch a CPU tensor is an array-like: the numpy path, as
    # before, with numpy results equal to those of the numpy array.
    torch = pytest.importorskip("torch")
    H, y = data
    # float32: the estimators validate a tensor, whose dtype is not a numpy
    # dtype, into their first dtype, float32 (as before).
    X = digits[0].astype(np.float32)
    with sklearn.config_context(array_api_dispatch=False):
        result = hoyer_sparseness(torch.asarray(H))
        assert isinstance(result, np.ndarray)
        assert_array_equal(result, hoyer_sparseness(H))
        curve = average_activation_overlap(torch.asarray(H), y, tau=0.5,
                                           k="all")
        assert isinstance(curve, np.ndarray)
        assert_array_equal(curve, average_activation_overlap(H, y, tau=0.5,
                                                             k="all"))
        layers = layer_activations(stack, torch.asarray(X))
        assert all(isinstance(L, np.ndarray) for L in layers)
        assert_array_equal(layers[-1], layer_activations(stack, X)[-1])
        assert (select_activation_threshold(stack, torch.asarray(X)).tau
                == select_activation_threshold(stack, X).tau)


def test_numpy_input_under_dispatch_is_the_numpy_path(data):
    H, y = data
    result = hoyer_sparseness(H)
    assert isinstance(result, np.ndarray) and result.dtype == np.float64
    with sklearn.config_context(array_api_dispatch=False):
        assert_array_equal(result, hoyer_sparseness(H))


def test_cuda_tensors(digits, stack):
    # On a GPU: the results stay there and equal the numpy path's.
    torch = pytest.importorskip("torch")
    if not torch.cuda.is_available():
        pytest.skip("needs a CUDA device")
    X, y = digits
    Xc = torch.asarray(X, device="cuda")
    layers = layer_activations(stack, Xc)
    assert all(H.device.type == "cuda" for H in layers)
    hspm = hoyer_sparseness(layers[0])
    assert hspm.device.type == "cuda"
    assert_allclose(hspm.cpu().numpy(),
                    hoyer_sparseness(layer_activations(stack, X)[0]), rtol=1e-8)
    result = select_activation_threshold(stack, Xc)
    assert result.tau == pytest.approx(select_activation_threshold(stack, X).tau,
                                       rel=1e-8)
    report = sparsity_report(stack, Xc, torch.asarray(y, device="cuda"))
    expected = sparsity_report(stack, X, y)
    assert_allclose(report[_NUMBERS].to_numpy(float),
                    expected[_NUMBERS].to_numpy(float), rtol=1e-6, atol=1e-9)


@settings(max_examples=60)
@given(
    st.integers(1, 12),
    st.integers(1, 6),
    st.integers(1, 5),
    st.floats(1e-3, 2.0),
    st.sampled_from(["mean", "max"]),
    st.one_of(st.integers(2, 12),
              st.lists(st.floats(0, 1), min_size=1, max_size=6)),
    st.booleans(),
    st.integers(0, 2**16),
)
def test_threshold_search_matches_numpy_property(n, n_hidden, n_visible, tol,
                                                 reduction, candidates, bias,
                                                 seed):
    """Random small layers (zeros and ties included), every search branch:
    the array API search returns the numpy search's threshold."""
    xp = pytest.importorskip("array_api_strict")
    device = xp.Device("device1")
    backend = backend_for(xp, device)
    rng = np.random.default_rng(seed)
    H = rng.random((n, n_hidden)) * (rng.random((n, n_hidden)) < 0.7)
    H = np.round(H, 1)  # ties between activation values
    W = rng.normal(0, 1, (n_visible, n_hidden))
    c = rng.normal(0, 1, n_visible) if bias else None
    expected = _select_threshold(H, W, c, tol, reduction, candidates)
    with sklearn.config_context(array_api_dispatch=True):
        got = _select_threshold_xp(
            xp.asarray(H, device=device), W, c, tol, reduction, candidates,
            backend=backend)
    assert got[0] == expected[0]
    assert got[1] == pytest.approx(expected[1], rel=1e-9, abs=1e-12)
