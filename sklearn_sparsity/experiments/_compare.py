"""Tables 1 and 2 of Li et al. (2013): DBN, DpRBM, Dsigm (and Drelu) compared.

One seed of the comparison is up to three independent tasks: the
*pretrained* task fits one :class:`~sklearn_sparsity.StackedRBMTransformer`
and starts both the DBN (fine-tuned) and the DpRBM (only the output layer
trained) from that same stack, so the stack is pretrained once; the *Dsigm*
task trains the randomly initialised sigmoid network, the *Drelu* task the
rectifier network (not in the paper: the control for "pretraining makes a
network sparse"). Each task measures, on the test set, the HSPM of every
hidden layer, the test error, the activation threshold tau of every layer (the
paper's rule), the share of activations below 0.01 and above 0.99 in every
layer (``saturated_low``, ``saturated_high``) and the average activation
overlapping degree (AOD) among ``k`` classes for every ``k``; the same
records serve Tables 1-2 and Figure 2.
"""

import time

import numpy as np

from ..metrics import mean_hoyer_sparseness
from ..metrics._layers import _class_summaries, _hidden_layers
from ..metrics._overlap import AGGREGATES, _binarize, _overlap_curve
from ..metrics._threshold import _select_threshold
from ._caching import checked_cache_dir, records_matching, run_cached
from ._data import load_experiment_data
from ._device import check_device, device_name, host_layers
from ._models import (
    make_classifier,
    make_stack,
    pretrain_rate,
    stack_training_seconds,
)
from ._records import summarize, to_frame
from ._runner import Task, run_tasks
from ._settings import get_settings


def _overlap_records(base, X, activations, layers, y, settings, rng):
    """tau and the average AOD among k classes of every layer (eqs. 7-10).

    Row 0 is the data ``X`` itself, row ``l`` hidden layer ``l`` with
    activations ``activations[l - 1]`` and weights ``layers[l - 1]`` (the
    metrics' layer adapter). tau is the paper's rule (the largest threshold
    that keeps the layer's reconstruction ``f(s W_l^T + c_l)`` of a
    ``tau_rows`` subsample of the test activations within ``tol=0.05`` in
    mean squared error; ``c_l`` the RBM's visible bias, none without
    pretraining; the identity reconstruction for the data). The AOD is
    recorded for each of the three readings of eq. (9) (key
    ``"aggregate"``): ``"mean_data"``, the paper's as written, the network's
    activation at the class mean of the data; ``"mean_input"``, the layer at
    the class mean of its input; ``"mean_activation"``, the class mean of
    the layer's activations.
    """
    classes = np.unique(y)
    ks = np.array([k for k in settings["ks"] if k <= len(classes)])
    rows = [X, *activations]
    n_rows = X.shape[0]
    subset = (np.sort(rng.choice(n_rows, settings["tau_rows"], replace=False))
              if settings["tau_rows"] and n_rows > settings["tau_rows"]
              else slice(None))
    taus = [_select_threshold(X[subset], None)[0]]
    taus += [_select_threshold(H[subset], layer.coef, layer.visible_intercept,
                               units=layer.units)[0]
             for H, layer in zip(activations, layers)]
    out = [{**base, "layer": index, "metric": "tau", "k": None,
            "value": float(tau)} for index, tau in enumerate(taus)]
    for aggregate in AGGREGATES:
        _, summaries = _class_summaries(X, rows[1:], layers, y, aggregate)
        for index, (summary, tau) in enumerate(zip(summaries, taus)):
            curve = _overlap_curve(_binarize(summary, tau), ks)
            out += [{**base, "layer": index, "metric": "aod", "k": int(k),
                     "aggregate": aggregate, "value": float(v)}
                    for k, v in zip(ks, curve)]
    return out


