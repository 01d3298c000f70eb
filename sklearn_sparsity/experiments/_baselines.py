"""What a user would pick instead: scikit-learn's ``MLPClassifier`` on the same data.

Beside the paper's networks, Table 1's test errors mean more next to the
network a practitioner would train without this library: scikit-learn's
:class:`~sklearn.neural_network.MLPClassifier` with its defaults (one
ReLU layer of 100 units, Adam, early convergence by ``tol``), and with the
paper's hidden layers (500-500-2000, every other setting left at its
default). Both are trained on the experiment's training data and measured
on its test set with the package's public metrics: the test error, the HSPM
of every hidden layer and the epochs Adam ran.
"""

import time

import numpy as np
from sklearn.neural_network import MLPClassifier

from ..metrics import layer_activations, mean_hoyer_sparseness
from ._caching import checked_cache_dir, records_matching, run_cached
from ._data import load_experiment_data
from ._runner import Task, run_tasks
from ._settings import get_settings

#: The baselines: a name and ``MLPClassifier`` parameters (besides the seed).
BASELINES = {
    "MLPClassifier()": {},
    "MLPClassifier(paper's layers)": "hidden_layer_sizes",
}


def _params(name, settings):
    given = BASELINES[name]
    if given == "hidden_layer_sizes":
        return {"hidden_layer_sizes": settings["hidden_layer_sizes"]}
    return dict(given)


def _baseline_task(dataset, settings, name, seed, data_home=None,
                   cache_dir=None, verbose=0):
    """One baseline fit (cached on disk); its records."""
    is_valid = records_matching(dataset=dataset, model=name, seed=seed)
    return run_cached(_baseline_task_uncached, cache_dir, is_valid, dataset,
                      settings, name, seed, data_home=data_home,
                      cache_dir=cache_dir, verbose=verbose)


def _baseline_task_uncached(dataset, settings, name, seed, data_home=None,
                            cache_dir=None, verbose=0):
    X, y, X_test, y_test, _ = load_experiment_data(dataset, settings, data_home)
    clf = MLPClassifier(**_params(name, settings), random_state=seed,
                        verbose=bool(verbose))
    tic = time.perf_counter()
    clf.fit(X, y)
    seconds = time.perf_counter() - tic
    base = {"dataset": dataset, "model": name, "seed": seed}
    out = [{**base, "layer": None, "metric": "test_error",
            "value": float(np.mean(clf.predict(X_test) != y_test))},
           {**base, "layer": None, "metric": "n_iter",
            "value": float(clf.n_iter_)},
           {**base, "layer": None, "metric": "fit_time_s", "value": seconds}]
    out += [{**base, "layer": i, "metric": "hspm",
             "value": mean_hoyer_sparseness(H)}
            for i, H in enumerate(layer_activations(clf, X_test), start=1)]
    return out


def baseline_tasks(dataset, settings, n_seeds, data_home=None, cache_dir=None):
    """One task per baseline and seed."""
    return [Task(f"{dataset} {name} seed={seed}", _baseline_task,
                 {"dataset": dataset, "settings": settings, "name": name,
                  "seed": seed, "data_home": data_home, "cache_dir": cache_dir},
                 cost=1.0 if not BASELINES[name] else 10.0)
            for name in BASELINES for seed in range(n_seeds)]


def run_baselines(dataset="digits", *, scale="quick", settings=None,
                  data_home=None, n_seeds=1, n_jobs=1, backend=None,
                  cache_dir=None, verbose=1, file=None, status=False,
                  device="numpy", journal=None, run_missing=True):
    """Records and run report of the scikit-learn baselines.

    Parameters are those of :func:`run_comparison`; the baselines run on
    numpy arrays whatever the ``device`` (scikit-learn's ``MLPClassifier``
    has no array API support), and ``status`` is not used.
    """
    settings = get_settings(dataset, scale, settings)
    cache_dir = checked_cache_dir(cache_dir)
    tasks = baseline_tasks(dataset, settings, n_seeds, data_home, cache_dir)
    report = run_tasks(tasks, n_jobs=n_jobs, backend=backend, verbose=verbose,
                       file=file, journal=journal, run_missing=run_missing)
    return [r for v in report.results.values() for r in v], report
