"""Metrics of PyTorch modules: forward hooks, batch by batch (torch optional).

The module is skipped without torch; tests/test_architecture.py checks that
the package imports without it.
"""

import tracemalloc
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.datasets import load_digits
from sklearn.neural_network import BernoulliRBM, MLPClassifier

from sklearn_sparsity.metrics import (
    average_activation_overlap,
    hoyer_sparseness,
    hspm_scorer,
    layer_activations,
    make_sparsity_scorer,
    neg_aod_scorer,
    select_activation_threshold,
    sparsity_report,
)
from sklearn_sparsity.metrics._overlap import _class_means
from sklearn_sparsity.metrics._threshold import _select_threshold

torch = pytest.importorskip("torch")
nn = torch.nn

# Columns that must agree with the numpy computation.
NUMBERS = ["n_units", "hspm_mean", "hspm_std", "active_fraction", "tau",
           "aod_2", "aod_all"]


@pytest.fixture(autouse=True)
def _one_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return (X[:300] / 16).astype(np.float32), y[:300]


class Net(nn.Module):
    """Activations declared in another order than they are called, an
    output softmax (not a hidden layer) and a dropout."""

    def __init__(self):
        super().__init__()
        self.relu = nn.ReLU()
        self.fc1 = nn.Linear(64, 24)
        self.sigmoid = nn.Sigmoid()
        self.drop = nn.Dropout(0.5)
        self.fc2 = nn.Linear(24, 12)
        self.out = nn.Linear(12, 10)
        self.softmax = nn.Softmax(dim=1)

    def forward(self, x):
        h1 = self.drop(self.sigmoid(self.fc1(x)))
        return self.softmax(self.out(self.relu(self.fc2(h1))))

    def layers(self, x):
        """The two hidden layers, computed by hand (eval mode)."""
        h1 = torch.sigmoid(self.fc1(x))
        return h1, torch.relu(self.fc2(h1))


def _net(dtype=torch.float32):
    torch.manual_seed(0)
    return Net().to(dtype)


@pytest.fixture
def net():
    return _net()


def _no_hooks(module):
    return all(not m._forward_hooks for m in module.modules())


def _hand_layers(net, X):
    with torch.no_grad():
        return [H.numpy() for H in net.layers(torch.as_tensor(X))]


# ------------------------------------------------------------- which layers
def test_default_layers_are_activation_modules_in_forward_order(net, digits):
    X, y = digits
    report = sparsity_report(net, X, y, tau=0.2)
    # Declared relu first, called sigmoid first; Softmax and Linear are left out.
    assert report["name"].tolist() == ["input", "sigmoid", "relu"]
    assert report["n_units"].tolist() == [64, 24, 12]
    H1, H2 = layer_activations(net, X)
    expected = _hand_layers(net, X)
    assert_allclose(H1, expected[0], rtol=1e-6)
    assert_allclose(H2, expected[1], rtol=1e-6, atol=1e-7)


def test_shared_activation_module_gives_one_layer_per_call(digits):
    X, _ = digits
    torch.manual_seed(0)
    act = nn.Tanh()
    seq = nn.Sequential(nn.Linear(64, 8), act, nn.Linear(8, 5), act, nn.Linear(5, 3))
    report = sparsity_report(seq, X, tau=0.1)
    assert report["name"].tolist() == ["input", "1", "1#2"]
    assert report["n_units"].tolist() == [64, 8, 5]
    H1, H2 = layer_activations(seq, X)
    with torch.no_grad():
        assert_allclose(H2, seq[:4](torch.as_tensor(X)).numpy(), rtol=1e-6)
    # Another name of the same module: the same calls.
    for H, expected in zip(layer_activations(seq, X, layers=["3"]), [H1, H2]):
        assert_array_equal(H, expected)


def test_explicit_layers_in_the_order_given(net, digits):
    X, _ = digits
    relu, fc1 = layer_activations(net, X, layers=["relu", "fc1"])
    with torch.no_grad():
        assert_allclose(fc1, net.fc1(torch.as_tensor(X)).numpy(), rtol=1e-6)
    assert_allclose(relu, _hand_layers(net, X)[1], rtol=1e-6, atol=1e-7)
    (alone,) = layer_activations(net, X, layers="fc1")  # one name as a str
    assert_array_equal(alone, fc1)
    report = sparsity_report(net, X, tau=0.1, layers=("relu", "fc1"))
    assert report["name"].tolist() == ["input", "relu", "fc1"]


