"""Where do the paper's claims hold? One-factor-at-a-time sweeps (issue 25).

The paper states its finding as a general law: pretraining makes a network
moderately sparse, sparser than the same network trained from a random
start, with less class overlap in the top layer, and fine-tuning keeps that
sparseness. The map measures, around a base setting of a data set, how three
differences move when one factor changes at a time:

- ``sparser``: HSPM(DpRBM) - HSPM(Dsigm) in every hidden layer (the claim:
  positive);
- ``less_overlap``: AOD(Dsigm) - AOD(DpRBM) in the top hidden layer, among
  ``k = 2`` classes and averaged over ``k`` (eq. 9 as written,
  ``aggregate="mean_data"``; the claim: positive);
- ``finetune_keeps``: HSPM(DBN) - HSPM(DpRBM) in every hidden layer (the
  claim "fine-tuning keeps the pretrained sparseness": about zero, not
  negative).

Each point of the map is one setting; each seed of a point is the
comparison's own two tasks (``experiments._compare``): the *pretrained* task
(one stack, the DBN and the DpRBM from it) and the *Dsigm* task, so every
fit is cached and journalled like the tables' runs, and a point shared by
several axes (the base) runs once.
"""

import numpy as np

from ._caching import checked_cache_dir
from ._compare import _comparison_task
from ._runner import Task, run_tasks
from ._settings import PAPER_RATES, get_settings

#: The axes of the map, in order, and what each value sets.
AXES = ("pretrain_epochs", "pretrain_lr", "finetune_lr", "finetune_epochs",
        "width", "depth")

#: The map's networks: the comparison's pretrained pair and the Dsigm.
MAP_MODELS = ("DBN", "DpRBM", "Dsigm")

#: Base overrides (of the "quick" scale) and grid of every data set. The
#: digits grid is reduced (narrow, short runs: minutes on two cores); the
#: MNIST and Birdsong grids span the issue's ranges (hours).
MAP_GRIDS = {
    "digits": {
        "base": {"hidden_layer_sizes": (100, 100)},
        "axes": {"pretrain_epochs": (1, 3, 10, 30, 100),
                 "pretrain_lr": PAPER_RATES,
                 "finetune_lr": PAPER_RATES,
                 "finetune_epochs": (5, 30, 90),
                 "width": (25, 100, 400),
                 "depth": (1, 2, 3, 5)},
    },
    "mnist": {
        "base": {"hidden_layer_sizes": (500, 500, 2000), "pretrain_epochs": 50,
                 "finetune_epochs": 50},
        "axes": {"pretrain_epochs": (1, 5, 10, 50, 200),
                 "pretrain_lr": PAPER_RATES,
                 "finetune_lr": PAPER_RATES,
                 "finetune_epochs": (10, 50, 200),
                 "width": (100, 500, 1000, 2000),
                 "depth": (1, 2, 3, 4, 5)},
    },
    "birdsong": {
        "base": {"hidden_layer_sizes": (50, 100, 100), "pretrain_epochs": 50,
                 "finetune_epochs": 50},
        "axes": {"pretrain_epochs": (1, 5, 10, 50, 200),
                 "pretrain_lr": PAPER_RATES,
                 "finetune_lr": PAPER_RATES,
                 "finetune_epochs": (10, 50, 100),
                 "width": (100, 500, 1000, 2000),
                 "depth": (1, 2, 3, 4, 5)},
    },
}


def axis_overrides(axis, value, base_settings):
    """The settings overrides of ``axis`` at ``value``.

    ``pretrain_lr`` sets the pretraining rate of the stack (the DBN's and
    the DpRBM's); ``finetune_lr`` sets the back-propagation rate of every
    network (the DBN's fine-tuning, the DpRBM's output layer, the Dsigm's
    training), so that the pretrained and the random start are compared at
    one rate; ``width`` sets every hidden layer's size, keeping the depth;
    ``depth`` repeats the first hidden layer's size ``value`` times;
    ``"finetune_lr|pretrain_lr=P"`` (a row of the 2-D grid, see
    ``lr_grid_axes``) sets the fine-tuning rate ``value`` and the
    pretraining rate ``P``.
    """
    sizes = tuple(base_settings["hidden_layer_sizes"])
    if axis == "pretrain_epochs":
        return {"pretrain_epochs": int(value)}
    if axis == "pretrain_lr":
        return {"pretrain_learning_rate": float(value)}
    if axis == "finetune_lr":
        return {"learning_rate": dict.fromkeys(MAP_MODELS, float(value))}
    if axis == "finetune_epochs":
        return {"finetune_epochs": int(value)}
    if axis == "width":
        return {"hidden_layer_sizes": (int(value),) * len(sizes)}
    if axis == "depth":
        return {"hidden_layer_sizes": (sizes[0],) * int(value)}
    if axis.startswith("finetune_lr|pretrain_lr="):  # the 2-D rate grid
        rate = float(axis.partition("=")[2])
        return {**axis_overrides("finetune_lr", value, base_settings),
                "pretrain_learning_rate": rate}
    raise ValueError(f"Unknown axis {axis!r}; choose among {', '.join(AXES)}.")