def _evaluate(model, clf, X_test, y_test, settings, seed, base, device=None,
              X_test_device=None):
    """Records of one fitted network on the test set.

    On a device, the network's forward passes run there (on
    ``X_test_device``); the metrics are computed on the host from the
    activations, predictions and weights copied back.
    """
    device = check_device(device)
    X_in = X_test if X_test_device is None else X_test_device
    activations = [device.host(H) for H in clf.transform_layers(X_in)]
    error = float(np.mean(device.host(clf.predict(X_in)) != y_test))
    base = {**base, "model": model, "seed": seed}
    out = [{**base, "layer": None, "metric": "test_error", "k": None,
            "value": error}]
    out += [{**base, "layer": i + 1, "metric": "hspm", "k": None,
             "value": mean_hoyer_sparseness(H)}
            for i, H in enumerate(activations)]
    # Saturation: the share of activations pinned near 0 or near 1 (for a
    # sigmoid layer, units in the flat parts of the curve), which explains
    # a high HSPM that does not come from pretraining.
    out += [{**base, "layer": i + 1, "metric": metric, "k": None,
             "value": float(np.mean(test(H)))}
            for i, H in enumerate(activations)
            for metric, test in (("saturated_low", lambda H: H < 0.01),
                                 ("saturated_high", lambda H: H > 0.99))]
    overlap = _overlap_records(base, X_test, activations,
                               host_layers(_hidden_layers(clf)), y_test,
                               settings, np.random.default_rng(seed))
    # Layer 0 is the data, reported once in the "data" rows.
    return out + [r for r in overlap if r["layer"] != 0]


def _data_records(dataset, X_test, y_test, settings):
    base = {"dataset": dataset, "model": "data", "seed": 0}
    counts = np.unique(np.asarray(y_test), return_counts=True)[1]
    out = [{**base, "layer": 0, "metric": "hspm", "k": None,
            "value": mean_hoyer_sparseness(X_test)},
           # Chance levels of the test set, for the claims' "did not learn":
           # its classes, and the error of always predicting the most
           # frequent one.
           {**base, "layer": None, "metric": "n_classes", "k": None,
            "value": float(counts.size)},
           {**base, "layer": None, "metric": "majority_error", "k": None,
            "value": float(1 - counts.max() / counts.sum())}]
    overlap = _overlap_records(base, X_test, [], [], y_test, settings,
                               np.random.default_rng(0))
    return out + overlap


#: The networks whose records each kind of comparison task returns.
_TASK_MODELS = {"data": ("data",), "pretrained": ("DBN", "DpRBM", "RBM stack"),
                "dsigm": ("Dsigm",), "drelu": ("Drelu",)}


def _comparison_task(kind, dataset, settings, seed, data_home=None,
                     cache_dir=None, verbose=0, device="numpy"):
    """One task of the comparison; returns its records (cached on disk).

    ``verbose`` is passed to the estimators (per-epoch lines); it is not part
    of the cache key. ``device`` (see ``check_device``) is.
    """
    seeds = (0,) if kind == "data" else (seed,)
    is_valid = records_matching(dataset=dataset, model=_TASK_MODELS[kind],
                                seed=seeds)
    return run_cached(_comparison_task_uncached, cache_dir, is_valid, kind,
                      dataset, settings, seed, data_home=data_home,
                      cache_dir=cache_dir, verbose=verbose, device=device)


def _comparison_task_uncached(kind, dataset, settings, seed, data_home=None,
                              cache_dir=None, verbose=0, device="numpy"):
    X, y, X_test, y_test, _ = load_experiment_data(dataset, settings, data_home)
    if kind == "data":  # measures the data only: the same on every device
        return _data_records(dataset, X_test, y_test, settings)
    device = check_device(device)
    with device.context():
        return _train_and_evaluate(kind, dataset, settings, seed, device,
                                   (X, y, X_test, y_test), cache_dir, verbose)


