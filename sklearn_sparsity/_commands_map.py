"""The ``map`` and ``sparse-coding`` commands: where the paper's claims hold.

Like ``_commands.py`` (whose helpers they share), each command takes the
parsed arguments, the raw ``argv`` and the settings overrides, and returns
the run reports of what it ran.
"""

import json
import time

from ._commands import (
    UsageError,
    _check_data,
    _check_scale,
    _journal,
    _output,
    _record_run,
    _run_kwargs,
    _settings,
)


def _map_axes(args, dataset):
    """The axes of ``map``: the grid's, restricted by --axes, values by --grid."""
    from .experiments._map import AXES, MAP_GRIDS

    axes = dict(MAP_GRIDS[dataset]["axes"])
    for item in getattr(args, "grid", None) or ():
        axis, sep, values = item.partition("=")
        if not sep or axis not in AXES:
            raise UsageError(f"--grid takes AXIS=V[,V...] with AXIS one of "
                             f"{', '.join(AXES)}; got {item!r}")
        try:
            axes[axis] = tuple(float(v) if "lr" in axis else int(v)
                               for v in values.split(","))
        except ValueError as exc:
            raise UsageError(f"--grid {item!r}: {exc}") from exc
    if getattr(args, "axes", None):
        wanted = [a.strip() for a in args.axes.split(",") if a.strip()]
        unknown = [a for a in wanted if a not in AXES]
        if unknown or not wanted:
            raise UsageError(f"--axes takes names among {', '.join(AXES)}; got "
                             f"{args.axes!r}")
        axes = {a: axes[a] for a in AXES if a in wanted}
    if getattr(args, "lr_grid", False):
        from .experiments._map import lr_grid_axes

        axes.update(lr_grid_axes())
    return axes


def _resumed_note(journal, report):
    """How many units were read back, and the task time they had cost."""
    if not report.resumed:
        return ""
    resumed, seconds = set(report.resumed), 0.0
    for path in journal.folder.glob("*.json"):
        try:
            unit = json.loads(path.read_text())
        except (OSError, ValueError):
            continue
        if unit.get("task") in resumed:
            seconds += float(unit.get("seconds") or 0.0)
    return (f"; {len(resumed)} unit(s) read from units/map/, computed earlier "
            f"in {seconds:.0f} s of task time (summed over the workers)")


def map_(args, argv, overrides):
    """``map``: the three differences of the paper's claims over a grid."""
    from .experiments._map import (
        map_differences,
        map_points,
        point_errors,
        run_map,
        summarize_differences,
    )
    from .experiments._map_report import conclusions, plot_lr_grid, plot_map
    from .experiments._output import settings_note
    from .experiments._settings import DATASETS

    _check_scale(args.scale)
    if args.dataset not in DATASETS:
        raise UsageError(f"unknown data set {args.dataset!r}; choose one of "
                         f"{', '.join(DATASETS)}")
    dataset = args.dataset
    axes = _map_axes(args, dataset)
    try:
        base_settings, points = map_points(dataset, scale=args.scale,
                                           base=overrides, axes=axes)
    except ValueError as exc:
        raise UsageError(str(exc)) from exc
    data = _check_data(dataset, base_settings, args.data_home)
    run_kwargs = _run_kwargs(args)
    out = _output(args.out or f"sklearn_sparsity_map_{dataset}", argv, "map")
    n_points = len({repr(sorted(map(repr, s.items()))) for *_, s in points})
    print(f"\n== map ({dataset}, scale {args.scale}, {data['n_train']} "
          f"training and {data['n_test']} test rows): {n_points} points x "
          f"{args.n_seeds} seed(s), axes {', '.join(axes)}", flush=True)
    journal = _journal(out, "map", data, run_kwargs)
    tic = time.perf_counter()
    records, report, base_settings = run_map(
        dataset, base=overrides, axes=axes, journal=journal, **run_kwargs)
    rows = map_differences(records)
    summary = summarize_differences(rows)
    note = (f"Scale: {args.scale} base, {args.n_seeds} seed(s) per point, "
            f"{data['n_train']} training and {data['n_test']} test rows. "
            "Base: " + settings_note(base_settings, {}, dataset, args.scale)
            + " Axes: " + "; ".join(
                f"{a} {', '.join(f'{v:g}' for v in vs)}"
                for a, vs in axes.items() if "|" not in a)
            + ("; the 2-D grid of pretraining x fine-tuning rates"
               if any("|" in a for a in axes) else "")
            + f". Wall time of this invocation {time.perf_counter() - tic:.0f}"
            f" s (n_jobs={args.n_jobs})" + _resumed_note(journal, report) + ".")
    if report.errors:
        note += " Failed, not in the map: " + "; ".join(report.errors) + "."
    # The map reads eq. 9 as written: the other readings stay in the units.
    out.csv("map_runs", [r for r in records
                         if r.get("aggregate", "mean_data") == "mean_data"])
    out.csv("map", rows)
    out.csv("map_summary", summary)
    errors = point_errors(records)
    out.csv("map_errors", errors)
    text = conclusions(summary, dataset=dataset, note=note, errors=errors)
    out._written(out.dir / "map_conclusions.md",
                 text + f"\nCommand: `{out.command}`\n")
    print("\n" + text)
    if summary:  # nothing to draw when no point finished
        out.figure(f"map_{dataset}", plot_map, summary,
                   f"{dataset}: the paper's three differences, one factor "
                   f"at a time (mean ± std over {args.n_seeds} seed(s))",
                   errors=errors)
        if any(a.startswith("finetune_lr|") for a in axes):
            out.figure(f"map_{dataset}_lr_grid", plot_lr_grid, summary,
                       f"{dataset}: pretraining x fine-tuning rate (mean over "
                       f"{args.n_seeds} seed(s))")
    _record_run(out, "map", dataset, report, run_kwargs, data, journal,
                base_settings=base_settings,
                axes={a: list(v) for a, v in axes.items()})
    out.save_info()
    return [report]


