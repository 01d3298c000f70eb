"""The commands of ``python -m sklearn_sparsity``: run experiments, write results.

Each command takes the parsed arguments, the raw ``argv`` (recorded in the
results) and the settings overrides given on the command line, and returns
the :class:`~sklearn_sparsity.experiments.RunReport` objects of what it ran.
"""

import json
import sys
import time

EXPERIMENTS = ("table1", "table2", "figure1", "figure2", "finetuning",
               "baselines", "all")
SELECT_TABLES = {"table1": "mnist", "table2": "birdsong", "demo": "digits"}


class UsageError(Exception):
    """A mistake of the user: reported in one line, exit status 2."""


def _settings(dataset, scale, overrides):
    from .experiments._settings import get_settings

    try:
        return get_settings(dataset, scale, overrides)
    except ValueError as exc:
        raise UsageError(str(exc)) from exc


def _check_scale(scale):
    from .experiments._settings import SCALES

    if scale not in SCALES:
        raise UsageError(f"unknown scale {scale!r}; choose quick or paper")


def _check_data(dataset, settings, data_home):
    """Load the data once here, so a missing file is a usage error.

    Returns what identifies the data the runs use: the numbers of training
    and test rows and a fingerprint of the arrays (recorded in the run info
    and in the key of every finished unit).
    """
    from .experiments._data import load_experiment_data
    from .experiments._journal import data_fingerprint

    try:
        X, y, X_test, y_test, _ = load_experiment_data(dataset, settings,
                                                       data_home)
    except FileNotFoundError as exc:
        raise UsageError(str(exc).splitlines()[0] + " Pass --data-home DIR or "
                         "set SKLEARN_SPARSITY_DATA.") from exc
    except ValueError as exc:
        raise UsageError(str(exc)) from exc
    return {"dataset": dataset, "n_train": int(X.shape[0]),
            "n_test": int(X_test.shape[0]),
            "data_sha256": data_fingerprint(X, y, X_test, y_test)}


def _journal(out, name, data, run_kwargs):
    """The finished units of experiment ``name`` in the output folder."""
    from .experiments._journal import UnitJournal

    return UnitJournal(out.dir / "units" / name, context=data, file=sys.stdout,
                       # Writing tables from finished units only: units of
                       # other code are read, and the run info names it.
                       other_code=not run_kwargs["run_missing"])


def _validation_text(settings):
    if settings.get("validation_split") == "official":
        return ("the last 10,000 images of the official training set (the "
                "first 50,000 train)")
    return (f"a stratified {settings['validation_fraction']:.0%} of the "
            "training data")


def _record_run(out, name, report, data, journal=None):
    """Times and data of a finished experiment in the run info."""
    entry = out.info["experiments"].setdefault(name, {})
    entry.update({"wall_seconds": report.elapsed,
                  "cpu_seconds": report.cpu_seconds,
                  "units_resumed": list(report.resumed), **data})
    if journal is not None and journal.codes:
        entry["units_source"] = dict(journal.codes)


def _read_rates(path):
    try:
        with open(path) as f:
            chosen = json.load(f)
    except (OSError, ValueError) as exc:
        raise UsageError(f"cannot read the rates file {path}: {exc}") from exc
    if not isinstance(chosen, dict) or not set(chosen) <= {
            "pretrain_learning_rate", "learning_rate"} or not all(
            isinstance(v, dict) for v in chosen.values()):
        raise UsageError(f"{path} is not a rates file of 'select-rates' (keys "
                         "pretrain_learning_rate and learning_rate)")
    return chosen


def _with_rates_file(args, overrides):
    """``overrides`` on top of the rates of the ``--rates FILE`` (if given).

    Several files are merged in order, a later file's network winning.
    """
    paths = getattr(args, "rates", None)
    if not paths:
        return overrides
    if isinstance(paths, str):
        paths = [paths]
    merged = {}
    for path in paths:
        for key, value in _read_rates(path).items():
            merged.setdefault(key, {}).update(value)
    for key in ("pretrain_learning_rate", "learning_rate"):
        if key in overrides:
            given = overrides[key]
            if isinstance(given, dict):
                merged.setdefault(key, {}).update(given)
            else:
                merged[key] = given
    return {**overrides, **merged}