@pytest.mark.parametrize(
    "layers, match",
    [
        (["fc1", "nope"], "no submodule named 'nope'"),
        ([], "non-empty list"),
        (["fc1", 3], "non-empty list of submodule names"),
        (["fc1", "fc1"], "more than once"),
    ],
)
def test_bad_layer_names(net, digits, layers, match):
    X, y = digits
    with pytest.raises(ValueError, match=match):
        layer_activations(net, X, layers=layers)
    with pytest.raises(ValueError, match=match):
        sparsity_report(net, X, y, tau=0.1, layers=layers)
    assert _no_hooks(net)


def test_layer_not_called_in_forward(digits):
    X, _ = digits

    class Unused(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc, self.act, self.unused = nn.Linear(64, 4), nn.Sigmoid(), nn.ReLU()

        def forward(self, x):
            return self.act(self.fc(x))

    model = Unused()
    assert len(layer_activations(model, X)) == 1  # by default: left out
    with pytest.raises(ValueError, match="'unused'.*not called in the module's"):
        layer_activations(model, X, layers=["act", "unused"])
    assert _no_hooks(model)


def test_module_without_activation_modules(digits):
    X, _ = digits
    linear = nn.Linear(64, 4)
    with pytest.raises(ValueError, match="no activation submodule.*layers="):
        layer_activations(linear, X)
    # Named explicitly, any submodule (here the module itself) is measured.
    (H,) = layer_activations(linear, X, layers=[""])
    assert H.shape == (300, 4)


# ------------------------------------------- the same numbers as the numpy path
@pytest.mark.parametrize("tau", [0.0, 0.2, 0.5])
def test_report_equals_metrics_of_the_activations(net, digits, tau):
    """mean_activation: every column from the numpy functions on the
    activations that layer_activations returns."""
    X, y = digits
    report = sparsity_report(net, X, y, tau=tau, aggregate="mean_activation",
                             k="all", batch_size=64)
    rows = [X, *layer_activations(net, X)]
    for index, H in enumerate(rows):
        row = report.loc[index]
        hspm = hoyer_sparseness(H)
        assert row["hspm_mean"] == pytest.approx(hspm.mean(), rel=1e-12)
        assert row["hspm_std"] == pytest.approx(hspm.std(), rel=1e-9, abs=1e-15)
        assert row["active_fraction"] == np.mean(np.abs(H) >= tau)
        curve = average_activation_overlap(H, y, tau=tau, k="all")
        assert_allclose(row["aod_curve"], curve, rtol=1e-12)
        assert row["aod_2"] == pytest.approx(curve[0], rel=1e-12)
        assert row["aod_all"] == pytest.approx(curve[-1], rel=1e-12, abs=1e-15)
    # Only the data row has a reconstruction (the identity) for tau_error.
    expected = _select_threshold(X, None, None, np.inf, "mean", [tau])[1]
    assert report.loc[0, "tau_error"] == pytest.approx(expected, rel=1e-12)
    assert report.loc[1:, "tau_error"].isna().all()
    assert report.attrs["aod_k"] == list(range(2, 11))


def test_mean_data_forwards_the_class_means(net, digits):
    """Eq. (9) as written: the class-mean samples passed through the module."""
    X, y = digits
    tau = 0.3
    report = sparsity_report(net, X, y, tau=tau, k=[2, 3])
    classes, means = _class_means(X, y)
    hidden = layer_activations(net, means.astype(np.float32))
    for index, H in enumerate([means, *hidden]):
        expected = average_activation_overlap(H, classes, tau=tau, k=[2, 3])
        assert_allclose(report.loc[index, "aod_curve"], expected, rtol=1e-12)
    # The input row is the same for every aggregate.
    other = sparsity_report(net, X, y, tau=tau, k=[2, 3],
                            aggregate="mean_activation")
    assert_allclose(other.loc[0, "aod_curve"], report.loc[0, "aod_curve"])


def _torch_copy_of(mlp):
    """A float64 torch network computing what an MLPClassifier computes."""
    activation = {"logistic": nn.Sigmoid, "relu": nn.ReLU, "tanh": nn.Tanh}
    modules = []
    for W, b in zip(mlp.coefs_[:-1], mlp.intercepts_[:-1]):
        linear = nn.Linear(*W.shape).double()
        with torch.no_grad():
            linear.weight.copy_(torch.from_numpy(W.T))
            linear.bias.copy_(torch.from_numpy(b))
        modules += [linear, activation[mlp.activation]()]
    return nn.Sequential(*modules)


@pytest.mark.parametrize("activation", ["logistic", "tanh", "relu"])
@pytest.mark.parametrize("aggregate", ["mean_data", "mean_activation"])
def test_report_equals_the_report_of_the_same_sklearn_network(digits, activation,
                                                              aggregate):
    X, y = digits
    X = X.astype(np.float64)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ConvergenceWarning
        mlp = MLPClassifier((16, 8), activation=activation, max_iter=30,
                            random_state=0).fit(X, y)
    seq = _torch_copy_of(mlp)
    taus = [0.25, 0.5, 0.3]
    expected = sparsity_report(mlp, X, y, tau=taus, aggregate=aggregate)
    for batch_size in (None, 37):
        report = sparsity_report(seq, X, y, tau=taus, aggregate=aggregate,
                                 batch_size=batch_size)
        assert_allclose(report[NUMBERS].to_numpy(float),
                        expected[NUMBERS].to_numpy(float), rtol=1e-9, atol=1e-12)
        for got, want in zip(report["aod_curve"], expected["aod_curve"]):
            assert_allclose(got, want, rtol=1e-9, atol=1e-12)
        assert report.loc[0, "tau_error"] == pytest.approx(
            expected.loc[0, "tau_error"], rel=1e-9)


def test_batch_size_does_not_change_results(net, digits):
    X, y = digits
    net.double()
    X64 = X.astype(np.float64)
    whole = layer_activations(net, X64, batch_size=300)
    reference = sparsity_report(net, X64, y, tau=0.25, batch_size=300)
    for batch_size in (1, 7, 64, 299, 1000):
        for H, expected in zip(layer_activations(net, X64, batch_size=batch_size),
                               whole):
            assert_allclose(H, expected, rtol=1e-12, atol=1e-15)
        report = sparsity_report(net, X64, y, tau=0.25, batch_size=batch_size)
        assert_allclose(report[NUMBERS].to_numpy(float),
                        reference[NUMBERS].to_numpy(float), rtol=1e-12)
        assert report.loc[0, "tau_error"] == pytest.approx(
            reference.loc[0, "tau_error"], rel=1e-12)


@settings(max_examples=15)
@given(
    batch_size=st.integers(1, 40),
    tau=st.floats(0.0, 1.0),
    aggregate=st.sampled_from(["mean_data", "mean_activation"]),
    reduction=st.sampled_from(["mean", "max"]),
)
def test_streaming_property(batch_size, tau, aggregate, reduction):
    """Any batch size gives the report of one batch (float64, 40 rows)."""
    X, y = load_digits(return_X_y=True)
    X, y = X[:40] / 16, y[:40] % 3
    seq = _net(torch.float64)
    kwargs = dict(tau=tau, aggregate=aggregate, reduction=reduction, k="all")
    one = sparsity_report(seq, X, y, batch_size=40, **kwargs)
    report = sparsity_report(seq, X, y, batch_size=batch_size, **kwargs)
    assert_allclose(report[NUMBERS].to_numpy(float), one[NUMBERS].to_numpy(float),
                    rtol=1e-12, atol=1e-15)
    assert report.loc[0, "tau_error"] == pytest.approx(one.loc[0, "tau_error"],
                                                       rel=1e-12, abs=1e-15)
    for got, want in zip(report["aod_curve"], one["aod_curve"]):
        assert_allclose(got, want, rtol=1e-12, atol=1e-15)


# ------------------------------------------------------------------ scorers
def test_scorers(net, digits):
    X, y = digits
    H1, H2 = layer_activations(net, X)
    assert hspm_scorer(net, X) == pytest.approx(hoyer_sparseness(H2).mean(),
                                                rel=1e-12)
    first = make_sparsity_scorer("hspm", layer=0)
    assert first(net, X, y) == pytest.approx(hoyer_sparseness(H1).mean(), rel=1e-12)
    for aggregate in ("mean_data", "mean_activation"):
        for layer in (0, -1):
            scorer = make_sparsity_scorer("aod", layer=layer, k=3, tau=0.2,
                                          aggregate=aggregate)
            report = sparsity_report(net, X, y, tau=0.2, k=3, aggregate=aggregate)
            expected = report.loc[layer % 2 + 1, "aod_curve"][0]
            assert scorer(net, X, y) == pytest.approx(-expected, rel=1e-12)


def test_scorer_errors(net, digits):
    X, y = digits
    with pytest.raises(ValueError, match=r"make_sparsity_scorer\('aod', tau=0.1\)"):
        neg_aod_scorer(net, X, y)
    scorer = make_sparsity_scorer("aod", tau=0.1)
    with pytest.raises(ValueError, match="needs class labels"):
        scorer(net, X)
    with pytest.raises(ValueError, match="aggregate='mean_data'"):
        make_sparsity_scorer("aod", tau=0.1, aggregate="mean_input")(net, X, y)
    with pytest.raises(ValueError, match="out of range"):
        make_sparsity_scorer("hspm", layer=2)(net, X)
    assert _no_hooks(net)


# ------------------------------------------------- errors that say what to do
def test_tau_auto_and_mean_input_are_rejected(net, digits):
    X, y = digits
    # tau="auto" is the default: the message names the fix.
    with pytest.raises(ValueError, match=r"Pass a numeric threshold, e\.g\. "
                       r"sparsity_report\(module, X, y, tau=0\.1\)"):
        sparsity_report(net, X, y)
    with pytest.raises(ValueError, match="use aggregate='mean_data'|Use aggregate="):
        sparsity_report(net, X, y, tau=0.1, aggregate="mean_input")
    with pytest.raises(TypeError, match="Choose tau yourself"):
        select_activation_threshold(net, X)
    with pytest.raises(ValueError, match="one finite value >= 0 per row"):
        sparsity_report(net, X, y, tau=[0.1, 0.2])


def test_torch_keywords_for_other_models(digits):
    X, y = digits
    rbm = BernoulliRBM(n_components=4, n_iter=1, random_state=0).fit(X)
    with pytest.raises(ValueError, match="layers only applies to PyTorch"):
        layer_activations(rbm, X, layers=["a"])
    with pytest.raises(ValueError, match="batch_size only applies to PyTorch"):
        sparsity_report(rbm, X, y, batch_size=10)


def test_bad_outputs_and_inputs(digits):
    X, _ = digits

    class Pair(nn.Module):
        def forward(self, x):
            return x, x

    class Twice(nn.Module):
        def __init__(self):
            super().__init__()
            self.pair, self.act = Pair(), nn.ReLU()

        def forward(self, x):
            return self.act(self.pair(x)[0])

    model = Twice()
    with pytest.raises(TypeError, match="'pair'.*not a tensor"):
        layer_activations(model, X, layers=["pair"])
    transposed = nn.Sequential(nn.Linear(64, 3), nn.Sigmoid())
    transposed.register_forward_hook(lambda m, i, o: o.T)
    with pytest.raises(ValueError, match="first dimension"):
        layer_activations(transposed, X, layers=[""])
    with pytest.raises(ValueError, match="at least 2 dimensions"):
        layer_activations(model, X[0])
    with pytest.raises(ValueError, match="must hold numbers"):
        layer_activations(model, np.array([["a", "b"]]))
    with pytest.raises(ValueError, match="contains NaN"):
        sparsity_report(model, np.full((3, 4), np.nan), tau=0.1)
    assert _no_hooks(model)


def test_forward_that_changes_between_batches(digits):
    X, _ = digits

    class Dynamic(nn.Module):
        def __init__(self):
            super().__init__()
            self.act = nn.Sigmoid()

        def forward(self, x):
            return self.act(x) if len(x) > 50 else self.act(self.act(x))

    with pytest.raises(ValueError, match="every batch must call"):
        layer_activations(Dynamic(), X, batch_size=280)  # then 20 rows


# --------------------------------------------- the module is left as it was
def test_eval_mode_and_training_flags_restored(net, digits):
    X, y = digits
    net.train()
    net.fc2.eval()  # mixed flags come back as they were
    flags = {name: m.training for name, m in net.named_modules()}
    first = layer_activations(net, X)
    # Dropout is off (eval mode): the same numbers as the hand-made forward.
    assert_allclose(first[0], _hand_layers(net.eval(), X)[0], rtol=1e-6)
    net.train()
    net.fc2.eval()
    sparsity_report(net, X, y, tau=0.1)
    assert {name: m.training for name, m in net.named_modules()} == flags
    assert _no_hooks(net)


def test_no_grad_and_no_parameter_change(net, digits):
    X, _ = digits
    seen = []
    net.fc1.register_forward_hook(lambda m, i, o: seen.append(o.requires_grad))
    before = [p.detach().clone() for p in net.parameters()]
    layer_activations(net, X)
    assert seen == [False]
    assert all(torch.equal(a, b) for a, b in zip(before, net.parameters()))


@pytest.mark.parametrize("error", [RuntimeError, KeyboardInterrupt])
def test_hooks_removed_after_an_exception(digits, error):
    X, y = digits

    class Failing(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc, self.act, self.calls = nn.Linear(64, 5), nn.Sigmoid(), 0

        def forward(self, x):
            self.calls += 1
            if self.calls == 2:
                raise error("second batch")
            return self.act(self.fc(x))

    model = Failing().train()
    with pytest.raises(error, match="second batch"):
        layer_activations(model, X, batch_size=100)
    assert _no_hooks(model) and model.training and model.act.training
    model.calls = 0
    with pytest.raises(error, match="second batch"):
        sparsity_report(model, X, y, tau=0.1, batch_size=100)
    assert _no_hooks(model) and model.training


def test_hooks_removed_after_an_error_in_the_statistics(digits):
    X, y = digits
    model = nn.Sequential(nn.Linear(64, 5), nn.ReLU(), nn.Linear(5, 2))
    with torch.no_grad():
        model[0].bias.fill_(np.inf)
    with pytest.raises(ValueError, match="infinity"):
        sparsity_report(model, X, y, tau=0.1)
    assert _no_hooks(model)


# ------------------------------------------------------- dtypes and inputs
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_module_dtype_is_kept(digits, dtype):
    X, y = digits
    net = _net(dtype)
    for X_in in (X, X.astype(np.float64), (X * 16).astype(np.int64) / 16):
        layers = layer_activations(net, X_in)
        assert all(H.dtype == np.dtype(str(dtype).split(".")[1]) for H in layers)
    report = sparsity_report(net, X, y, tau=0.2)
    assert report["hspm_mean"].dtype == np.float64


def test_half_precision_is_returned_as_float32(digits):
    X, _ = digits
    net = _net(torch.bfloat16)
    layers = layer_activations(net, X)
    assert all(H.dtype == np.float32 for H in layers)
    assert_allclose(layers[0], layer_activations(_net(), X)[0], atol=0.02)


def test_tensor_numpy_sparse_and_list_inputs(net, digits):
    X, y = digits
    X_copy, y_copy = X.copy(), y.copy()
    expected = layer_activations(net, X)
    report = sparsity_report(net, X, y, tau=0.2)
    tensor = torch.from_numpy(X)
    inputs = [tensor, tensor.double(), sp.csr_matrix(X), X.tolist(),
              np.asfortranarray(X), X[::-1][::-1]]
    for X_in in inputs:
        for H, want in zip(layer_activations(net, X_in), expected):
            assert_allclose(H, want, rtol=1e-6, atol=1e-7)
    for X_in, y_in in [(tensor, torch.from_numpy(y)), (sp.csr_matrix(X), list(y))]:
        got = sparsity_report(net, X_in, y_in, tau=0.2)
        assert_allclose(got[NUMBERS].to_numpy(float), report[NUMBERS].to_numpy(float),
                        rtol=1e-6)
    assert_array_equal(X, X_copy)
    assert_array_equal(y, y_copy)
    assert torch.equal(tensor, torch.from_numpy(X_copy))


def test_in_place_operations_change_neither_input_nor_outputs(digits):
    """The module gets a copy of X, the hooks keep copies of the outputs."""
    X, y = digits
    torch.manual_seed(0)
    model = nn.Sequential(nn.ReLU(inplace=True), nn.Linear(64, 6), nn.Sigmoid(),
                          nn.Hardtanh(0.0, 0.5, inplace=True))
    tensor = torch.from_numpy(X - 0.5)
    original = tensor.clone()
    sigmoid, clipped = layer_activations(model, tensor, layers=["2", "3"])
    assert torch.equal(tensor, original)
    with torch.no_grad():
        expected = torch.sigmoid(model[1](torch.relu(original))).numpy()
    assert_allclose(sigmoid, expected, rtol=1e-6)  # not clipped at 0.5
    assert sigmoid.max() > 0.5 and clipped.max() <= 0.5
    report = sparsity_report(model, tensor, y, tau=0.1)
    assert torch.equal(tensor, original)
    assert report.loc[0, "hspm_mean"] == pytest.approx(
        hoyer_sparseness(X - 0.5).mean(), rel=1e-12)


@pytest.mark.parametrize("aggregate", ["mean_data", "mean_activation"])
def test_report_keeps_running_statistics_not_the_activations(aggregate):
    """A 20,000 x 500 float32 layer is 40 MB; the report's numpy memory stays
    at a few batches' worth (about 1.4 MB here), while layer_activations
    returns the whole matrix."""
    rng = np.random.default_rng(0)
    n_samples, n_units = 20_000, 500
    X = rng.random((n_samples, 16), dtype=np.float32)
    y = rng.integers(0, 5, n_samples)
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(16, n_units), nn.ReLU())
    sparsity_report(model, X[:100], y[:100], tau=0.1)  # imports, caches
    tracemalloc.start()
    try:
        sparsity_report(model, X, y, tau=0.1, batch_size=200, aggregate=aggregate)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < n_samples * n_units * 4 / 10


def test_read_only_memory_map(net, digits, tmp_path):
    X, y = digits
    path = tmp_path / "X.npy"
    np.save(path, X)
    mapped = np.load(path, mmap_mode="r")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no "non-writable array" warning
        report = sparsity_report(net, mapped, y, tau=0.2, batch_size=50)
    assert_allclose(report[NUMBERS].to_numpy(float),
                    sparsity_report(net, X, y, tau=0.2)[NUMBERS].to_numpy(float),
                    rtol=1e-6)  # float32 products of other batch sizes


def test_images_are_flattened_per_sample(digits):
    X, y = digits
    images = X.reshape(-1, 1, 8, 8)
    torch.manual_seed(0)
    conv = nn.Sequential(nn.Conv2d(1, 3, 3), nn.ReLU(), nn.Flatten(),
                         nn.Linear(3 * 6 * 6, 10), nn.Sigmoid())
    report = sparsity_report(conv, images, y, tau=0.1)
    assert report["n_units"].tolist() == [64, 3 * 6 * 6, 10]
    (relu, _) = layer_activations(conv, images)
    with torch.no_grad():
        feature_map = conv[:2](torch.from_numpy(images)).numpy()
    assert_allclose(relu, feature_map.reshape(300, -1), rtol=1e-6)
    assert report.loc[0, "hspm_mean"] == pytest.approx(
        hoyer_sparseness(X).mean(), rel=1e-12)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_module_on_a_gpu(digits):
    X, y = digits
    cpu = _net()
    gpu = _net().cuda()
    for H, want in zip(layer_activations(gpu, X), layer_activations(cpu, X)):
        assert isinstance(H, np.ndarray)
        assert_allclose(H, want, rtol=1e-4, atol=1e-5)
    report = sparsity_report(gpu, torch.from_numpy(X).cuda(), y, tau=0.2)
    expected = sparsity_report(cpu, X, y, tau=0.2)
    assert_allclose(report["hspm_mean"], expected["hspm_mean"], rtol=1e-4)
    assert next(gpu.parameters()).is_cuda
