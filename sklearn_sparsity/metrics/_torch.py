"""PyTorch modules in the metrics: layer outputs by forward hooks, batch by batch.

torch is optional. Nothing here imports it when the package is imported:
:func:`is_torch_module` recognises a module without importing torch (no
object can be a ``torch.nn.Module`` unless torch has been imported), and the
other functions import it only once a module has been passed.

The *layers* of a module are named submodules (names as in
``module.named_modules()``), by default every activation module
(:data:`ACTIVATION_MODULES`). Their outputs are recorded with forward hooks
while ``X`` passes through the module in batches, in eval mode under
``torch.no_grad()``; each output is flattened to ``(n_samples, n_units)``. A
submodule called several times in one forward pass (one ``nn.Sigmoid`` shared
by two layers) gives one layer per call: ``"act"``, ``"act#2"``, ...

:func:`torch_activations` returns every layer's whole matrix. The report and
the scorers only keep, per batch, the statistics they need (the per-sample
HSPM, counts of active units, per-class sums, minima and maxima), so their
memory does not grow with the activations of the whole data set; the metrics
themselves are the package's own functions applied to each batch.
"""

import sys
from contextlib import contextmanager
from functools import partial

import numpy as np
import scipy.sparse as sp

from .._sparseness import hoyer_along
from ._overlap import _binarize, _overlap_curve
from ._threshold import _select_threshold
from ._validation import (
    _check_activations,
    _check_ks,
    _check_labels,
    _check_tau_list,
    _layer_index,
)

#: Names of the ``torch.nn`` classes measured by default (their subclasses
#: too). Output layers (``Softmax``, ``LogSoftmax``, ``Softmin``) are not
#: hidden layers and are left out, as are modules that are not element-wise
#: activations (``MultiheadAttention``).
ACTIVATION_MODULES = (
    "CELU", "ELU", "GELU", "GLU", "Hardshrink", "Hardsigmoid", "Hardswish",
    "Hardtanh", "LeakyReLU", "LogSigmoid", "Mish", "PReLU", "RReLU", "ReLU",
    "ReLU6", "SELU", "SiLU", "Sigmoid", "Softplus", "Softshrink", "Softsign",
    "Tanh", "Tanhshrink", "Threshold",
)

#: Rows passed through the module at a time when ``batch_size`` is None.
DEFAULT_BATCH_SIZE = 1024

_NO_WEIGHTS = (
    "{what} needs each layer's weights and a reconstruction of its input, "
    "which a PyTorch module does not expose."
)
_TAU_AUTO = (
    _NO_WEIGHTS.format(what="tau='auto' (the paper's threshold rule)")
    + " Pass a numeric threshold, e.g. {example}."
)
_MEAN_INPUT = (
    "aggregate='mean_input' applies each layer to the class mean of its own "
    "input, which needs the layer as a function of that input; a PyTorch "
    "module is only run as a whole. Use aggregate='mean_data' (eq. 9 as "
    "written: the class-mean samples passed through the module) or "
    "aggregate='mean_activation'."
)
NO_THRESHOLD_RULE = (
    _NO_WEIGHTS.format(what="select_activation_threshold (the paper's rule)")
    + " Choose tau yourself and pass it to sparsity_report or "
    "make_sparsity_scorer."
)


def is_torch_module(obj):
    """Whether ``obj`` is a ``torch.nn.Module``, without importing torch."""
    torch = sys.modules.get("torch")
    module_class = getattr(getattr(torch, "nn", None), "Module", None)
    return isinstance(module_class, type) and isinstance(obj, module_class)


def check_not_torch_options(estimator, layers, batch_size):
    """Reject the torch-only keywords for a model that is no torch module."""
    given = [name for name, value in [("layers", layers), ("batch_size", batch_size)]
             if value is not None]
    if given:
        raise ValueError(
            f"{' and '.join(given)} only appl{'ies' if len(given) == 1 else 'y'} "
            f"to PyTorch modules; got a {type(estimator).__name__}."
        )


