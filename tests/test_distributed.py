"""Scale-out on a real Dask cluster through joblib.

A ``distributed.LocalCluster`` with two worker processes (one thread each),
bound to the loopback interface, runs a grid search and an experiment; the
results must be identical, bit for bit, to a local run with one BLAS thread.
Dask starts its workers with one BLAS thread (``OMP_NUM_THREADS=1`` and
friends, ``distributed.nanny.pre-spawn-environ``), so the arithmetic is the
same. Select with ``pytest -m distributed``; skipped without
``dask[distributed]`` (the ``distributed`` extra).
"""

import logging

import joblib
import numpy as np
import pytest
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from threadpoolctl import threadpool_limits

from sklearn_sparsity import PretrainedMLPClassifier
from sklearn_sparsity.datasets import load_digits_unit
from sklearn_sparsity.metrics import hspm_scorer

distributed = pytest.importorskip("distributed")

pytestmark = pytest.mark.distributed


@pytest.fixture(scope="module")
def client():
    with (
        distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
            silence_logs=logging.ERROR,
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        yield client


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits_unit(return_X_y=True)
    return X[:600], y[:600]


def _search(n_jobs):
    return GridSearchCV(
        PretrainedMLPClassifier(
            pretrain_epochs=2, n_epochs=4, batch_size=50, tol=None, random_state=0
        ),
        {"hidden_layer_sizes": [(16,), (32,), (16, 16)]},
        scoring={"accuracy": "accuracy", "hspm": hspm_scorer},
        refit="accuracy",
        cv=StratifiedKFold(3, shuffle=True, random_state=0),
        n_jobs=n_jobs,
    )


def _scores(cv_results):
    return {
        key: np.asarray(value)
        for key, value in cv_results.items()
        if "_test_" in key or "_train_" in key
    }


@pytest.mark.parametrize("scatter", [False, True], ids=["auto-scatter", "scatter"])
def test_grid_search_on_dask_is_identical_to_local(client, digits, scatter):
    X, y = digits
    with threadpool_limits(1):
        local = _search(n_jobs=1).fit(X, y)

    config = {"backend": "dask"}
    if scatter:
        config["scatter"] = [X, y]
    with distributed.get_task_stream(client) as stream:
        with joblib.parallel_config(**config):
            remote = _search(n_jobs=-1).fit(X, y)
    assert len(stream.data) > 0, "no task ran on the cluster"

    expected, got = _scores(local.cv_results_), _scores(remote.cv_results_)
    assert set(got) == set(expected)
    for key in expected:
        np.testing.assert_array_equal(got[key], expected[key], err_msg=key)
    assert remote.best_params_ == local.best_params_
    np.testing.assert_array_equal(
        remote.best_estimator_.predict_proba(X), local.best_estimator_.predict_proba(X)
    )


# ------------------------------------------------------------- experiments
SMALL = {
    "hidden_layer_sizes": (32, 16),
    "pretrain_epochs": 1,
    "finetune_epochs": 2,
    "max_train": 400,
    "max_test": 200,
}


def _without_times(runs):
    runs = runs[runs["metric"] != "fit_time_s"]
    return runs.sort_values(list(runs.columns.drop("value"))).reset_index(drop=True)


def test_experiment_on_dask_is_identical_to_local(client, tmp_path):
    pd = pytest.importorskip("pandas")
    experiments = pytest.importorskip("sklearn_sparsity.experiments")
    kwargs = dict(settings=SMALL, n_seeds=2, return_runs=True)
    with threadpool_limits(1):
        _, local = experiments.compare_pretraining("digits", n_jobs=1, **kwargs)
    with distributed.get_task_stream(client) as stream:
        _, remote = experiments.compare_pretraining(
            "digits", n_jobs=-1, backend="dask", cache_dir=str(tmp_path), **kwargs
        )
    assert len(stream.data) > 0, "no task ran on the cluster"
    expected = _without_times(local)
    assert set(expected["model"]) >= {"DBN", "DpRBM", "Dsigm"}
    assert set(expected["seed"]) == {0, 1}
    pd.testing.assert_frame_equal(_without_times(remote), expected)

    # Every finished run was cached by the workers: a local re-run with the
    # same cache reads the same values back.
    assert any(tmp_path.iterdir())
    _, cached = experiments.compare_pretraining(
        "digits", n_jobs=1, cache_dir=str(tmp_path), **kwargs
    )
    pd.testing.assert_frame_equal(_without_times(cached), _without_times(local))


def test_failed_task_on_dask_is_reported_and_others_kept(client):
    experiments = pytest.importorskip("sklearn_sparsity.experiments")
    # A builtin, picklable by reference on the workers.
    tasks = [
        experiments.Task("3 ** 2", pow, {"base": 3, "exp": 2}),
        experiments.Task("0 ** -1", pow, {"base": 0, "exp": -1}),
        experiments.Task("2 ** 10", pow, {"base": 2, "exp": 10}),
    ]
    report = experiments.run_tasks(tasks, n_jobs=-1, backend="dask", verbose=0)
    assert report.results == {"3 ** 2": 9, "2 ** 10": 1024}
    assert list(report.results) == ["3 ** 2", "2 ** 10"]  # in task order
    assert list(report.errors) == ["0 ** -1"]
    assert report.errors["0 ** -1"].startswith("ZeroDivisionError")
    assert not report.ok
    assert set(report.durations) == {task.name for task in tasks}