#: The 2-D grid of the two learning rates is swept as one axis of
#: fine-tuning rates per pretraining rate, named ``LR_GRID_AXIS.format(p)``.
LR_GRID_AXIS = "finetune_lr|pretrain_lr={:g}"


def lr_grid_axes(pretrain_rates=PAPER_RATES, finetune_rates=PAPER_RATES):
    """The axes of the 2-D grid of pretraining x fine-tuning rates."""
    return {LR_GRID_AXIS.format(p): tuple(finetune_rates)
            for p in pretrain_rates}


def _key(settings):
    return repr(sorted((k, repr(v)) for k, v in settings.items()))


def map_points(dataset, *, scale="quick", base=None, axes=None):
    """The points of the map: ``(axis, value, settings)`` for every axis value.

    Parameters
    ----------
    dataset : {"digits", "mnist", "birdsong"}
        Data set; its grid is ``MAP_GRIDS[dataset]``.
    scale : {"quick", "paper"}, default="quick"
        Scale whose settings the base starts from.
    base : dict or None, default=None
        Overrides of the base setting, on top of the grid's own (e.g.
        ``{"scaler": "quantile"}``).
    axes : dict or None, default=None
        ``axis -> values`` replacing the grid's axes (only the given axes are
        swept).

    Returns
    -------
    base_settings : dict
        The settings of the base point.
    points : list of tuple
        ``(axis, value, settings)``; points with equal settings (such as the
        base on several axes) are the same run.
    """
    grid = MAP_GRIDS[dataset]
    base_overrides = {**grid["base"], **(base or {}), "models": MAP_MODELS}
    base_settings = get_settings(dataset, scale, base_overrides)
    axes = grid["axes"] if axes is None else axes
    points = []
    for axis, values in axes.items():
        for value in values:
            overrides = {**base_overrides,
                         **axis_overrides(axis, value, base_settings)}
            points.append((axis, value, get_settings(dataset, scale, overrides)))
    return base_settings, points


def _point_label(settings, base_settings):
    changed = [f"{k}={settings[k]}" for k in sorted(settings)
               if settings[k] != base_settings[k]]
    return " ".join(changed) if changed else "base"


def map_tasks(dataset, base_settings, points, n_seeds, data_home=None,
              cache_dir=None, fit_verbose=0, device="numpy"):
    """The comparison's pretrained and Dsigm tasks of every distinct point.

    Returns
    -------
    tasks : list of Task
    members : dict
        Task name -> list of ``(axis, value, point)`` the task's records
        belong to (``point``: the label of the setting, ``"base"`` or the
        settings that differ from the base).
    """
    tasks, members, seen = [], {}, {}
    common = {"dataset": dataset, "data_home": data_home,
              "cache_dir": cache_dir, "verbose": fit_verbose, "device": device}
    for axis, value, settings in points:
        label = seen.setdefault(_key(settings),
                                _point_label(settings, base_settings))
        for seed in range(n_seeds):
            for kind, cost in (("pretrained", 2.0), ("dsigm", 1.0)):
                name = f"{dataset} [{label}] {kind} seed={seed}"
                if name not in members:
                    tasks.append(Task(name, _comparison_task,
                                      {"kind": kind, "settings": settings,
                                       "seed": seed, **common}, cost=cost))
                    members[name] = []
                members[name].append((axis, value, label))
    return tasks, members


def run_map(dataset="digits", *, scale="quick", base=None, axes=None,
            data_home=None, n_seeds=3, n_jobs=1, backend=None, cache_dir=None,
            verbose=1, file=None, status=False, device="numpy", journal=None,
            run_missing=True):
    """Records of the map (one per axis value, seed and measured value).

    Parameters are those of :func:`map_points` and of the comparison
    (``run_comparison``). Every record of the comparison's tasks (HSPM of
    every layer, test error, tau, AOD for every ``k`` and reading of eq. 9)
    is kept, with the keys ``axis``, ``axis_value`` and ``point`` (the
    setting's label) added (a record of the base point appears once per
    axis it lies on).

    Returns
    -------
    records : list of dict
    report : RunReport
    base_settings : dict
    """
    base_settings, points = map_points(dataset, scale=scale, base=base,
                                       axes=axes)
    cache_dir = checked_cache_dir(cache_dir)
    tasks, members = map_tasks(
        dataset, base_settings, points, n_seeds, data_home, cache_dir,
        fit_verbose=1 if status else max(0, verbose - 1), device=device)
    report = run_tasks(tasks, n_jobs=n_jobs, backend=backend, verbose=verbose,
                       file=file, status=status, journal=journal,
                       run_missing=run_missing)
    records = []
    for name, result in report.results.items():
        for axis, value, point in members[name]:
            records += [{"axis": axis, "axis_value": value, "point": point,
                         **rec} for rec in result]
    return records, report, base_settings


