"""
================================================
A grid search on a Dask cluster (joblib backend)
================================================

scikit-learn parallelises :class:`~sklearn.model_selection.GridSearchCV`
with joblib, and joblib can hand the work to a `Dask
<https://distributed.dask.org>`_ cluster: inside
``joblib.parallel_config(backend="dask")``, every fit of every candidate and
fold becomes a Dask task. Nothing in the estimators changes.

This example starts a small local cluster on the loopback interface (two
worker processes, one thread each), so it runs anywhere; against a real
cluster only the :class:`distributed.Client` line changes, e.g.
``Client("tcp://scheduler-host:8786")``. It needs the ``distributed`` extra
(``pip install "sklearn-sparsity[distributed]"``) and is not executed when
this documentation is built.
"""

# %%
# The search
# ----------
# A pretrained network (DBN) on the bundled digits, a grid over hidden sizes,
# scored on accuracy and on the mean Hoyer sparseness of the top hidden layer.
import time

import joblib
import numpy as np
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from threadpoolctl import threadpool_limits

from sklearn_sparsity import PretrainedMLPClassifier
from sklearn_sparsity.datasets import load_digits_unit
from sklearn_sparsity.metrics import hspm_scorer

X, y = load_digits_unit(return_X_y=True)


def make_search():
    return GridSearchCV(
        PretrainedMLPClassifier(
            pretrain_epochs=5, n_epochs=15, batch_size=20, tol=None, random_state=0
        ),
        {"hidden_layer_sizes": [(32,), (64,), (128,), (64, 64)]},
        scoring={"accuracy": "accuracy", "hspm": hspm_scorer},
        refit="accuracy",
        cv=StratifiedKFold(3, shuffle=True, random_state=0),
        n_jobs=-1,
    )


# %%
# Run it on the cluster
# ---------------------
# Worker processes are started with Python's ``spawn`` method, which imports
# this script again in every worker: the code that starts the cluster must
# sit under ``if __name__ == "__main__":`` (as for any script that starts
# processes). joblib's Dask backend scatters ``X`` and ``y`` to the cluster
# once per search and passes references to the tasks.
#
# Dask starts each worker with one BLAS thread (``OMP_NUM_THREADS=1`` and
# friends), so the scores are identical, bit for bit, to a local run with one
# BLAS thread; we check it.
if __name__ == "__main__":
    from distributed import Client, LocalCluster

    with (
        LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
        ) as cluster,
        Client(cluster) as client,
    ):
        print("cluster:", client)
        tic = time.perf_counter()
        with joblib.parallel_config(backend="dask"):
            search = make_search().fit(X, y)
        print(f"on the cluster: {time.perf_counter() - tic:.1f} s")

    for params, acc, hspm in zip(
        search.cv_results_["params"],
        search.cv_results_["mean_test_accuracy"],
        search.cv_results_["mean_test_hspm"],
    ):
        print(
            f"{params['hidden_layer_sizes']!s:>10}: accuracy {acc:.3f}, HSPM {hspm:.3f}"
        )

    # The same search in this process, with one BLAS thread.
    tic = time.perf_counter()
    with threadpool_limits(1):
        local = make_search().set_params(n_jobs=1).fit(X, y)
    print(f"locally, one process: {time.perf_counter() - tic:.1f} s")
    for key in ["mean_test_accuracy", "mean_test_hspm"]:
        same = np.array_equal(search.cv_results_[key], local.cv_results_[key])
        print(f"{key}: identical to the local run: {same}")