def check_threshold_options(tau, aggregate, example):
    """Reject ``tau="auto"`` and ``aggregate="mean_input"`` for a torch module."""
    if isinstance(tau, str):  # "auto", the only string validate_params lets in
        raise ValueError(_TAU_AUTO.format(example=example))
    if aggregate == "mean_input":
        raise ValueError(_MEAN_INPUT)


# ----------------------------------------------------------------- the module
def _layer_names(module, layers):
    """Names of the submodules to hook, validated."""
    import torch

    if layers is None:
        classes = tuple(getattr(torch.nn, name) for name in ACTIVATION_MODULES
                        if hasattr(torch.nn, name))
        names = [name for name, sub in module.named_modules()
                 if name and isinstance(sub, classes)]
        if not names:
            raise ValueError(
                f"{type(module).__name__} has no activation submodule (torch.nn "
                "Sigmoid, ReLU, Tanh, ...; activations computed with "
                "torch.nn.functional cannot be hooked). Name the submodules to "
                "measure with layers=[...]."
            )
        return names
    if isinstance(layers, str):
        layers = [layers]
    layers = list(layers)
    if not layers or not all(isinstance(name, str) for name in layers):
        raise ValueError(
            f"layers must be a non-empty list of submodule names; got {layers!r}."
        )
    if len(set(layers)) < len(layers):
        raise ValueError(f"layers names a submodule more than once: {layers!r}.")
    known = dict(module.named_modules(remove_duplicate=False))
    unknown = [name for name in layers if name not in known]
    if unknown:
        available = [name for name in known if name]
        shown = ", ".join(repr(name) for name in available[:20])
        more = f" and {len(available) - 20} more" if len(available) > 20 else ""
        raise ValueError(
            f"{type(module).__name__} has no submodule named "
            f"{', '.join(repr(name) for name in unknown)}; names are those of "
            f"module.named_modules(): {shown}{more}."
        )
    return layers


def _record(calls, name, module, inputs, output):
    """Forward hook: keep a detached copy of ``output`` on the CPU."""
    import torch

    if not isinstance(output, torch.Tensor):
        raise TypeError(
            f"The output of layer {name!r} ({type(module).__name__}) is a "
            f"{type(output).__name__}, not a tensor; name submodules that "
            "return one tensor."
        )
    # A copy: a later in-place operation of the forward pass must not change it.
    calls.append((name, output.detach().to(device="cpu", copy=True)))


@contextmanager
def _hooked(module, names):
    """``run(batch)`` that returns the hooked layers' outputs of one forward pass.

    Inside the context the module is in eval mode under ``torch.no_grad()``
    with one forward hook per name. On leaving it, also on an error or a
    ``KeyboardInterrupt``, the hooks are removed and every submodule's
    ``training`` flag is set back to what it was.
    """
    import torch

    submodules = dict(module.named_modules(remove_duplicate=False))
    flags = [(sub, sub.training) for sub in module.modules()]
    calls, handles = [], []
    try:
        for name in names:
            handles.append(submodules[name].register_forward_hook(
                partial(_record, calls, name)))
        module.eval()
        with torch.no_grad():
            yield partial(_run, module, calls)
    finally:
        for handle in handles:
            handle.remove()
        for sub, flag in flags:
            sub.training = flag
        calls.clear()