def _train_and_evaluate(kind, dataset, settings, seed, device, data, cache_dir,
                        verbose):
    X, y, X_test, y_test = data
    # On a device the data are copied there once; the estimators train there.
    X_fit, y_fit, X_test_device = (device.put(X), device.put(y),
                                   device.put(X_test))
    base = {"dataset": dataset}
    out = []
    if kind == "pretrained":
        models = [m for m in ("DBN", "DpRBM") if m in settings["models"]]
        stacks = {}
        for model in models:
            rate = pretrain_rate(settings, model)
            if rate not in stacks:  # one stack when the rates agree
                stacks[rate] = make_stack(settings, seed, learning_rate=rate,
                                          cache_dir=cache_dir,
                                          verbose=verbose,
                                          device=device.name).fit(X_fit)
                out.append({**base, "model": "RBM stack", "seed": seed,
                            "layer": None, "metric": "fit_time_s", "k": None,
                            "value": stack_training_seconds(stacks[rate]),
                            "pretrain_lr": rate})
    else:
        stacks, models = {}, _TASK_MODELS[kind]
    for model in models:
        stack = stacks.get(pretrain_rate(settings, model)) if stacks else None
        tic = time.perf_counter()
        clf = make_classifier(model, settings, seed, verbose=verbose).fit(
            X_fit, y_fit, pretrainer=stack)
        seconds = time.perf_counter() - tic
        out += _evaluate(model, clf, X_test, y_test, settings, seed, base,
                         device, X_test_device)
        out.append({**base, "model": model, "seed": seed, "layer": None,
                    "metric": "fit_time_s", "k": None, "value": seconds})
    return out


def comparison_tasks(dataset, settings, n_seeds, data_home=None, cache_dir=None,
                     fit_verbose=0, device="numpy"):
    """The tasks of the comparison: the data, then up to three per seed."""
    common = {"dataset": dataset, "settings": settings, "data_home": data_home,
              "cache_dir": cache_dir, "verbose": fit_verbose,
              "device": device_name(device)}
    # Costs for the estimate of the remaining time: the data task only
    # measures; the pretrained task trains a stack and two networks.
    tasks = [Task(f"{dataset} data", _comparison_task,
                  {"kind": "data", "seed": 0, **common}, cost=0.02)]
    models = settings["models"]
    pretrained = "+".join(m for m in ("DBN", "DpRBM") if m in models)
    for seed in range(n_seeds):
        if pretrained:
            tasks.append(Task(f"{dataset} {pretrained} seed={seed}",
                              _comparison_task,
                              {"kind": "pretrained", "seed": seed, **common},
                              cost=2.0 if "+" in pretrained else 1.5))
        for model in ("Dsigm", "Drelu"):
            if model in models:
                tasks.append(Task(f"{dataset} {model} seed={seed}",
                                  _comparison_task,
                                  {"kind": model.lower(), "seed": seed,
                                   **common}))
    return tasks


def run_comparison(dataset="digits", *, scale="quick", settings=None,
                   data_home=None, n_seeds=1, n_jobs=1, backend=None,
                   cache_dir=None, verbose=1, file=None,
                   status=False, device="numpy", journal=None,
                   run_missing=True):
    """Records of the comparison and the run report (no pandas needed).

    Parameters are those of :func:`compare_pretraining`.

    Returns
    -------
    records : list of dict
        One dict per measured value (keys ``dataset, model, seed, layer,
        metric, k, value``), from the tasks that finished.
    report : RunReport
        Including the errors of the tasks that failed.
    """
    settings = get_settings(dataset, scale, settings)
    cache_dir = checked_cache_dir(cache_dir)
    tasks = comparison_tasks(dataset, settings, n_seeds, data_home, cache_dir,
                             fit_verbose=1 if status else max(0, verbose - 1),
                             device=device)
    report = run_tasks(tasks, n_jobs=n_jobs, backend=backend, verbose=verbose,
                       file=file, status=status, journal=journal,
                       run_missing=run_missing)
    records = [rec for value in report.results.values() for rec in value]
    return records, report


def _warn_failures(report):
    if report.errors:
        import warnings

        failed = "; ".join(f"{k}: {v}" for k, v in report.errors.items())
        warnings.warn(f"Some runs failed and are missing from the result: "
                      f"{failed}", RuntimeWarning, stacklevel=3)