# ------------------------------------------------------------ differences
def _lookup(records):
    table = {}
    for r in records:
        if r["metric"] == "hspm":
            table[(r["axis"], r["axis_value"], r["seed"], r["model"], "hspm",
                   r["layer"], None)] = r["value"]
        elif (r["metric"] == "aod"
              and r.get("aggregate", "mean_data") == "mean_data"):
            table[(r["axis"], r["axis_value"], r["seed"], r["model"], "aod",
                   r["layer"], r["k"])] = r["value"]
    return table


def map_differences(records):
    """The three differences per axis value, seed and layer (one row each).

    Rows have ``dataset, axis, axis_value, point, seed, quantity, layer, k,
    a, b_model, b, difference`` with ``difference = a - b``: quantity
    ``"sparser"`` (a = HSPM of the DpRBM, b = HSPM of the Dsigm, every layer),
    ``"less_overlap"`` (a = AOD of the Dsigm, b = AOD of the DpRBM, top layer,
    ``k = 2`` and ``k = "mean"``, the mean over the recorded ``k``) and
    ``"finetune_keeps"`` (a = HSPM of the DBN, b = HSPM of the DpRBM).
    """
    table = _lookup(records)
    points = sorted({(r["dataset"], r["axis"], r["axis_value"], r["seed"],
                      r.get("point", ""))
                     for r in records if r["model"] in MAP_MODELS},
                    key=lambda p: (AXES.index(p[1]) if p[1] in AXES else 99,
                                   p[2], p[3]))
    out = []
    for dataset, axis, value, seed, point in points:
        base = {"dataset": dataset, "axis": axis, "axis_value": value,
                "point": point, "seed": seed}
        layers = sorted(key[5] for key in table
                        if key[:5] == (axis, value, seed, "DpRBM", "hspm"))

        def row(quantity, layer, k, a_model, a, b_model, b, base=base):
            return {**base, "quantity": quantity, "layer": layer, "k": k,
                    "a_model": a_model, "a": a, "b_model": b_model, "b": b,
                    "difference": a - b}

        for quantity, a_model, b_model in (("sparser", "DpRBM", "Dsigm"),
                                           ("finetune_keeps", "DBN", "DpRBM")):
            for layer in layers:
                a = table.get((axis, value, seed, a_model, "hspm", layer, None))
                b = table.get((axis, value, seed, b_model, "hspm", layer, None))
                if a is not None and b is not None:
                    out.append(row(quantity, layer, None, a_model, a,
                                   b_model, b))
        if layers:
            top = layers[-1]
            ks = sorted(key[6] for key in table
                        if key[:6] == (axis, value, seed, "DpRBM", "aod", top))
            curves = {m: [table.get((axis, value, seed, m, "aod", top, k))
                          for k in ks] for m in ("Dsigm", "DpRBM")}
            if ks and all(v is not None for c in curves.values() for v in c):
                a2, b2 = (curves[m][ks.index(2)] for m in ("Dsigm", "DpRBM"))
                out.append(row("less_overlap", top, 2, "Dsigm", a2,
                               "DpRBM", b2))
                out.append(row("less_overlap", top, "mean", "Dsigm",
                               float(np.mean(curves["Dsigm"])), "DpRBM",
                               float(np.mean(curves["DpRBM"]))))
    return out


def summarize_differences(rows):
    """Mean, sample std, number of seeds and of positive seeds per point."""
    groups = {}
    for r in rows:
        key = (r["dataset"], r["axis"], r["axis_value"], r.get("point", ""),
               r["quantity"], r["layer"], r["k"])
        groups.setdefault(key, []).append(r["difference"])
    out = []
    for (dataset, axis, value, point, quantity, layer, k), diffs in (
            groups.items()):
        diffs = np.asarray(diffs, dtype=float)
        out.append({"dataset": dataset, "axis": axis, "axis_value": value,
                    "point": point, "quantity": quantity, "layer": layer,
                    "k": k,
                    "mean": float(diffs.mean()),
                    "std": float(diffs.std(ddof=1)) if diffs.size > 1
                    else float("nan"),
                    "n_seeds": int(diffs.size),
                    "n_positive": int(np.sum(diffs > 0))})
    return out


def point_errors(records):
    """Mean test error of every network at every axis value (over seeds).

    Returns
    -------
    rows : list of dict
        ``dataset, axis, axis_value, model, mean, std, n_seeds``.
    """
    groups = {}
    for r in records:
        if r["metric"] == "test_error" and r["model"] in MAP_MODELS:
            groups.setdefault((r["dataset"], r["axis"], r["axis_value"],
                               r["model"]), []).append(r["value"])
    return [{"dataset": d, "axis": a, "axis_value": v, "model": m,
             "mean": float(np.mean(e)),
             "std": float(np.std(e, ddof=1)) if len(e) > 1 else float("nan"),
             "n_seeds": len(e)}
            for (d, a, v, m), e in groups.items()]