def _run(module, calls, batch):
    """Forward ``batch``; ``[(name, key, ndarray (n_rows, n_units))]`` in call order.

    ``key`` is ``name`` for a submodule's first call in the pass, then
    ``name#2``, ``name#3``, ...
    """
    import torch

    calls.clear()
    module(batch)
    n_rows = batch.shape[0]
    out, seen = [], {}
    for name, tensor in calls:
        seen[name] = seen.get(name, 0) + 1
        key = name if seen[name] == 1 else f"{name}#{seen[name]}"
        if tensor.ndim == 0 or tensor.shape[0] != n_rows:
            raise ValueError(
                f"The output of layer {key!r} has shape {tuple(tensor.shape)} for "
                f"a batch of {n_rows} rows; its first dimension must be the "
                "batch's."
            )
        if tensor.dtype in (torch.float16, torch.bfloat16):
            tensor = tensor.float()
        out.append((name, key, tensor.reshape(n_rows, -1).numpy()))
    calls.clear()
    return out


def _ordered(calls, layers, names):
    """The calls in the order of ``layers`` (each name's calls in call order);
    by default in call order."""
    if layers is None:
        return calls
    called = {name for name, _, _ in calls}
    missing = [name for name in names if name not in called]
    if missing:
        raise ValueError(
            f"The layer(s) {', '.join(repr(name) for name in missing)} were not "
            "called in the module's forward pass, so they have no output to "
            "measure."
        )
    rank = {name: i for i, name in enumerate(names)}
    return sorted(calls, key=lambda call: rank[call[0]])  # stable


# ------------------------------------------------------------------ the data
def _check_input(X):
    """``X`` as a tensor, a CSR matrix or an ndarray (no copy), checked."""
    import torch

    if sp.issparse(X):
        X = X.tocsr()
    elif not isinstance(X, torch.Tensor):
        X = np.asarray(X)
        if X.dtype.kind not in "biuf":
            raise ValueError(f"X must hold numbers; got dtype {X.dtype}.")
    if X.ndim < 2:
        raise ValueError(
            f"X must have one row per sample and at least 2 dimensions; got "
            f"shape {tuple(X.shape)}."
        )
    if X.shape[0] == 0:
        raise ValueError(f"X is empty (shape {tuple(X.shape)}).")
    return X


def _placement(module, X):
    """Device and dtype of the batches.

    Those of the module's first floating-point parameter or buffer; for a
    module without one, those of ``X`` when it holds floats, else the
    default dtype on the CPU.
    """
    import torch

    for tensor in (*module.parameters(), *module.buffers()):
        if tensor.is_floating_point():
            return tensor.device, tensor.dtype
    if isinstance(X, torch.Tensor):
        dtype = X.dtype if X.is_floating_point() else torch.get_default_dtype()
        return X.device, dtype
    if X.dtype in (np.float16, np.float32, np.float64):
        return torch.device("cpu"), torch.from_numpy(np.empty(0, X.dtype)).dtype
    return torch.device("cpu"), torch.get_default_dtype()


def _numpy_rows(X, start, stop):
    """Rows ``start:stop`` of ``X`` as an ndarray (a view of an ndarray)."""
    import torch

    if isinstance(X, torch.Tensor):
        rows = X[start:stop].detach().cpu()
        if rows.dtype in (torch.float16, torch.bfloat16):
            rows = rows.float()
        return rows.numpy()
    if sp.issparse(X):
        return X[start:stop].toarray()
    return X[start:stop]


def _tensor_rows(X, rows, start, stop, device, dtype):
    """Rows ``start:stop`` of ``X`` as a new tensor for the module."""
    import torch

    if isinstance(X, torch.Tensor):
        return X[start:stop].detach().to(device=device, dtype=dtype, copy=True)
    # A C-ordered copy: read-only, strided or memory-mapped rows are fine.
    return torch.from_numpy(np.array(rows, order="C")).to(device=device,
                                                          dtype=dtype)


def _to_numpy(y):
    """Labels as an ndarray when they are a tensor, else unchanged."""
    torch = sys.modules.get("torch")
    if torch is not None and isinstance(y, torch.Tensor):
        return y.detach().cpu().numpy()
    return y