def compare_pretraining(dataset="digits", *, scale="quick", settings=None,
                        data_home=None, n_seeds=1, n_jobs=1, backend=None,
                        cache_dir=None, verbose=0, return_runs=False,
                        device="numpy"):
    """Tables 1 and 2: sparseness and test error of DBN, DpRBM, Dsigm and Drelu.

    For every seed, one RBM stack is pretrained and both the DBN
    (pretraining + fine-tuning) and the DpRBM (pretrained hidden layers kept
    as they are, only the output layer trained) start from it; the Dsigm
    (same network, random initialisation, back-propagation only) and the
    Drelu (rectifier hidden units, He initialisation; not in the paper) are
    trained independently. ``settings["models"]`` selects the networks. All
    networks train for a fixed number of epochs (``tol=None``), as in the
    paper. On the test set, the function measures
    the mean HSPM of the input (``model="data"``, ``layer=0``) and of every
    hidden layer, the test error, the threshold tau of every layer (the
    paper's rule, see :func:`overlap_vs_classes`) and the average AOD among
    ``k`` classes.

    Parameters
    ----------
    dataset : {"digits", "mnist", "birdsong"}, default="digits"
        ``"mnist"``: Table 1 (network 500-500-2000); ``"birdsong"``: Table 2
        (50-100-100); ``"digits"``: scikit-learn's embedded 8 x 8 digits
        (256-256), which needs no download.
    scale : {"quick", "paper"}, default="quick"
        ``"quick"``: a few epochs; ``"paper"``: 50 pretraining epochs per
        layer and 200 (MNIST) or 100 (Birdsong) fine-tuning epochs.
    settings : dict or None, default=None
        Overrides of the scale's settings (see ``get_settings``), e.g.
        ``{"finetune_epochs": 5, "max_train": 1000}``.
    data_home : str or path-like, default=None
        Data folder, passed to the loaders.
    n_seeds : int, default=1
        Independent repetitions (seeds ``0 .. n_seeds - 1``).
    n_jobs : int, default=1
        Parallel workers over the independent runs (1 BLAS thread each when
        ``n_jobs != 1``).
    backend : str or None, default=None
        Name of a joblib backend, e.g. ``"loky"`` or ``"dask"``.
    cache_dir : str or None, default=None
        Folder of the joblib cache: the RBM layers and every finished run are
        stored there, so a re-run or Figure 2 reuses them. It must be private
        to the user (see ``check_cache_dir``).
    verbose : int, default=0
        ``1``: print one progress line per finished run. ``2``: also the
        estimators' per-epoch lines, each prefixed with its run's name (runs
        loaded from the cache print none).
    return_runs : bool, default=False
        Also return the per-seed values.
    device : str, default="numpy"
        Where the networks train: ``"numpy"`` (NumPy arrays on the CPU) or a
        PyTorch device such as ``"cuda"`` or ``"cpu"`` (needs PyTorch; the
        array API path, see the user guide's array API page). On a device
        the test-set forward passes run there too; the metrics are computed
        on the host by the same code. Seeded runs repeat on one device, but
        their numbers differ between devices (other random draws).

    Returns
    -------
    summary : pandas.DataFrame
        One row per ``(dataset, model, layer, metric, k)`` with columns
        ``mean``, ``std`` (over seeds, NaN for one seed) and ``n_seeds``.
        Metrics: ``"hspm"``, ``"test_error"``, ``"tau"``, ``"aod"`` (``k=2``
        only here; all ``k`` in :func:`overlap_vs_classes`) and
        ``"fit_time_s"`` (model ``"RBM stack"``: the training time of its
        layers from ``history_``, also for layers loaded from the cache; the
        networks: their back-propagation time).
    runs : pandas.DataFrame
        The per-seed values (column ``value``), if ``return_runs``.

    Examples
    --------
    >>> from sklearn_sparsity.experiments import compare_pretraining
    >>> summary = compare_pretraining(
    ...     "digits", settings={"hidden_layer_sizes": (32, 32),
    ...                         "pretrain_epochs": 2, "finetune_epochs": 5})
    >>> hspm = summary[summary.metric == "hspm"]
    >>> hspm.pivot(index="model", columns="layer", values="mean").shape
    (5, 3)
    """
    records, report = run_comparison(
        dataset, scale=scale, settings=settings, data_home=data_home,
        n_seeds=n_seeds, n_jobs=n_jobs, backend=backend, cache_dir=cache_dir,
        verbose=verbose, device=device,
    )
    _warn_failures(report)
    records = [r for r in records if r["metric"] != "aod" or r["k"] == 2]
    summary = to_frame(summarize(records))
    summary.attrs["failures"] = dict(report.errors)
    if return_runs:
        return summary, to_frame(records)
    return summary
