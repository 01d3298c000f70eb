"""Why does fine-tuning make the DBN dense? HSPM during back-propagation.

In the paper the DBN stays about as sparse as the DpRBM it starts from
(Table 1: 0.39/0.53/0.63 against 0.39/0.58/0.67). This study fine-tunes the
pretrained stack of the comparison with several back-propagation learning
rates and both of the paper's losses, and records on the test set the HSPM
of every hidden layer and the test error after a few chosen epochs (epoch 0
is the pretrained stack itself, the DpRBM's hidden layers), so that the
effect of the rate, the loss and the number of epochs can be told apart.
"""

import numpy as np

from .._backprop import forward
from ..metrics import mean_hoyer_sparseness
from ._caching import checked_cache_dir, records_matching, run_cached
from ._data import load_experiment_data
from ._device import check_device, device_name
from ._models import make_classifier, make_stack, pretrain_rate
from ._runner import Task, run_tasks
from ._settings import get_settings

#: Fine-tuning epochs after which the test set is measured.
CHECKPOINTS = (1, 2, 5, 10, 20, 50, 100, 200)
LOSSES = ("log_loss", "squared_error")


def _study_rates(settings):
    # The rate grid (the paper's set unless overridden) and the DBN's own.
    rates = [*settings["rate_grid"], settings["learning_rate"]["DBN"]]
    return tuple(sorted({float(r) for r in rates}, reverse=True))


def _layer_records(base, epoch, coefs, intercepts, X_test, y_test, loss,
                   classes):
    """Test HSPM of every hidden layer (and the test error of a network).

    ``classes`` is None for the stack alone, whose layers are all hidden.
    """
    acts = forward(X_test, coefs, intercepts, loss)
    hidden = acts if classes is None else acts[:-1]
    out = [{**base, "epoch": epoch, "layer": i, "metric": "hspm",
            "value": mean_hoyer_sparseness(H)}
           for i, H in enumerate(hidden, start=1)]
    if classes is not None:
        error = float(np.mean(classes[acts[-1].argmax(axis=1)] != y_test))
        out.append({**base, "epoch": epoch, "layer": None,
                    "metric": "test_error", "value": error})
    return out


def _finetuning_task(dataset, settings, seed, lr, loss, data_home=None,
                     cache_dir=None, verbose=0, device="numpy"):
    """One fine-tuning run of the study (cached on disk); its records."""
    is_valid = records_matching(dataset=dataset, seed=seed, lr=lr, loss=loss)
    return run_cached(_finetuning_task_uncached, cache_dir, is_valid, dataset,
                      settings, seed, lr, loss, data_home=data_home,
                      cache_dir=cache_dir, verbose=verbose, device=device)


def _finetuning_task_uncached(dataset, settings, seed, lr, loss, data_home=None,
                              cache_dir=None, verbose=0, device="numpy"):
    X, y, X_test, y_test, _ = load_experiment_data(dataset, settings, data_home)
    settings = {**settings, "loss": loss}
    device = check_device(device)
    host = device.host
    with device.context():
        X_fit, y_fit = device.put(X), device.put(y)
        stack = make_stack(settings, seed,
                           learning_rate=pretrain_rate(settings, "DBN"),
                           cache_dir=cache_dir, verbose=verbose,
                           device=device.name).fit(X_fit)
        base = {"dataset": dataset, "model": "DBN", "lr": lr, "loss": loss,
                "seed": seed}
        # The checkpoints are measured on the host, from the weights copied
        # back (the one metrics path).
        out = _layer_records(base, 0, [host(c) for c in stack.coefs_],
                             [host(b) for b in stack.intercepts_], X_test,
                             y_test, None, None)
        checkpoints = set(CHECKPOINTS) | {settings["finetune_epochs"]}
        classes = np.unique(y)

        def checkpoint(event):
            if event.epoch in checkpoints:
                out.extend(_layer_records(
                    base, event.epoch, [host(c) for c in event.state.coefs],
                    [host(b) for b in event.state.intercepts], X_test, y_test,
                    loss, classes))

        make_classifier("DBN", settings, seed, learning_rate=lr,
                        verbose=verbose)._fit(X_fit, y_fit, pretrainer=stack,
                                              hooks=[checkpoint])
    return out


def finetuning_tasks(dataset, settings, n_seeds, data_home=None, cache_dir=None,
                     fit_verbose=0, device="numpy"):
    """One task per seed, fine-tuning rate and loss."""
    device = device_name(device)
    return [Task(f"{dataset} DBN lr={lr} {loss} seed={seed}", _finetuning_task,
                 {"dataset": dataset, "settings": settings, "seed": seed,
                  "lr": lr, "loss": loss, "data_home": data_home,
                  "cache_dir": cache_dir, "verbose": fit_verbose,
                  "device": device})
            for seed in range(n_seeds) for loss in LOSSES
            for lr in _study_rates(settings)]


def run_finetuning_study(dataset="mnist", *, scale="quick", settings=None,
                         data_home=None, n_seeds=1, n_jobs=1, backend=None,
                         cache_dir=None, verbose=1, file=None,
                         status=False, device="numpy", journal=None,
                   run_missing=True):
    """Records of the fine-tuning study and the run report.

    For every seed, the DBN's pretrained stack is fine-tuned with every rate
    of ``settings["rate_grid"]`` (the paper's set unless overridden) and the
    DBN's own, each with the log loss and the
    squared error; records hold the test HSPM of every
    hidden layer and the test error after the epochs of ``CHECKPOINTS``
    (epoch 0: the stack before fine-tuning).
    """
    settings = get_settings(dataset, scale, settings)
    cache_dir = checked_cache_dir(cache_dir)
    tasks = finetuning_tasks(dataset, settings, n_seeds, data_home, cache_dir,
                             fit_verbose=1 if status else max(0, verbose - 1),
                             device=device)
    report = run_tasks(tasks, n_jobs=n_jobs, backend=backend, verbose=verbose,
                       file=file, status=status, journal=journal,
                       run_missing=run_missing)
    return [r for v in report.results.values() for r in v], report