def _cache_dir(args):
    """The checked ``--cache-dir`` (the per-user default when given alone)."""
    from ._cache import CacheFolderError, check_cache_dir, default_cache_dir

    if args.cache_dir is None:
        return None
    path = default_cache_dir() if args.cache_dir == "default" else args.cache_dir
    try:
        return str(check_cache_dir(path))
    except CacheFolderError as exc:
        raise UsageError(str(exc)) from exc


def _device(args):
    from .experiments._device import check_device

    if getattr(args, "only_finished", False):
        return args.device  # nothing is trained: a label of the units
    try:
        return check_device(getattr(args, "device", None)).name
    except ValueError as exc:
        raise UsageError(str(exc)) from exc


def _run_kwargs(args):
    return {"scale": getattr(args, "scale", "quick"), "device": _device(args),
            "data_home": getattr(args, "data_home", None),
            "n_seeds": args.n_seeds, "n_jobs": args.n_jobs,
            "backend": args.backend, "cache_dir": _cache_dir(args),
            "verbose": 1 + args.verbose, "file": sys.stdout,
            "run_missing": not getattr(args, "only_finished", False),
            # On a terminal without -v, each run's epochs as one moving line.
            "status": args.verbose == 0 and sys.stdout.isatty()}


# ----------------------------------------------------------------- tables
def _comparison(out, name, dataset, scale, settings, overrides, run_kwargs,
                title, data=None):
    """Run the comparison of DBN, DpRBM, Dsigm and Drelu; write its tables."""
    from .experiments._compare import run_comparison
    from .experiments._output import settings_note
    from .experiments._plots import plot_comparison
    from .experiments._records import summarize
    from .experiments._tables import (
        aod_rows,
        comparison_rows,
        paper_table,
        saturation_rows,
    )

    journal = (_journal(out, name, data, run_kwargs) if data is not None
               else None)
    records, report = run_comparison(dataset, settings=overrides,
                                     journal=journal, **run_kwargs)
    summary = summarize(records)
    n_seeds = run_kwargs["n_seeds"]
    note = settings_note(settings, overrides, dataset, scale)
    note += f" Test set: mean over {n_seeds} seed(s) ± sample std."
    paper = paper_table(dataset)
    if paper is not None:
        note += (" 'paper': the paper's values (it gives no DpRBM test "
                 "error).")
    header, rows = comparison_rows(summary, len(settings["hidden_layer_sizes"]),
                                   paper)
    out.table(name, title, header, rows, note)
    aggregate = settings["aggregate"]
    header, rows = aod_rows(summary, aggregate, dataset=dataset)
    out.table(f"{name}_aod", f"{title.split(':')[0]}: average AOD among 2 "
              f"classes ({dataset})", header, rows,
              f"tau by the paper's rule; Z(X_c) = {aggregate} (eq. 9"
              + (" as written" if aggregate == "mean_data" else "") + ").")
    header, rows = saturation_rows(summary, len(settings["hidden_layer_sizes"]))
    if rows:
        out.table(f"{name}_saturation", f"{title.split(':')[0]}: saturated "
                  f"activations ({dataset})", header, rows,
                  "Share of the test set's hidden activations below 0.01 and "
                  "above 0.99 (mean over seeds): sigmoid units in the flat "
                  "parts of their curve.", echo=False)
    out.csv(f"{name}_runs", records)
    out.csv(f"{name}_summary", summary)
    out.figure(name, plot_comparison, summary, f"{dataset}: DBN, DpRBM, Dsigm",
               aggregate=aggregate)
    out.info["experiments"][name] = {
        "dataset": dataset, "settings": settings, "seconds": report.elapsed,
        "durations": report.durations, "failures": report.errors,
        "device": run_kwargs["device"]}
    if data is not None:
        _record_run(out, name, report, data, journal)
    return records, summary, report


def _figure2(out, dataset, scale, summary, settings, overrides):
    from .experiments._output import settings_note
    from .experiments._plots import plot_overlap
    from .experiments._tables import AGGREGATE_TITLES, overlap_curve_rows

    aod = [r for r in summary if r["metric"] in ("aod", "tau")]
    for aggregate, title in AGGREGATE_TITLES.items():
        header, rows = overlap_curve_rows(aod, aggregate)
        suffix = "" if aggregate == "mean_data" else f"_{aggregate}"
        out.table(f"figure2{suffix}", f"Figure 2: average AOD among k classes "
                  f"({dataset}), {title}", header, rows,
                  settings_note(settings, overrides, dataset, scale),
                  echo=aggregate == settings["aggregate"])
    out.csv("figure2", aod)
    out.figure("figure2", plot_overlap, aod,
               f"{dataset}: average AOD among k classes",
               aggregates=tuple(AGGREGATE_TITLES))


