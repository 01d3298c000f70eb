"""Learning rates chosen as the paper did, on validation data.

The paper uses "a constant learning rate chosen from {1, 0.1, 0.05, 0.01}"
(Section 5) and does not say which rate each network got. This module picks
them from that set the way a practitioner would: every network is trained
with every rate on part of the **training** data and judged by its error on
the rest (a stratified validation split); the test set is never used.

Each network gets its own rates: the DBN and the DpRBM each choose a
pretraining rate and a back-propagation rate jointly (16 pairs), the Dsigm
and the Drelu a back-propagation rate (4). ``settings["models"]`` limits the
grid to some networks. The grid's records keep every point, so the other
reading, one stack shared by the DBN and the DpRBM as in Tables 1-2 before,
can be read off the same file.
"""

import tempfile
import time
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split

from ..metrics import mean_hoyer_sparseness
from ._caching import checked_cache_dir, records_matching, run_cached
from ._compare import _warn_failures
from ._data import load_experiment_data
from ._device import check_device, device_name
from ._models import MODELS, make_classifier, make_stack, stack_training_seconds
from ._records import summarize, to_frame
from ._runner import Task, run_tasks
from ._settings import PRETRAINED, get_settings

#: Seed of the validation split: one split for every network, rate and seed.
SPLIT_SEED = 0


def validation_split(X, y, fraction):
    """The stratified ``(X_fit, X_val, y_fit, y_val)`` split of the training data.

    The same split for every network and rate (``random_state=SPLIT_SEED``),
    so the rates are compared on the same held-out rows.
    """
    return train_test_split(X, y, test_size=fraction, stratify=y,
                            random_state=SPLIT_SEED)


#: Rows of the conventional MNIST validation split: the last 10,000 of the
#: official 60,000 training images (the first 50,000 train).
OFFICIAL_VALIDATION_ROWS = 10_000


def _split_data(dataset, settings, data_home):
    # The test part of the data set is not used: rates are chosen on a
    # validation split of the training data only.
    if settings.get("validation_split", "stratified") == "official":
        X, y, _, _, _ = load_experiment_data(dataset, settings, data_home,
                                             shuffle=False)
        if dataset != "mnist" or X.shape[0] != 60_000:
            raise ValueError(
                "validation_split='official' is the conventional split of the "
                "full MNIST training set (first 50,000 images train, last "
                f"10,000 validate); this {dataset} training set has "
                f"{X.shape[0]} rows. Use validation_split='stratified'.")
        n_fit = X.shape[0] - OFFICIAL_VALIDATION_ROWS
        order = np.random.default_rng(0).permutation(n_fit)
        return X[:n_fit][order], X[n_fit:], y[:n_fit][order], y[n_fit:]
    X, y, _, _, _ = load_experiment_data(dataset, settings, data_home)
    return validation_split(X, y, settings["validation_fraction"])


def _hspm_records(base, layers):
    return [{**base, "layer": i, "metric": "hspm_validation",
             "value": mean_hoyer_sparseness(H)}
            for i, H in enumerate(layers, start=1)]


def _selection_task(kind, dataset, settings, seed, pretrain_lr=None, lr=None,
                    data_home=None, cache_dir=None, verbose=0, device="numpy"):
    """One point of the grid (cached on disk); returns its records.

    ``kind`` is ``"stack"`` (pretrain one stack: its layers go to the layer
    cache, for the networks that start from it) or a network name.
    """
    is_valid = records_matching(
        dataset=dataset, seed=seed, pretrain_lr=pretrain_lr,
        lr=None if kind == "stack" else lr,
        model="RBM stack" if kind == "stack" else kind)
    return run_cached(_selection_task_uncached, cache_dir, is_valid, kind,
                      dataset, settings, seed, pretrain_lr=pretrain_lr, lr=lr,
                      data_home=data_home, cache_dir=cache_dir, verbose=verbose,
                      device=device)


def _selection_task_uncached(kind, dataset, settings, seed, pretrain_lr=None,
                             lr=None, data_home=None, cache_dir=None, verbose=0,
                             device="numpy"):
    data = _split_data(dataset, settings, data_home)
    device = check_device(device)
    with device.context():
        return _fit_and_validate(kind, dataset, settings, seed, pretrain_lr, lr,
                                 data, device, cache_dir, verbose)


