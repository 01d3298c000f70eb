"""Figure 1 of Li et al. (2013): sparseness during pretraining.

(a) HSPM of each layer of the pretrained stack per epoch; (b) one RBM layer
of increasing width; (c) five-layer stacks. The per-epoch values come from the
stack's ``history_``: the mean HSPM of the positive-phase hidden
probabilities of the **training** minibatches during that epoch (no extra
pass over the data); the HSPM of every layer on the **test** set is measured
once, after the last epoch (``metric="hspm_test"``).
"""

from ..metrics import mean_hoyer_sparseness
from ._caching import checked_cache_dir
from ._compare import _warn_failures
from ._data import load_experiment_data
from ._device import check_device, device_name
from ._models import make_stack, pretrain_rate, stack_training_seconds
from ._records import summarize, to_frame
from ._runner import Task, run_tasks
from ._settings import get_settings


def _profile_task(dataset, settings, sizes, n_epochs, seed, experiment,
                  data_home=None, cache_dir=None, verbose=0, device="numpy"):
    """Fit one stack; records of its per-epoch history and test HSPM."""
    X, _, X_test, _, _ = load_experiment_data(dataset, settings, data_home)
    device = check_device(device)
    with device.context():
        stack = make_stack(settings, seed, learning_rate=pretrain_rate(settings),
                           sizes=sizes, n_epochs=n_epochs, cache_dir=cache_dir,
                           verbose=verbose,
                           device=device.name).fit(device.put(X))
        test_layers = [device.host(H)
                       for H in stack.transform_layers(device.put(X_test))]
    seconds = stack_training_seconds(stack)
    base = {"experiment": experiment, "dataset": dataset, "width": sizes[0],
            "n_layers": len(sizes), "seed": seed}
    out = []
    for layer, hist in enumerate(stack.history_, start=1):
        for epoch, (h, r) in enumerate(
            zip(hist["hspm"], hist["reconstruction_error"]), start=1
        ):
            out.append({**base, "layer": layer, "epoch": epoch,
                        "metric": "hspm_train", "value": float(h)})
            out.append({**base, "layer": layer, "epoch": epoch,
                        "metric": "reconstruction_error", "value": float(r)})
    for layer, H in enumerate(test_layers, start=1):
        out.append({**base, "layer": layer, "epoch": n_epochs,
                    "metric": "hspm_test", "value": mean_hoyer_sparseness(H)})
    out.append({**base, "layer": None, "epoch": n_epochs, "metric": "fit_time_s",
                "value": seconds})
    return out


def profile_tasks(experiment, dataset, settings, n_seeds, data_home=None,
                  cache_dir=None, fit_verbose=0, device="numpy"):
    """Tasks of Figure 1(a) ("epochs"), 1(b) ("width") or 1(c) ("depth")."""
    if experiment == "epochs":
        configs = [(settings["hidden_layer_sizes"], settings["pretrain_epochs"])]
        # The caption of Figure 1(a) gives its own momentum schedule.
        settings = {**settings,
                    "momentum_schedule": settings["figure1a_momentum_schedule"]}
    elif experiment == "width":
        configs = [((w,), settings["profile_epochs"])
                   for w in settings["width_sizes"]]
    elif experiment == "depth":
        configs = [((w,) * settings["depth_layers"], settings["profile_epochs"])
                   for w in settings["depth_sizes"]]
    else:
        raise ValueError(f"Unknown Figure 1 experiment {experiment!r}.")
    tasks = []
    for sizes, n_epochs in configs:
        for seed in range(n_seeds):
            name = (f"{dataset} {experiment} "
                    f"{'-'.join(map(str, sizes))} x{n_epochs} seed={seed}")
            tasks.append(Task(name, _profile_task, {
                "dataset": dataset, "settings": settings, "sizes": tuple(sizes),
                "n_epochs": n_epochs, "seed": seed, "experiment": experiment,
                "data_home": data_home, "cache_dir": cache_dir,
                "verbose": fit_verbose, "device": device_name(device),
            }, cost=n_epochs * sum(sizes) / 1000))
    return tasks


def run_profile(experiment, dataset="digits", *, scale="quick", settings=None,
                data_home=None, n_seeds=1, n_jobs=1, backend=None,
                cache_dir=None, verbose=1, file=None,
                status=False, device="numpy", journal=None,
                   run_missing=True):
    """Records and run report of one Figure 1 experiment (no pandas needed)."""
    settings = get_settings(dataset, scale, settings)
    cache_dir = checked_cache_dir(cache_dir)
    tasks = profile_tasks(experiment, dataset, settings, n_seeds, data_home,
                          cache_dir, fit_verbose=1 if status else max(0, verbose - 1),
                          device=device)
    report = run_tasks(tasks, n_jobs=n_jobs, backend=backend, verbose=verbose,
                       file=file, status=status, journal=journal,
                       run_missing=run_missing)
    return [r for v in report.results.values() for r in v], report


def _public(experiment, dataset, kwargs):
    return_runs = kwargs.pop("return_runs")
    records, report = run_profile(experiment, dataset, **kwargs)
    _warn_failures(report)
    summary = to_frame(summarize(records))
    summary.attrs["failures"] = dict(report.errors)
    return (summary, to_frame(records)) if return_runs else summary