# Settings each part of Figure 1 does not use (fine-tuning, the AOD, and the
# other parts' grids), left out of its note.
_FIGURE1_COMMON_UNUSED = ("finetune_epochs", "learning_rate", "tau_rows", "ks",
                          "aggregate", "loss", "rate_grid",
                          "validation_fraction")
_FIGURE1_UNUSED = {
    "a": _FIGURE1_COMMON_UNUSED + ("profile_epochs", "width_sizes",
                                   "depth_sizes", "depth_layers",
                                   "momentum_schedule"),
    "b": _FIGURE1_COMMON_UNUSED + ("hidden_layer_sizes", "pretrain_epochs",
                                   "depth_sizes", "depth_layers",
                                   "figure1a_momentum_schedule"),
    "c": _FIGURE1_COMMON_UNUSED + ("hidden_layer_sizes", "pretrain_epochs",
                                   "width_sizes", "figure1a_momentum_schedule"),
}


def _figure1(out, dataset, scale, parts, settings, overrides, run_kwargs,
             data=None):
    from functools import partial

    from .experiments._figure1 import run_profile
    from .experiments._output import overrides_note
    from .experiments._plots import plot_profile, plot_width
    from .experiments._records import summarize
    from .experiments._tables import profile_rows

    reports = []
    for part, experiment, plot in (("a", "epochs", plot_profile),
                                   ("b", "width", plot_width),
                                   ("c", "depth", plot_profile)):
        if part not in parts:
            continue
        journal = (_journal(out, f"figure1{part}", data, run_kwargs)
                   if data is not None else None)
        records, report = run_profile(experiment, dataset, settings=overrides,
                                      journal=journal, **run_kwargs)
        summary = summarize(records)
        epochs = (settings["pretrain_epochs"] if part == "a"
                  else settings["profile_epochs"])
        schedule = settings["figure1a_momentum_schedule" if part == "a"
                            else "momentum_schedule"]
        note = (f"Pretraining {epochs} epochs per layer (paper: "
                f"{50 if part == 'a' else 1000}), momentum "
                f"{settings['momentum']} ({schedule}), learning rate "
                f"{settings['pretrain_learning_rate']['DpRBM']:g}; HSPM per "
                "epoch from the training minibatches (history_), test HSPM "
                "after the last epoch.")
        note += overrides_note(overrides, dataset, scale,
                               ignore=_FIGURE1_UNUSED[part])
        label = ("-".join(str(w) for w in settings["hidden_layer_sizes"])
                 if part == "a" else None)
        header, rows = profile_rows(summary, label)
        out.table(f"figure1{part}", f"Figure 1({part}): HSPM vs {experiment} "
                  f"({dataset})", header, rows, note)
        out.csv(f"figure1{part}", records)
        if label:
            plot = partial(plot, stack_label=label)
        out.figure(f"figure1{part}", plot, summary,
                   f"Figure 1({part}) {dataset}, {epochs} epochs")
        out.info["experiments"][f"figure1{part}"] = {
            "dataset": dataset, "seconds": report.elapsed,
            "durations": report.durations, "failures": report.errors,
            "device": run_kwargs["device"]}
        if data is not None:
            _record_run(out, f"figure1{part}", report, data, journal)
        reports.append(report)
    return reports


def _finetuning(out, dataset, scale, settings, overrides, run_kwargs, data=None):
    from .experiments._finetuning import run_finetuning_study
    from .experiments._output import settings_note
    from .experiments._records import summarize
    from .experiments._tables import finetuning_rows

    journal = (_journal(out, "finetuning", data, run_kwargs) if data is not None
               else None)
    records, report = run_finetuning_study(dataset, settings=overrides,
                                           journal=journal, **run_kwargs)
    summary = summarize(records)
    header, rows = finetuning_rows(summary,
                                   len(settings["hidden_layer_sizes"]))
    out.table("finetuning", f"Fine-tuning and the DBN's sparseness ({dataset})",
              header, rows,
              settings_note(settings, overrides, dataset, scale)
              + " HSPM of every hidden layer on the test set after the given "
                "number of fine-tuning epochs (0: the pretrained stack, the "
                "DpRBM's hidden layers), for each fine-tuning rate and loss; "
                f"mean over {run_kwargs['n_seeds']} seed(s).")
    out.csv("finetuning", records)
    out.info["experiments"]["finetuning"] = {
        "dataset": dataset, "settings": settings, "seconds": report.elapsed,
        "durations": report.durations, "failures": report.errors,
        "device": run_kwargs["device"]}
    if data is not None:
        _record_run(out, "finetuning", report, data, journal)
    return report