def _fit_and_validate(kind, dataset, settings, seed, pretrain_lr, lr, data,
                      device, cache_dir, verbose):
    X_fit_host, X_val_host, y_fit, y_val = data
    host, X_fit, X_val = device.host, device.put(X_fit_host), device.put(X_val_host)
    model = "RBM stack" if kind == "stack" else kind
    base = {"dataset": dataset, "model": model, "pretrain_lr": pretrain_lr,
            "lr": lr, "seed": seed}
    stack = None
    if kind == "stack" or kind in PRETRAINED:
        stack = make_stack(settings, seed, learning_rate=pretrain_lr,
                           cache_dir=cache_dir, verbose=verbose,
                           device=device.name).fit(X_fit)
    if kind == "stack":
        out = _hspm_records(base, [host(H) for H in stack.transform_layers(X_val)])
        out.append({**base, "layer": None, "metric": "fit_time_s",
                    "value": stack_training_seconds(stack)})
        return out
    tic = time.perf_counter()
    with warnings.catch_warnings():
        # Some points of the grid are expected not to learn (their
        # validation error says so); no warning per point.
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf = make_classifier(kind, settings, seed, learning_rate=lr,
                              verbose=verbose).fit(X_fit, device.put(y_fit),
                                                   pretrainer=stack)
    seconds = time.perf_counter() - tic
    proba = host(clf.predict_proba(X_val))
    classes = host(clf.classes_)
    y_index = np.searchsorted(classes, y_val)
    p_true = np.clip(proba[np.arange(len(y_val)), y_index], 1e-15, 1.0)
    out = [
        {**base, "layer": None, "metric": "validation_error",
         "value": float(np.mean(classes[proba.argmax(axis=1)] != y_val))},
        {**base, "layer": None, "metric": "validation_log_loss",
         "value": float(-np.mean(np.log(p_true)))},
        {**base, "layer": None, "metric": "training_error",
         "value": float(np.mean(host(clf.predict(X_fit)) != y_fit))},
        {**base, "layer": None, "metric": "fit_time_s", "value": seconds},
    ]
    return out + _hspm_records(base, [host(H)
                                      for H in clf.transform_layers(X_val)])


def selection_tasks(dataset, settings, n_seeds, data_home=None, cache_dir=None,
                    fit_verbose=0, device="numpy"):
    """The grid's tasks: the stacks first, then the Dsigm, Drelu, DpRBM and DBN runs.

    Stacks come first so that parallel workers find them in the layer cache
    when the networks that start from them begin. Only the networks of
    ``settings["models"]`` are in the grid.
    """
    rates = settings["rate_grid"]
    models = settings["models"]
    pretrained = [m for m in PRETRAINED[::-1] if m in models]
    common = {"dataset": dataset, "settings": settings, "data_home": data_home,
              "cache_dir": cache_dir, "verbose": fit_verbose,
              "device": device_name(device)}
    tasks = []
    for seed in range(n_seeds if pretrained else 0):
        tasks += [Task(f"{dataset} stack pretrain_lr={p} seed={seed}",
                       _selection_task,
                       {"kind": "stack", "seed": seed, "pretrain_lr": p, **common},
                       cost=0.5)
                  for p in rates]
    for seed in range(n_seeds):
        for model in ("Dsigm", "Drelu"):
            if model in models:
                tasks += [Task(f"{dataset} {model} lr={f} seed={seed}",
                               _selection_task,
                               {"kind": model, "seed": seed, "lr": f, **common})
                          for f in rates]
        for p in rates:
            for model in pretrained:  # DpRBM: one layer to train, faster
                tasks += [Task(f"{dataset} {model} pretrain_lr={p} lr={f} "
                               f"seed={seed}", _selection_task,
                               {"kind": model, "seed": seed, "pretrain_lr": p,
                                "lr": f, **common},
                               cost=0.5 if model == "DpRBM" else 1.0)
                          for f in rates]
    return tasks


def run_selection(dataset="digits", *, scale="quick", settings=None,
                  data_home=None, n_seeds=1, n_jobs=1, backend=None,
                  cache_dir=None, verbose=1, file=None,
                  status=False, device="numpy", journal=None,
                   run_missing=True):
    """Records of the learning-rate grid and the run report (no pandas needed).

    Without a ``cache_dir`` a temporary folder holds the stacks while the
    grid runs, so that each stack is pretrained once, not once per network
    (give a folder that every worker can see when the runs go to a Dask
    cluster).
    """
    settings = get_settings(dataset, scale, settings)
    cache_dir = checked_cache_dir(cache_dir)
    with tempfile.TemporaryDirectory(prefix="sklearn_sparsity_") as tmp:
        cache = tmp if cache_dir is None else cache_dir
        tasks = selection_tasks(dataset, settings, n_seeds, data_home, cache,
                                fit_verbose=1 if status else max(0, verbose - 1),
                                device=device)
        report = run_tasks(tasks, n_jobs=n_jobs, backend=backend,
                           verbose=verbose, file=file, status=status,
                           journal=journal,
                       run_missing=run_missing)
    records = [rec for value in report.results.values() for rec in value]
    return records, report