def _forward(module, X, layers, batch_size, on_batch, *, need_rows=False):
    """Pass ``X`` through ``module`` batch by batch, hooking the layers.

    Calls ``on_batch(start, stop, rows, outputs)`` for every batch, inside
    the hooked context: ``rows`` are the batch's rows of ``X`` as an ndarray
    (None unless ``need_rows``), ``outputs`` the layers' ``(key, ndarray)``
    in the order of :func:`_ordered`. Returns the layers' keys.
    """
    import torch

    X = _check_input(X)
    names = _layer_names(module, layers)
    device, dtype = _placement(module, X)
    batch_size = DEFAULT_BATCH_SIZE if batch_size is None else int(batch_size)
    n_samples = X.shape[0]
    keys = None
    with _hooked(module, names) as run:
        for start in range(0, n_samples, batch_size):
            stop = min(start + batch_size, n_samples)
            rows = None
            if need_rows or not isinstance(X, torch.Tensor):
                rows = _numpy_rows(X, start, stop)
            calls = _ordered(run(_tensor_rows(X, rows, start, stop, device, dtype)),
                             layers, names)
            batch_keys = [key for _, key, _ in calls]
            if keys is None:
                keys = batch_keys
            elif batch_keys != keys:
                raise ValueError(
                    f"The forward pass of rows {start}:{stop} gave the layers "
                    f"{batch_keys}, the first batch {keys}; every batch must "
                    "call the measured submodules the same way."
                )
            on_batch(start, stop, rows if need_rows else None,
                     [(key, H) for _, key, H in calls])
    return keys


def _collect(module, X, layers, batch_size):
    """The keys and the whole output matrices of the layers."""
    X = _check_input(X)
    out = []

    def on_batch(start, stop, rows, outputs):
        if not out:
            out.extend(np.empty((X.shape[0], H.shape[1]), dtype=H.dtype)
                       for _, H in outputs)
        for whole, (_, H) in zip(out, outputs):
            whole[start:stop] = H

    keys = _forward(module, X, layers, batch_size, on_batch)
    return keys, out


def torch_activations(module, X, *, layers=None, batch_size=None):
    """Outputs of the layers of a torch module, each ``(n_samples, n_units)``.

    The public entry is :func:`~sklearn_sparsity.metrics.layer_activations`.
    """
    return _collect(module, X, layers, batch_size)[1]


# --------------------------------------------------------- streamed statistics
class _RowStats:
    """One row of the report (the data or a layer), accumulated batch by batch.

    Keeps the per-sample HSPM (one float per sample), the number of entries
    with ``|h| >= tau`` (when ``tau`` is given), for the data row the
    identity reconstruction error of ``tau`` (its sum, or max, over samples),
    and with ``n_classes`` the float64 per-class sums, minima and maxima from
    which the class means of ``_overlap._class_means`` follow.
    """

    def __init__(self, tau=None, n_classes=0, *, threshold_error=False,
                 reduction="mean"):
        self.tau = tau
        self.n_classes = n_classes
        self.threshold_error = threshold_error and tau is not None
        self.reduction = reduction
        self.hspm = []
        self.n_rows = self.n_units = self.n_active = 0
        self.error = 0.0
        self.sums = self.low = self.high = self.counts = None

    def update(self, H, codes=None):
        """Add the rows ``H`` (2-D, finite) with class codes ``codes``."""
        n_rows, self.n_units = H.shape
        self.n_rows += n_rows
        if self.n_units >= 2:
            self.hspm.append(hoyer_along(H, axis=1))
        if self.tau is not None:
            self.n_active += int(np.count_nonzero(np.abs(H) >= self.tau))
        if self.threshold_error:
            # The identity reconstruction's error of tau, reduced over the batch.
            error = _select_threshold(H, None, None, np.inf, self.reduction,
                                      [self.tau])[1]
            if self.reduction == "mean":
                self.error += error * n_rows
            else:
                self.error = max(self.error, error)
        if self.n_classes:
            self._update_classes(H, codes)

    def _update_classes(self, H, codes):
        if self.sums is None:
            shape = (self.n_classes, self.n_units)
            self.sums = np.zeros(shape)
            self.low = np.full(shape, np.inf)
            self.high = np.full(shape, -np.inf)
            self.counts = np.zeros(self.n_classes, dtype=np.int64)
        order = np.argsort(codes, kind="stable")
        bounds = np.searchsorted(codes[order], np.arange(self.n_classes + 1))
        for c in np.flatnonzero(np.diff(bounds)):
            rows = H[order[bounds[c]:bounds[c + 1]]]
            self.sums[c] += rows.sum(axis=0, dtype=np.float64)
            np.minimum(self.low[c], rows.min(axis=0), out=self.low[c])
            np.maximum(self.high[c], rows.max(axis=0), out=self.high[c])
            self.counts[c] += rows.shape[0]

    def hspm_values(self):
        """Per-sample HSPM, None for a single unit."""
        return np.concatenate(self.hspm) if self.hspm else None

    def class_means(self):
        """The float64 class means, clipped to each class's range of values
        as ``_overlap._class_means`` does."""
        means = self.sums / self.counts[:, np.newaxis]
        return np.clip(means, self.low, self.high, out=means)

    def tau_error(self):
        """The data row's reconstruction error of ``tau``."""
        if self.reduction == "mean":
            return self.error / self.n_rows
        return self.error