def _baselines(out, dataset, scale, settings, overrides, run_kwargs, data=None):
    """scikit-learn's MLPClassifier on the same data: what a user would pick."""
    from .experiments._baselines import run_baselines
    from .experiments._records import summarize
    from .experiments._tables import baseline_rows

    journal = (_journal(out, "baselines", data, run_kwargs) if data is not None
               else None)
    records, report = run_baselines(dataset, settings=overrides,
                                    journal=journal, **run_kwargs)
    summary = summarize(records)
    header, rows = baseline_rows(summary)
    out.table("baselines", f"scikit-learn's MLPClassifier on the same data "
              f"({dataset})", header, rows,
              "MLPClassifier with its defaults (one ReLU layer of 100 units, "
              "Adam, stopped by tol), and with the tables' hidden layers "
              f"{'-'.join(map(str, settings['hidden_layer_sizes']))} (other "
              "parameters at their defaults); trained on the training data, "
              f"measured on the test set; mean over {run_kwargs['n_seeds']} "
              "seed(s)."
              + ("" if data is None else f" {data['n_train']} training and "
                 f"{data['n_test']} test rows."))
    out.csv("baselines", records)
    out.info["experiments"]["baselines"] = {
        "dataset": dataset, "seconds": report.elapsed,
        "durations": report.durations, "failures": report.errors}
    if data is not None:
        _record_run(out, "baselines", report, data, journal)
    return report


def _claims_table(out, name, runs, aggregate):
    from .experiments._claims import claims_rows, evaluate_claims

    claims = evaluate_claims(**runs, aggregate=aggregate)
    if not claims:
        return
    header, rows = claims_rows(claims)
    held = sum(c["holds"] for c in claims)
    out.table(name, "The paper's claims", header, rows,
              f"{held} of {len(claims)} claims hold. Margin: how far the "
              "claim holds (negative: fails) in seed standard deviations "
              "(n/a with one seed). AOD claims use aggregate="
              f"{aggregate}.")
    out.csv(name, claims)


# --------------------------------------------------------------- commands
def demo(args, argv, overrides):
    """``demo``: rates chosen on validation data, then the comparison on digits."""
    from .experiments._claims import comparison_sentence
    from .experiments._compare import run_comparison
    from .experiments._output import Output, settings_note
    from .experiments._paper import PAPER_TABLE1
    from .experiments._plots import plot_comparison
    from .experiments._records import summarize, text_table
    from .experiments._select import chosen_rates, run_selection
    from .experiments._tables import aod_rows, comparison_rows

    overrides = _with_rates_file(args, overrides)
    settings = _settings("digits", "quick", overrides)
    run_kwargs = _run_kwargs(args)
    out = Output(args.out or ".", argv, "demo")
    tic = time.perf_counter()
    print("Demo: DBN, DpRBM, Dsigm and Drelu (a ReLU control, not in the "
          "paper) on scikit-learn's digits. "
          + settings_note(settings, overrides, "digits", "quick", rates=False),
          flush=True)
    given = {k for k in ("learning_rate", "pretrain_learning_rate")
             if k in overrides}
    reports = []
    chosen = {}
    if getattr(args, "rates", None) is None:
        grid = ", ".join(f"{r:g}" for r in settings["rate_grid"])
        print(f"\n1. Learning rates: every rate of {{{grid}}} for every "
              "network, judged on a stratified "
              f"{settings['validation_fraction']:.0%} validation split of the "
              "training data (the test set is not used).", flush=True)
        records, report = run_selection("digits", settings=overrides,
                                        **run_kwargs)
        reports.append(report)
        chosen = chosen_rates(summarize(records), settings["rate_grid"])
        for key in given:  # rates given on the command line win
            value = overrides[key]
            chosen[key].update(value if isinstance(value, dict)
                               else dict.fromkeys(chosen[key], value))
    run_overrides = {**overrides, **chosen}
    settings = _settings("digits", "quick", run_overrides)

    def listed(key):
        return ", ".join(f"{m} {v:g}" for m, v in settings[key].items())

    print(f"\n2. Training with pretraining rates {listed('pretrain_learning_rate')}"
          f"; back-propagation rates {listed('learning_rate')}.", flush=True)
    records, report = run_comparison("digits", settings=run_overrides,
                                     **run_kwargs)
    reports.append(report)
    summary = summarize(records)
    header, rows = comparison_rows(summary, len(settings["hidden_layer_sizes"]))
    print(f"\nMean HSPM on the test set (higher = sparser) and test error\n"
          f"{text_table(header, rows)}")
    header, rows = comparison_rows([], 3, PAPER_TABLE1)
    rows = [[model, *row[1:]] for model, row in zip(
        [r[0] for r in rows if r[0] != "  paper"],
        [r for r in rows if r[0] == "  paper"])]
    print(f"\nFor orientation, the paper's Table 1 (MNIST, 500-500-2000, 60,000 "
          f"training images; not comparable number for number)\n"
          f"{text_table(header, rows)}")
    aggregate = settings["aggregate"]
    header, rows = aod_rows(summary, aggregate)
    print(f"\nAverage activation overlap among 2 classes (lower = classes use "
          f"more distinct units; Z(X_c) = {aggregate}, eq. 9 as written)\n"
          f"{text_table(header, rows)}")
    print("\n" + comparison_sentence(records, "digits", aggregate))
    out.figure("sparsity_demo", plot_comparison, summary,
               "digits: DBN, DpRBM, Dsigm, Drelu", aggregate=aggregate)
    print(f"Done in {time.perf_counter() - tic:.0f} s.")
    return reports