def sparse_coding(args, argv, overrides):
    """``sparse-coding``: the RBM's first layer against sparse codes."""
    from .experiments._sparse_coding import (
        sparse_coding_comparison,
        sparse_coding_rows,
    )

    _check_scale(args.scale)
    overrides = {k: v for k, v in overrides.items()
                 if k in ("hidden_layer_sizes", "pretrain_epochs",
                          "pretrain_learning_rate")}
    if args.max_test is not None:
        overrides["max_test"] = args.max_test
    settings = _settings(args.dataset, args.scale,
                         {**overrides, "max_train": args.max_train})
    data = _check_data(args.dataset, settings, args.data_home)
    out = _output(args.out or f"sklearn_sparsity_sparse_coding_{args.dataset}",
                  argv, "sparse_coding")
    print(f"\n== sparse-coding ({args.dataset}, {data['n_train']} training and "
          f"{data['n_test']} test rows, {settings['hidden_layer_sizes'][0]} "
          "units)", flush=True)
    tic = time.perf_counter()
    records = sparse_coding_comparison(
        args.dataset, scale=args.scale, settings=overrides,
        data_home=args.data_home, n_seeds=args.n_seeds,
        max_train=args.max_train, verbose=1)
    seconds = time.perf_counter() - tic
    header, rows = sparse_coding_rows(records)
    note = (f"Test set of {args.dataset} ({data['n_train']} training, "
            f"{data['n_test']} test rows); mean over {args.n_seeds} seed(s) "
            "± sample std. RBM: the first layer of the stack, pretrained "
            f"{settings['pretrain_epochs']} epochs (CD-1, lr "
            f"{settings['pretrain_learning_rate']['DpRBM']:g}). Coders: "
            "MiniBatchDictionaryLearning atoms, SparseCoder lasso codes, "
            "transform_alpha bisected until the codes' mean HSPM is within "
            "0.01 of the RBM's (matched: " + ", ".join(
                f"{r['code']} seed {r['seed']}: {r['matched']}"
                for r in records if r["code"].startswith("sparse")) + "). "
            "tau: the paper's rule (tol 0.05, mean over rows) with each "
            "code's own reconstruction (RBM: sigmoid(h W^T + c); "
            "dictionary: linear s D; input: identity). AOD (eq. 9): codes of "
            "the class means of the data; class-mean codes: the class means "
            "of the codes. Probe: logistic regression on standardised "
            "training codes, test accuracy. Reconstruction MSE: per input "
            f"feature. Wall time {seconds:.0f} s.")
    out.table("sparse_coding", f"RBM layer 1 against sparse coding "
              f"({args.dataset})", header, rows, note)
    out.csv("sparse_coding_runs", records)
    out.info["experiments"]["sparse_coding"] = {
        "settings": settings, "wall_seconds": seconds, **data}
    out.save_info()
    return []