def _stream(module, X, layers, batch_size, *, tau=None, codes=None, n_classes=0,
            data_row=True, layer_classes=False, reduction="mean",
            check_layers=None):
    """Statistics of the data row and of every layer, in one pass over ``X``.

    Returns ``keys`` and ``[data_stats, *layer_stats]`` (``data_stats`` is
    None without ``data_row``). With ``n_classes`` the data row keeps class
    sums, and the layers too with ``layer_classes``. ``tau`` is None, a
    number or a list of one value per row (checked once the number of layers
    is known, as is ``check_layers(n_layers)``).
    """
    stats = []

    def on_batch(start, stop, rows, outputs):
        batch_codes = None if codes is None else codes[start:stop]
        if not stats:
            n_layers = len(outputs)
            if check_layers is not None:
                check_layers(n_layers)
            if isinstance(tau, list):
                taus = _check_tau_list(tau, n_layers + 1)
            else:
                taus = [tau] * (n_layers + 1)
            stats.append(_RowStats(taus[0], n_classes, threshold_error=True,
                                   reduction=reduction) if data_row else None)
            stats.extend(_RowStats(t, n_classes if layer_classes else 0)
                         for t in taus[1:])
        if data_row:
            V = _check_activations(rows.reshape(stop - start, -1), input_name="X")
            stats[0].update(V, batch_codes)
        for row, (key, H) in zip(stats[1:], outputs):
            row.update(_check_activations(H, input_name=f"H (layer {key!r})"),
                       batch_codes)

    keys = _forward(module, X, layers, batch_size, on_batch, need_rows=data_row)
    return keys, stats


def _labels(y, n_samples):
    """Checked labels: the number of classes and each sample's class code."""
    y = _check_labels(_to_numpy(y), n_samples)
    classes, codes = np.unique(y, return_inverse=True)
    return len(classes), codes.ravel()


def _mean_data(module, X, data_means, keys, layers, batch_size):
    """Eq. (9) as written: the layers' outputs at the class-mean samples."""
    samples = data_means.reshape((data_means.shape[0], *X.shape[1:]))
    means_keys, outputs = _collect(module, samples, layers, batch_size)
    if means_keys != keys:
        raise ValueError(
            f"The class-mean samples gave the layers {means_keys}, the data "
            f"{keys}; aggregate='mean_data' needs the same layers for both."
        )
    return [np.asarray(H, dtype=np.float64) for H in outputs]