def reproduce(args, argv, overrides):
    """``reproduce EXPERIMENT``: the paper's tables and figures."""
    from .experiments._output import Output
    from .experiments._records import read_csv
    from .experiments._settings import DATASETS
    from .experiments._tables import TABLE_DATASETS, TABLE_NUMBERS

    if args.experiment not in EXPERIMENTS:
        raise UsageError(f"unknown experiment {args.experiment!r}; choose one of "
                         f"{', '.join(EXPERIMENTS)}")
    _check_scale(args.scale)
    if args.dataset is not None and args.dataset not in DATASETS:
        raise UsageError(f"unknown data set {args.dataset!r}; choose one of "
                         f"{', '.join(DATASETS)}")
    if not set(args.parts) <= set("abc") or not args.parts:
        raise UsageError(f"--parts takes letters of abc; got {args.parts!r}")
    overrides = _with_rates_file(args, overrides)
    run_kwargs = _run_kwargs(args)
    out = Output(args.out or f"sklearn_sparsity_results_{args.scale}", argv,
                 args.experiment)
    wanted = (["table1", "table2", "figure1", "figure2"]
              if args.experiment == "all" else [args.experiment])
    reports, comparison, claims_runs = [], {}, {}
    for experiment in wanted:
        dataset = TABLE_DATASETS.get(experiment, args.dataset or "mnist")
        settings = _settings(dataset, args.scale, overrides)
        data = _check_data(dataset, settings, args.data_home)
        print(f"\n== {experiment} ({dataset}, scale {args.scale}, "
              f"{data['n_train']} training and {data['n_test']} test rows, "
              f"device {run_kwargs['device']})", flush=True)
        if experiment in TABLE_DATASETS or experiment == "figure2":
            if dataset not in comparison:
                number = TABLE_NUMBERS.get(dataset)
                name = f"table{number}" if number else f"comparison_{dataset}"
                title = (f"Table {number}: HSPM per layer and test error "
                         f"({dataset})" if number else
                         f"Comparison: HSPM per layer and test error ({dataset})")
                records, summary, report = _comparison(
                    out, name, dataset, args.scale, settings, overrides,
                    run_kwargs, title, data)
                comparison[dataset] = summary
                reports.append(report)
                if number:
                    claims_runs[name] = records
            if experiment == "figure2":
                _figure2(out, dataset, args.scale, comparison[dataset], settings,
                         overrides)
        elif experiment == "baselines":
            reports.append(_baselines(out, dataset, args.scale, settings,
                                      overrides, run_kwargs, data))
        elif experiment == "finetuning":
            reports.append(_finetuning(out, dataset, args.scale, settings,
                                       overrides, run_kwargs, data))
        else:
            reports += _figure1(out, dataset, args.scale, args.parts, settings,
                                overrides, run_kwargs, data)
            if dataset == "mnist":
                for part in args.parts:
                    path = out.dir / f"figure1{part}.csv"
                    claims_runs[f"figure1{part}"] = read_csv(path)
        out.save_info()
    if claims_runs:
        _claims_table(out, "claims", claims_runs, settings["aggregate"])
    return reports