_PARAMS_DOC = """
    Parameters
    ----------
    dataset : {"digits", "mnist", "birdsong"}, default="digits"
        Data set (see :func:`compare_pretraining`).
    scale : {"quick", "paper"}, default="quick"
        Number of epochs and sizes (see :func:`get_settings`).
    settings : dict or None, default=None
        Overrides of the scale's settings.
    data_home : str or path-like, default=None
        Data folder, passed to the loaders.
    n_seeds : int, default=1
        Independent repetitions.
    n_jobs : int, default=1
        Parallel workers over the independent runs.
    backend : str or None, default=None
        Name of a joblib backend, e.g. ``"loky"`` or ``"dask"``.
    cache_dir : str or None, default=None
        Folder of the joblib cache of the RBM layers (see the reliability
        section of the user guide; it must be private to the user).
    verbose : int, default=0
        ``1``: print one progress line per finished run. ``2``: also one line
        per epoch of every RBM layer, prefixed with its run's name (layers
        loaded from the cache print none).
    return_runs : bool, default=False
        Also return the per-seed values.

    Returns
    -------
    summary : pandas.DataFrame
        One row per ``(experiment, dataset, width, n_layers, layer, epoch,
        metric)`` with ``mean``, ``std`` over seeds and ``n_seeds``. Metrics:
        ``"hspm_train"`` and ``"reconstruction_error"`` per epoch (training
        minibatches, from ``history_``), ``"hspm_test"`` after the last epoch,
        ``"fit_time_s"`` (seconds spent training the layers, from
        ``history_``: also for layers loaded from the cache).
    runs : pandas.DataFrame
        The per-seed values, if ``return_runs``.
"""


def sparsity_vs_epochs(dataset="digits", *, scale="quick", settings=None,
                       data_home=None, n_seeds=1, n_jobs=1, backend=None,
                       cache_dir=None, verbose=0, return_runs=False):
    kwargs = dict(locals())
    return _public("epochs", kwargs.pop("dataset"), kwargs)


sparsity_vs_epochs.__doc__ = """Figure 1(a): HSPM of every layer per pretraining epoch.

    The stack has the network, epochs and seeds of
    :func:`compare_pretraining` and the DpRBM's pretraining rate, with the
    momentum schedule of the caption of the paper's Figure 1(a),
    ``settings["figure1a_momentum_schedule"]`` (``"step"``: 0.5 for the
    first half of the epochs, then 0.9); with ``"linear"``, the tables'
    schedule, and a ``cache_dir`` it is the very stack of the tables, loaded
    from the cache.
""" + _PARAMS_DOC + """
    Examples
    --------
    >>> from sklearn_sparsity.experiments import sparsity_vs_epochs
    >>> s = sparsity_vs_epochs("digits", settings={"hidden_layer_sizes": (16, 16),
    ...                                            "pretrain_epochs": 2})
    >>> sorted(s[s.metric == "hspm_train"].epoch.unique().tolist())
    [1, 2]
"""


def sparsity_vs_width(dataset="digits", *, scale="quick", settings=None,
                      data_home=None, n_seeds=1, n_jobs=1, backend=None,
                      cache_dir=None, verbose=0, return_runs=False):
    kwargs = dict(locals())
    return _public("width", kwargs.pop("dataset"), kwargs)


sparsity_vs_width.__doc__ = """Figure 1(b): HSPM of one RBM layer of growing width.

    One single-layer RBM per width in ``settings["width_sizes"]`` (MNIST,
    paper scale: 500, 1000, 2000, 3000, 4000 and 5000 units), trained for
    ``settings["profile_epochs"]`` epochs (1000 in the paper).
""" + _PARAMS_DOC + """
    Examples
    --------
    >>> from sklearn_sparsity.experiments import sparsity_vs_width
    >>> s = sparsity_vs_width("digits", settings={"width_sizes": (8, 16),
    ...                                           "profile_epochs": 1})
    >>> sorted(s.width.unique().tolist())
    [8, 16]
"""


def sparsity_vs_depth(dataset="digits", *, scale="quick", settings=None,
                      data_home=None, n_seeds=1, n_jobs=1, backend=None,
                      cache_dir=None, verbose=0, return_runs=False):
    kwargs = dict(locals())
    return _public("depth", kwargs.pop("dataset"), kwargs)


sparsity_vs_depth.__doc__ = """Figure 1(c): HSPM of every layer of deep stacks.

    Stacks of ``settings["depth_layers"]`` (5) layers of equal width, one per
    width in ``settings["depth_sizes"]`` (MNIST: 500 and 1000 units), each
    layer trained for ``settings["profile_epochs"]`` epochs.
""" + _PARAMS_DOC + """
    Examples
    --------
    >>> from sklearn_sparsity.experiments import sparsity_vs_depth
    >>> s = sparsity_vs_depth("digits", settings={"depth_sizes": (8,),
    ...                                           "depth_layers": 3,
    ...                                           "profile_epochs": 1})
    >>> sorted(s[s.metric == "hspm_test"].layer.unique().tolist())
    [1, 2, 3]
"""