def chosen_rates(summary, rates=None):
    """The rates each network's validation error selects, from grid summaries.

    For each network, the rate (or pretraining and back-propagation pair)
    with the lowest mean validation error over seeds; ties go to the lower
    validation log loss, then to the order of ``rates`` (the paper's set,
    largest rate first).

    Parameters
    ----------
    summary : list of dict
        Summary records of the grid (from ``summarize`` of
        :func:`run_selection`'s records).
    rates : sequence of float, default=None
        The grid's rates in order, for the last tie-break (default: the
        order of appearance).

    Returns
    -------
    chosen : dict
        ``{"pretrain_learning_rate": {"DBN": p, "DpRBM": p}, "learning_rate":
        {"DBN": f, "DpRBM": f, "Dsigm": f, "Drelu": f}}``, a valid ``settings`` override
        of :func:`~sklearn_sparsity.experiments.get_settings`; networks
        missing from ``summary`` (failed runs) are left out.
    """
    order = list(rates) if rates is not None else []

    def rank(rate):
        if rate is None:
            return -1
        if rate not in order:
            order.append(rate)
        return order.index(rate)

    def value(model, p, f, metric):
        for r in summary:
            if (r["model"], r["pretrain_lr"], r["lr"], r["metric"]) == (
                    model, p, f, metric):
                return r["mean"]
        return np.inf

    chosen = {"pretrain_learning_rate": {}, "learning_rate": {}}
    for model in MODELS:
        points = {(r["pretrain_lr"], r["lr"]) for r in summary
                  if r["model"] == model and r["metric"] == "validation_error"}
        if not points:
            continue
        best = min(points, key=lambda pf: (
            value(model, *pf, "validation_error"),
            value(model, *pf, "validation_log_loss"), rank(pf[0]), rank(pf[1])))
        if model in PRETRAINED:
            chosen["pretrain_learning_rate"][model] = best[0]
        chosen["learning_rate"][model] = best[1]
    return chosen


def select_learning_rates(dataset="digits", *, scale="quick", settings=None,
                          data_home=None, n_seeds=1, n_jobs=1, backend=None,
                          cache_dir=None, verbose=0, return_runs=False):
    """Choose each network's learning rates from the paper's set, on validation data.

    Every network is trained with every rate of ``settings["rate_grid"]``
    (the paper's {1, 0.1, 0.05, 0.01}) on a stratified ``1 -
    validation_fraction`` part of the training data (the same split for
    every point) and scored on the held-out rest: the DBN and the DpRBM for
    every pair of pretraining and back-propagation rates, the Dsigm and the
    Drelu for every back-propagation rate (the networks of
    ``settings["models"]``), with the scale's epochs (the paper's at
    ``scale="paper"``). The test set is never used. The rates with the
    lowest mean validation error over the seeds are selected (see
    ``summary.attrs["selected"]``).

    Parameters
    ----------
    dataset : {"digits", "mnist", "birdsong"}, default="digits"
        Data set (see :func:`compare_pretraining`).
    scale : {"quick", "paper"}, default="quick"
        Epochs and sizes.
    settings : dict or None, default=None
        Overrides of the scale's settings (``"rate_grid"``,
        ``"validation_fraction"``, epochs, ...).
    data_home : str or path-like, default=None
        Data folder, passed to the loaders.
    n_seeds : int, default=1
        Seeds of every grid point (the mean validation error decides).
    n_jobs : int, default=1
        Parallel workers over the grid's runs.
    backend : str or None, default=None
        Name of a joblib backend, e.g. ``"loky"`` or ``"dask"``.
    cache_dir : str or None, default=None
        Folder of the joblib cache of the stacks and the finished runs.
    verbose : int, default=0
        ``1``: a progress line per finished run; ``2``: also every epoch.
    return_runs : bool, default=False
        Also return the per-seed values.

    Returns
    -------
    summary : pandas.DataFrame
        One row per ``(model, pretrain_lr, lr, metric, layer)`` with
        ``mean``, ``std`` and ``n_seeds``. Metrics: ``"validation_error"``,
        ``"validation_log_loss"``, ``"training_error"``,
        ``"hspm_validation"`` (per hidden layer, on the validation rows) and
        ``"fit_time_s"``; model ``"RBM stack"`` rows describe the stacks
        (``lr`` None). ``summary.attrs["selected"]`` holds the chosen rates
        as a ``settings`` override (see :func:`get_settings`).
    runs : pandas.DataFrame
        The per-seed values, if ``return_runs``.

    Examples
    --------
    >>> from sklearn_sparsity.experiments import select_learning_rates
    >>> s = select_learning_rates("digits", settings={
    ...     "hidden_layer_sizes": (16,), "pretrain_epochs": 1,
    ...     "finetune_epochs": 2, "rate_grid": (1.0, 0.1)})
    >>> sorted(s.attrs["selected"]["learning_rate"])
    ['DBN', 'DpRBM', 'Drelu', 'Dsigm']
    """
    records, report = run_selection(
        dataset, scale=scale, settings=settings, data_home=data_home,
        n_seeds=n_seeds, n_jobs=n_jobs, backend=backend, cache_dir=cache_dir,
        verbose=verbose)
    _warn_failures(report)
    summary_records = summarize(records)
    rates = get_settings(dataset, scale, settings)["rate_grid"]
    summary = to_frame(summary_records)
    summary.attrs["selected"] = chosen_rates(summary_records, rates)
    summary.attrs["failures"] = dict(report.errors)
    if return_runs:
        return summary, to_frame(records)
    return summary