def select_rates(args, argv, overrides):
    """``select-rates TABLE``: the learning-rate grid on validation data."""
    from .experiments._output import Output, settings_note
    from .experiments._records import summarize
    from .experiments._select import chosen_rates, run_selection
    from .experiments._tables import selection_rows

    if args.table not in SELECT_TABLES:
        raise UsageError(f"unknown table {args.table!r}; choose one of "
                         f"{', '.join(SELECT_TABLES)}")
    _check_scale(args.scale)
    dataset = SELECT_TABLES[args.table]
    settings = _settings(dataset, args.scale, overrides)
    data = _check_data(dataset, settings, args.data_home)
    run_kwargs = _run_kwargs(args)
    out = Output(args.out or f"sklearn_sparsity_results_{args.scale}", argv,
                 f"select_rates_{args.table}")
    rates = ", ".join(f"{r:g}" for r in settings["rate_grid"])
    print(f"\n== select-rates {args.table} ({dataset}, scale {args.scale}): "
          f"every rate of {{{rates}}}, validated on "
          + _validation_text(settings),
          flush=True)
    name = f"select_rates_{args.table}"
    journal = _journal(out, name, data, run_kwargs)
    records, report = run_selection(dataset, settings=overrides,
                                    journal=journal, **run_kwargs)
    summary = summarize(records)
    chosen = chosen_rates(summary, settings["rate_grid"])
    header, rows = selection_rows(summary, chosen,
                                  len(settings["hidden_layer_sizes"]))
    note = (settings_note(settings, overrides, dataset, args.scale, rates=False)
            + f" Validation: {_validation_text(settings)}"
            " (the test set is not used); mean over "
            f"{args.n_seeds} seed(s) ± sample std. Chosen (*): the lowest "
            "validation error of each network (ties: lower log loss). Chosen "
            "rates: " + json.dumps(chosen) + ".")
    if report.errors:
        note += (" Not in the table, failed: " + "; ".join(
            f"{task}: {error}" for task, error in report.errors.items()) + ".")
    out.table(name, f"Learning rates chosen on validation data ({dataset})",
              header, rows, note)
    out.csv(f"{name}_runs", records)
    out.csv(f"{name}_summary", summary)
    out.json(f"selected_rates_{args.table}", chosen)
    out.info["experiments"][name] = {
        "dataset": dataset, "settings": settings, "chosen": chosen,
        "seconds": report.elapsed, "durations": report.durations,
        "failures": report.errors, "device": run_kwargs["device"]}
    _record_run(out, name, report, data, journal)
    out.save_info()
    return [report]


def claims(args, argv, overrides):
    """``claims DIR...``: the paper's claims against written results."""
    from pathlib import Path

    from .experiments._output import Output
    from .experiments._records import read_csv

    files = {"table1": "table1_runs.csv", "table2": "table2_runs.csv",
             "figure1a": "figure1a.csv", "figure1b": "figure1b.csv",
             "figure1c": "figure1c.csv"}
    runs = {}
    for given in map(Path, args.results):
        if given.is_dir():
            found = {key: given / name for key, name in files.items()
                     if (given / name).exists()}
        elif given.name in files.values():
            found = {key: given for key, name in files.items()
                     if name == given.name}
        else:
            raise UsageError(f"{given} is neither a folder of results nor one "
                             f"of {', '.join(files.values())}")
        for key, path in found.items():
            if key in runs:
                raise UsageError(f"{path.name} is given more than once (in "
                                 "the folders or files); give each result once")
            runs[key] = read_csv(path)
    if not runs:
        raise UsageError("none of the given folders holds results of "
                         "'reproduce' (" + ", ".join(files.values()) + ")")
    first = Path(args.results[0])
    out = Output(args.out or (first if first.is_dir() else first.parent), argv,
                 "claims")
    _claims_table(out, "claims", runs, args.aggregate)
    out.info["experiments"]["claims"] = {"results": list(args.results),
                                         "files": sorted(runs)}
    out.save_info()
    return []