def torch_report_rows(module, X, y, *, tau, k, aggregate, reduction, layers,
                      batch_size):
    """Rows of :func:`~sklearn_sparsity.metrics.sparsity_report` for a module.

    Returns the rows (dicts with the report's columns) and the ``k`` of the
    AOD curve (None without labels).
    """
    check_threshold_options(tau, aggregate,
                            example="sparsity_report(module, X, y, tau=0.1)")
    X = _check_input(X)
    codes, n_classes, ks = None, 0, None
    if y is not None:
        n_classes, codes = _labels(y, X.shape[0])
        if isinstance(k, bool):
            raise ValueError(f"k must be an int, a list of ints or 'all'; got {k!r}.")
        ks, _ = _check_ks(k, n_classes)
    keys, stats = _stream(
        module, X, layers, batch_size, tau=tau, codes=codes, n_classes=n_classes,
        layer_classes=aggregate == "mean_activation", reduction=reduction,
    )
    summaries = [None] * len(stats)
    if y is not None:
        data_means = stats[0].class_means()
        if aggregate == "mean_data":
            hidden = _mean_data(module, X, data_means, keys, layers, batch_size)
        else:
            hidden = [row.class_means() for row in stats[1:]]
        summaries = [data_means, *hidden]
    names = ["input", *keys]
    return [_row(index, names[index], row, summaries[index], ks)
            for index, row in enumerate(stats)], ks


def _row(index, name, stats, summary, ks):
    """One row of the report from a row's streamed statistics."""
    hspm = stats.hspm_values()
    row = {
        "layer": index,
        "name": name,
        "n_units": stats.n_units,
        "hspm_mean": np.nan if hspm is None else float(hspm.mean()),
        "hspm_std": np.nan if hspm is None else float(hspm.std()),
        "active_fraction": stats.n_active / (stats.n_rows * stats.n_units),
        "tau": float(stats.tau),
        # A module has no weights: only the data row has a reconstruction.
        "tau_error": float(stats.tau_error()) if index == 0 else np.nan,
        "aod_2": np.nan,
        "aod_all": np.nan,
        "aod_curve": np.nan,
    }
    if summary is not None:
        Z = _binarize(summary, stats.tau)
        ends = _overlap_curve(Z, np.array([2, Z.shape[0]]))
        row["aod_2"], row["aod_all"] = float(ends[0]), float(ends[1])
        row["aod_curve"] = _overlap_curve(Z, ks)
    return row


def torch_layer_score(module, X, y, *, metric, layer, k, tau, aggregate):
    """Mean HSPM or average AOD among ``k`` classes of one layer of a module.

    ``layer`` indexes the default layers (the activation modules in forward
    order).
    """
    aod = metric == "aod"
    codes, n_classes = None, 0
    X = _check_input(X)
    if aod:
        check_threshold_options(tau, aggregate,
                                example="make_sparsity_scorer('aod', tau=0.1)")
        if y is None:
            raise ValueError("The AOD scorer needs class labels y; got y=None.")
        n_classes, codes = _labels(y, X.shape[0])
        ks, _ = _check_ks(k, n_classes)
    keys, stats = _stream(
        module, X, None, None, codes=codes, n_classes=n_classes,
        data_row=aod and aggregate == "mean_data",
        layer_classes=aod and aggregate == "mean_activation",
        check_layers=partial(_layer_index, layer),
    )
    index = _layer_index(layer, len(keys))
    if not aod:
        hspm = stats[index + 1].hspm_values()
        if hspm is None:
            raise ValueError(
                f"HSPM needs at least 2 units; layer {index} ({keys[index]!r}) "
                "has 1."
            )
        return float(hspm.mean())
    if aggregate == "mean_data":
        summary = _mean_data(module, X, stats[0].class_means(), keys, None,
                             None)[index]
    else:
        summary = stats[index + 1].class_means()
    return float(_overlap_curve(_binarize(summary, tau), ks)[0])
