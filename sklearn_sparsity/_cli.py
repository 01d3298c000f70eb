"""Command line: ``python -m sklearn_sparsity {demo,reproduce}``.

``demo`` compares DBN, DpRBM and Dsigm on scikit-learn's digits in about half
a minute; ``reproduce`` runs the paper's tables and figures and writes CSV and
Markdown tables and PNG figures, printing every table next to the paper's
numbers. Mistakes a user can make (missing data, unknown experiment, bad
option) end with one message and exit status 2; failed runs are listed and
give exit status 1 after the finished ones were written.
"""

import argparse
import json
import math
import platform
import sys
import time
from functools import partial
from pathlib import Path

EXPERIMENTS = ("table1", "table2", "figure1", "figure2", "all")
_TABLE_DATASET = {"table1": "mnist", "table2": "birdsong"}
_SELECT_DATASET = {**_TABLE_DATASET, "demo": "digits"}


class UsageError(Exception):
    """A mistake of the user: reported in one line, exit status 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        raise UsageError(f"{message} (see '{self.prog} --help')")


def _parse(text, convert, what):
    """``convert(text)``, or the argparse error "expected WHAT, got TEXT"."""
    try:
        return convert(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected {what}, got {text!r}") from None


def _positive_int(text):
    value = _parse(text, int, "an integer")
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text}")
    return value


def _positive_float(text):
    value = _parse(text, float, "a number")
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text}")
    return value


def _model_rates(text):
    """``DBN=0.1,Dsigm=1`` -> ``{"DBN": 0.1, "Dsigm": 1.0}``."""
    from .experiments._compare import MODELS

    rates = {}
    for item in text.split(","):
        model, sep, value = item.partition("=")
        model = model.strip()
        if not sep or model not in MODELS:
            raise argparse.ArgumentTypeError(
                f"expected MODEL=RATE[,MODEL=RATE...] with MODEL one of "
                f"{', '.join(MODELS)}, got {text!r}")
        rates[model] = _positive_float(value.strip())
    return rates


def _n_jobs(text):
    value = _parse(text, int, "an integer")
    if value == 0:
        raise argparse.ArgumentTypeError("n_jobs must not be 0 (use 1 or -1)")
    return value


def _sizes(text):
    try:
        sizes = tuple(int(s) for s in text.replace(",", "-").split("-") if s)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected sizes like 500-500-2000, got {text!r}") from None
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError(f"expected positive sizes, got {text!r}")
    return sizes


def _add_common(p):
    p.add_argument("--n-seeds", type=_positive_int, default=1,
                   help="independent repetitions (mean and std are reported)")
    p.add_argument("--n-jobs", type=_n_jobs, default=1,
                   help="parallel workers over independent runs (-1: all cores)")
    p.add_argument("--backend", default=None,
                   help="joblib backend, e.g. loky (default) or dask")
    p.add_argument("--scheduler", default=None, metavar="ADDRESS",
                   help="Dask scheduler address (implies --backend dask); "
                        "'local' starts a local cluster")
    p.add_argument("--cache-dir", default=None, metavar="DIR",
                   help="joblib cache of pretrained layers and finished runs")
    p.add_argument("--out", default=None, metavar="DIR",
                   help="output folder")
    p.add_argument("-v", "--verbose", action="count", default=0,
                   help="also print every training epoch, each line prefixed "
                        "with its run's name (layers and runs loaded from "
                        "the cache print no epochs)")
    g = p.add_argument_group(
        "overrides", "replace the scale's settings (results are then labelled "
        "with the overrides; meant for reduced runs and tests)")
    g.add_argument("--hidden", type=_sizes, metavar="SIZES",
                   help="hidden layer sizes of the tables, e.g. 100-100")
    g.add_argument("--pretrain-epochs", type=_positive_int, metavar="N")
    g.add_argument("--finetune-epochs", type=_positive_int, metavar="N")
    g.add_argument("--profile-epochs", type=_positive_int, metavar="N",
                   help="epochs of Figure 1(b, c) (the paper: 1000)")
    g.add_argument("--widths", type=_sizes, metavar="SIZES",
                   help="widths of Figure 1(b), e.g. 500-1000-2000")
    g.add_argument("--depth-widths", type=_sizes, metavar="SIZES",
                   help="widths of the five-layer stacks of Figure 1(c)")
    g.add_argument("--max-train", type=_positive_int, metavar="N",
                   help="stratified subsample of the training set")
    g.add_argument("--max-test", type=_positive_int, metavar="N",
                   help="stratified subsample of the test set")
    g.add_argument("--scaler", choices=("minmax", "quantile"), default=None,
                   help="Birdsong's mapping to [0, 1]: minmax (the paper's, "
                        "default) or quantile (per-feature empirical CDF)")
    g.add_argument("--pretrain-lr", type=_positive_float, metavar="LR",
                   help="learning rate of CD-1 pretraining (default 0.1)")
    g.add_argument("--lr", type=_model_rates, metavar="MODEL=LR[,...]",
                   help="back-propagation learning rates, e.g. Dsigm=0.1,DBN=1 "
                        "(defaults: DBN 0.1, DpRBM 0.1, Dsigm 1)")


def build_parser():
    """The argument parser of ``python -m sklearn_sparsity``."""
    parser = _Parser(
        prog="python -m sklearn_sparsity",
        description="Sparseness of pretrained networks (Li et al., 2013, "
                    "arXiv:1312.5813): a demo and the paper's experiments.",
    )
    sub = parser.add_subparsers(dest="command",
                                metavar="{demo,reproduce,select-rates}",
                                parser_class=_Parser)
    sub.required = True
    demo = sub.add_parser(
        "demo", help="compare DBN, DpRBM and Dsigm on scikit-learn's digits",
        description="Train DBN, DpRBM and Dsigm (256-256 hidden units) on "
                    "scikit-learn's 8x8 digits, print the HSPM/error table and "
                    "the activation overlap, and save a figure.")
    _add_common(demo)
    rep = sub.add_parser(
        "reproduce", help="run the paper's tables and figures",
        description="Run Table 1 (MNIST), Table 2 (Birdsong), Figure 1 "
                    "(sparseness during pretraining: a epochs, b width, c "
                    "depth) or Figure 2 (activation overlap), write CSV, "
                    "Markdown and PNG files and print every table next to the "
                    "paper's numbers.")
    rep.add_argument("experiment", metavar="EXPERIMENT",
                     help=f"one of {', '.join(EXPERIMENTS)}")
    rep.add_argument("--scale", default="quick",
                     help="quick (minutes) or paper (the paper's epochs: hours)")
    rep.add_argument("--data-home", default=None, metavar="DIR",
                     help="folder holding mnist-subset/ (or mnist/) and "
                          "birdsong/; default: $SKLEARN_SPARSITY_DATA")
    rep.add_argument("--dataset", default=None,
                     help="data set of the figures: mnist (default), birdsong "
                          "or digits")
    _add_common(rep)
    sel = sub.add_parser(
        "select-rates", help="choose each network's learning rates on a "
                             "validation split",
        description="Train every network with every learning rate of the "
                    "paper's set {1, 0.1, 0.05, 0.01} on part of the training "
                    "data and choose, per network, the rates with the lowest "
                    "error on the held-out rest (the test set is not used). "
                    "Writes the whole grid and the chosen rates (JSON, for "
                    "--rates of 'reproduce').")
    sel.add_argument("table", metavar="TABLE",
                     help=f"one of {', '.join(_SELECT_DATASET)}")
    sel.add_argument("--scale", default="quick",
                     help="quick (minutes) or paper (the paper's epochs: hours)")
    sel.add_argument("--data-home", default=None, metavar="DIR",
                     help="folder holding mnist-subset/ (or mnist/) and "
                          "birdsong/; default: $SKLEARN_SPARSITY_DATA")
    _add_common(sel)
    return parser


def _overrides(args):
    names = {"hidden": "hidden_layer_sizes", "pretrain_epochs": "pretrain_epochs",
             "finetune_epochs": "finetune_epochs",
             "profile_epochs": "profile_epochs", "widths": "width_sizes",
             "depth_widths": "depth_sizes", "max_train": "max_train",
             "max_test": "max_test", "scaler": "scaler",
             "pretrain_lr": "pretrain_learning_rate", "lr": "learning_rate"}
    return {key: getattr(args, attr) for attr, key in names.items()
            if getattr(args, attr, None) is not None}


# ------------------------------------------------------------------ output
def _table_rows(summary, settings, paper=None):
    """Rows data/DBN/DpRBM/Dsigm of HSPM per layer and test error."""
    from .experiments._records import fmt

    n_layers = len(settings["hidden_layer_sizes"])

    def get(model, metric, layer=None):
        for r in summary:
            if (r["model"] == model and r["metric"] == metric
                    and r["layer"] == layer and r.get("k") is None):
                return r
        return None

    header = ["network", "input"] + [f"layer {i}" for i in range(1, n_layers + 1)]
    header.append("test error")
    rows = []
    for model in ("data", "DBN", "DpRBM", "Dsigm"):
        ours = []
        theirs = []
        cols = ([0] if model == "data" else [None]) + (
            [None] * n_layers if model == "data" else list(range(1, n_layers + 1)))
        for layer in cols:
            r = get(model, "hspm", layer) if layer is not None else None
            ours.append(fmt(r["mean"], r["std"]) if r else "")
        err = get(model, "test_error") if model != "data" else None
        ours.append(fmt(100 * err["mean"], 100 * err["std"], 2) + " %"
                    if err else "")
        if paper is not None:
            p = paper[model]
            if model == "data":
                theirs = [fmt(p["hspm"][0])] + [""] * n_layers + [""]
            else:
                theirs = ([""] + [fmt(v) for v in p["hspm"][1:n_layers + 1]]
                          + [fmt(p["test_error"], digits=2)
                             + (" %" if math.isfinite(p["test_error"]) else "")])
        rows.append([model, *ours])
        if paper is not None:
            rows.append(["  paper", *theirs])
    return header, rows


def _aod_rows(summary, k=2):
    from .experiments._records import fmt

    layers = sorted({r["layer"] for r in summary if r["metric"] == "aod"
                     and r["layer"] is not None})
    header = ["network"] + [("input" if v == 0 else f"layer {v}") for v in layers]
    rows = []
    for model in ("data", "DBN", "DpRBM", "Dsigm"):
        row = [model]
        for layer in layers:
            r = [x for x in summary if x["model"] == model and x["metric"] == "aod"
                 and x["layer"] == layer and x["k"] == k]
            row.append(fmt(r[0]["mean"], r[0]["std"]) if r else "")
        rows.append(row)
    return header, rows


def _overlap_curve_rows(summary):
    from .experiments._records import fmt

    ks = sorted({r["k"] for r in summary if r["metric"] == "aod"})
    header = ["network", "layer", "tau"] + [f"k={k}" for k in ks]
    rows = []
    keys = sorted({(r["model"], r["layer"]) for r in summary
                   if r["metric"] == "aod"},
                  key=lambda t: (("data", "DBN", "DpRBM", "Dsigm").index(t[0]),
                                 t[1]))
    for model, layer in keys:
        tau = [r for r in summary if r["model"] == model and r["layer"] == layer
               and r["metric"] == "tau"]
        row = [model, "input" if layer == 0 else str(layer),
               fmt(tau[0]["mean"], tau[0]["std"]) if tau else ""]
        for k in ks:
            r = [x for x in summary if x["model"] == model
                 and x["layer"] == layer and x["metric"] == "aod" and x["k"] == k]
            row.append(fmt(r[0]["mean"]) if r else "")
        rows.append(row)
    return header, rows


def _profile_rows(summary, stack_label=None):
    """Rows of a Figure 1 table; ``stack_label`` names a stack of unequal
    widths (Figure 1(a)), otherwise "n_layers x width"."""
    from .experiments._records import fmt

    rows = []
    for r in sorted((r for r in summary if r["metric"] == "hspm_test"),
                    key=lambda r: (r["n_layers"], r["width"], r["layer"])):
        first = [x for x in summary if x["metric"] == "hspm_train"
                 and x["width"] == r["width"] and x["n_layers"] == r["n_layers"]
                 and x["layer"] == r["layer"] and x["epoch"] == 1]
        last = [x for x in summary if x["metric"] == "hspm_train"
                and x["width"] == r["width"] and x["n_layers"] == r["n_layers"]
                and x["layer"] == r["layer"] and x["epoch"] == r["epoch"]]
        rows.append([
            stack_label or f"{r['n_layers']} x {r['width']}",
            str(r["layer"]), str(r["epoch"]),
            fmt(first[0]["mean"]) if first else "",
            fmt(last[0]["mean"], last[0]["std"]) if last else "",
            fmt(r["mean"], r["std"]),
        ])
    header = ["stack", "layer", "epochs", "HSPM train (epoch 1)",
              "HSPM train (last epoch)", "HSPM test (end)"]
    return header, rows


def _git_commit(package_dir=None):
    """Commit of the source tree this package runs from, or None.

    ``"<sha>+dirty"`` when tracked files of the package differ from it (other
    files, such as result folders being written, do not count); None for an
    installed (non-editable) package or without git. ``package_dir``
    defaults to this package's folder; its parent must be the checkout.
    """
    import subprocess

    package_dir = (Path(__file__).resolve().parent if package_dir is None
                   else Path(package_dir))
    if not (package_dir.parent / ".git").exists():
        return None
    git = ["git", "-C", str(package_dir)]
    try:
        sha = subprocess.run([*git, "rev-parse", "HEAD"], capture_output=True,
                             text=True, timeout=10, check=True).stdout.strip()
        dirty = subprocess.run(
            [*git, "status", "--porcelain", "--untracked-files=no", "--", "."],
            capture_output=True, text=True, timeout=10, check=True).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    return sha + ("+dirty" if dirty.strip() else "")


def _provenance():
    """What produced a result: versions, source commit, kernels, time."""
    import datetime

    import numpy as np
    import sklearn

    from . import __version__, _kernels

    return {
        "python": platform.python_version(),
        "sklearn_sparsity": __version__,
        "git_commit": _git_commit(),
        "numpy": np.__version__,
        "scikit-learn": sklearn.__version__,
        "numba_kernels": bool(_kernels.NUMBA_ENABLED),
        "started": datetime.datetime.now(datetime.timezone.utc).isoformat(
            timespec="seconds"),
    }


class _Output:
    def __init__(self, out, args, argv):
        self.dir = Path(out)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.args = args
        self.command = "python -m sklearn_sparsity " + " ".join(argv)
        self.info = {"command": self.command, **_provenance(), "experiments": {}}

    def table(self, name, title, header, rows, note=""):
        from .experiments._records import markdown_table, text_table

        print(f"\n{title}\n{text_table(header, rows)}")
        if note:
            print(note)
        md = f"## {title}\n\n{markdown_table(header, rows)}\n"
        if note:
            md += f"\n{note}\n"
        md += f"\nCommand: `{self.command}`\n"
        path = self.dir / f"{name}.md"
        path.write_text(md)
        print(f"  -> {path}")

    def csv(self, name, records):
        from .experiments._records import write_csv

        path = self.dir / f"{name}.csv"
        write_csv(records, path)
        print(f"  -> {path}")

    def figure(self, name, func, summary, title):
        path = self.dir / f"{name}.png"
        try:
            func(summary, path, title=title)
        except ImportError as exc:
            print(f"  (figure {name}.png skipped: {exc})")
            return
        print(f"  -> {path}")

    def save_info(self):
        experiment = getattr(self.args, "experiment", None)
        if experiment is None:
            experiment = "_".join(
                [self.args.command.replace("-", "_")]
                + ([self.args.table] if hasattr(self.args, "table") else []))
        path = self.dir / f"run_info_{experiment}.json"
        path.write_text(json.dumps(self.info, indent=2, default=str))


# --------------------------------------------------------------- commands
def _reduces(key, value, default):
    """Whether overriding ``key`` from ``default`` to ``value`` shrinks the run.

    Fewer epochs, fewer or narrower layers, a grid missing some of the
    scale's widths, or subsampled data; other changes (more epochs, another
    scaler or learning rate) alter the protocol without reducing it.
    """
    if key in ("pretrain_epochs", "finetune_epochs", "profile_epochs"):
        return value < default
    if key in ("max_train", "max_test"):
        return value is not None and (default is None or value < default)
    if key in ("width_sizes", "depth_sizes"):
        return not set(default) <= set(value)
    if key == "hidden_layer_sizes":
        return len(value) < len(default) or sum(value) < sum(default)
    return False


def _overrides_note(overrides, dataset, scale, ignore=()):
    """``**Reduced run**: ...``, ``**Settings overridden**: ...`` or ``""``.

    Only overrides that change the scale's settings are listed: passing the
    paper's own values (say ``--profile-epochs 1000`` at paper scale) leaves
    a paper-scale run. Settings in ``ignore`` (those the result does not
    depend on) are left out.
    """
    from .experiments._settings import get_settings

    defaults = get_settings(dataset, scale)
    settings = get_settings(dataset, scale, overrides)
    changed = {}
    for key in overrides:
        if key in ignore:
            continue
        value, default = settings[key], defaults[key]
        if isinstance(value, dict):
            value = {k: v for k, v in value.items() if default.get(k) != v}
        if value != default and value != {}:
            changed[key] = value
    if not changed:
        return ""
    label = ("Reduced run" if any(_reduces(k, settings[k], defaults[k])
                                  for k in changed)
             else "Settings overridden")
    return (f" **{label}**: "
            + ", ".join(f"{k}={v}" for k, v in changed.items()) + ".")


def _settings_note(settings, overrides, dataset, scale, rates=True):
    sizes = "-".join(map(str, settings["hidden_layer_sizes"]))

    def listed(key):
        return ", ".join(f"{m} {v:g}" for m, v in settings[key].items())

    if rates:
        pretrain = f" (lr {listed('pretrain_learning_rate')})"
        finetune = f" (lr {listed('learning_rate')})"
    else:
        pretrain = finetune = ""
    note = (f"Network {sizes}; pretraining {settings['pretrain_epochs']} epochs "
            f"per layer{pretrain}, fine-tuning {settings['finetune_epochs']} "
            f"epochs{finetune}, minibatch {settings['batch_size']}, momentum "
            f"{settings['momentum']} ({settings['momentum_schedule']}), "
            f"{settings['loss']}.")
    return note + _overrides_note(overrides, dataset, scale)


def _run_table(out, name, dataset, args, settings, overrides, run_kwargs,
               paper=None, title=None):
    from .experiments._compare import run_comparison
    from .experiments._plots import plot_comparison
    from .experiments._records import summarize

    records, report = run_comparison(dataset, settings=overrides, **run_kwargs)
    summary = summarize(records)
    note = _settings_note(settings, overrides, dataset, args.scale)
    note += f" Test set: mean over {args.n_seeds} seed(s) ± sample std."
    header, rows = _table_rows(summary, settings, paper)
    out.table(name, title or f"{name}: HSPM per layer and test error ({dataset})",
              header, rows, note)
    header, rows = _aod_rows(summary)
    out.table(f"{name}_aod", f"{name}: average AOD among 2 classes ({dataset})",
              header, rows, "tau by the paper's rule; Z(X_c) at the class-mean "
              "input of each layer.")
    out.csv(f"{name}_runs", records)
    out.csv(f"{name}_summary", summary)
    out.figure(name, plot_comparison, summary,
               f"{dataset}: DBN, DpRBM, Dsigm")
    out.info["experiments"][name] = {
        "dataset": dataset, "settings": settings, "seconds": report.elapsed,
        "durations": report.durations, "failures": report.errors}
    return records, summary, report


def _figure2(out, dataset, scale, summary, settings, overrides):
    from .experiments._plots import plot_overlap

    aod = [r for r in summary if r["metric"] in ("aod", "tau")]
    header, rows = _overlap_curve_rows(aod)
    out.table("figure2", f"Figure 2: average AOD among k classes ({dataset})",
              header, rows, _settings_note(settings, overrides, dataset, scale))
    out.csv("figure2", aod)
    out.figure("figure2", plot_overlap, aod,
               f"{dataset}: average AOD among k classes")


# Settings each part of Figure 1 does not use (fine-tuning, the AOD, and the
# other parts' grids), left out of its note.
_FIGURE1_UNUSED = {
    "a": ("finetune_epochs", "learning_rate", "tau_rows", "ks", "profile_epochs",
          "width_sizes", "depth_sizes", "depth_layers"),
    "b": ("finetune_epochs", "learning_rate", "tau_rows", "ks",
          "hidden_layer_sizes", "pretrain_epochs", "depth_sizes",
          "depth_layers"),
    "c": ("finetune_epochs", "learning_rate", "tau_rows", "ks",
          "hidden_layer_sizes", "pretrain_epochs", "width_sizes"),
}


def _figure1(out, dataset, args, settings, overrides, run_kwargs):
    from .experiments._figure1 import run_profile
    from .experiments._plots import plot_profile, plot_width
    from .experiments._records import summarize

    reports = []
    for part, experiment, plot in (("a", "epochs", plot_profile),
                                   ("b", "width", plot_width),
                                   ("c", "depth", plot_profile)):
        records, report = run_profile(experiment, dataset, settings=overrides,
                                      **run_kwargs)
        summary = summarize(records)
        epochs = (settings["pretrain_epochs"] if part == "a"
                  else settings["profile_epochs"])
        note = (f"Pretraining {epochs} epochs per layer (paper: "
                f"{50 if part == 'a' else 1000}); HSPM per epoch from the "
                "training minibatches (history_), test HSPM after the last "
                "epoch.")
        note += _overrides_note(overrides, dataset, args.scale,
                                ignore=_FIGURE1_UNUSED[part])
        label = ("-".join(str(w) for w in settings["hidden_layer_sizes"])
                 if part == "a" else None)
        header, rows = _profile_rows(summary, label)
        out.table(f"figure1{part}", f"Figure 1({part}): HSPM vs {experiment} "
                  f"({dataset})", header, rows, note)
        out.csv(f"figure1{part}", records)
        plot_args = (summary, f"Figure 1({part}) {dataset}, {epochs} epochs")
        if label:
            plot = partial(plot, stack_label=label)
        out.figure(f"figure1{part}", plot, *plot_args)
        out.info["experiments"][f"figure1{part}"] = {
            "dataset": dataset, "seconds": report.elapsed,
            "durations": report.durations, "failures": report.errors}
        reports.append(report)
    return reports


def _check_data(dataset, settings, data_home):
    """Load the data once here, so a missing file is a usage error."""
    from .experiments._data import load_experiment_data

    try:
        load_experiment_data(dataset, settings, data_home)
    except FileNotFoundError as exc:
        raise UsageError(str(exc).splitlines()[0] + " Pass --data-home DIR or "
                         "set SKLEARN_SPARSITY_DATA.") from exc
    except ValueError as exc:
        raise UsageError(str(exc)) from exc


def _run_kwargs(args):
    return {"scale": getattr(args, "scale", "quick"),
            "data_home": getattr(args, "data_home", None),
            "n_seeds": args.n_seeds, "n_jobs": args.n_jobs,
            "backend": args.backend, "cache_dir": args.cache_dir,
            "verbose": 1 + args.verbose,
            "file": sys.stdout}


def _demo(args, argv):
    from .experiments._compare import run_comparison
    from .experiments._plots import plot_comparison
    from .experiments._records import summarize, text_table
    from .experiments._settings import get_settings

    overrides = _overrides(args)
    settings = get_settings("digits", "quick", overrides)
    out = _Output(args.out or ".", args, argv)
    print(f"Demo: DBN, DpRBM and Dsigm on scikit-learn's digits. "
          f"{_settings_note(settings, overrides, 'digits', 'quick')}")
    tic = time.perf_counter()
    records, report = run_comparison("digits", settings=overrides,
                                     **_run_kwargs(args))
    summary = summarize(records)
    header, rows = _table_rows(summary, settings)
    print(f"\nMean HSPM on the test set (higher = sparser) and test error\n"
          f"{text_table(header, rows)}")
    header, rows = _aod_rows(summary)
    print(f"\nAverage activation overlap among 2 classes (lower = classes use "
          f"more distinct units)\n{text_table(header, rows)}")
    out.figure("sparsity_demo", plot_comparison, summary,
               "digits: DBN, DpRBM, Dsigm")
    print(f"Done in {time.perf_counter() - tic:.0f} s.")
    return report


def _selection_rows(summary, chosen, n_layers):
    """Rows of the learning-rate grid: one per network and rate pair."""
    from .experiments._records import fmt

    def get(model, p, f, metric, layer=None):
        for r in summary:
            if (r["model"], r["pretrain_lr"], r["lr"], r["metric"],
                    r["layer"]) == (model, p, f, metric, layer):
                return r
        return None

    header = (["network", "pretrain lr", "lr", "validation error",
               "validation log loss"]
              + [f"HSPM layer {i}" for i in range(1, n_layers + 1)]
              + ["chosen"])
    rows = []
    for model in ("DBN", "DpRBM", "Dsigm"):
        points = sorted({(r["pretrain_lr"], r["lr"]) for r in summary
                         if r["model"] == model
                         and r["metric"] == "validation_error"},
                        key=lambda pf: (-(pf[0] or 0), -pf[1]))
        for p, f in points:
            err = get(model, p, f, "validation_error")
            loss = get(model, p, f, "validation_log_loss")
            is_chosen = (chosen["learning_rate"].get(model) == f and
                         chosen["pretrain_learning_rate"].get(model) == p)
            rows.append(
                [model, "" if p is None else f"{p:g}", f"{f:g}",
                 fmt(100 * err["mean"], 100 * err["std"], 2) + " %",
                 fmt(loss["mean"], loss["std"])]
                + [fmt(r["mean"]) if (r := get(model, p, f, "hspm_validation",
                                                i)) else ""
                   for i in range(1, n_layers + 1)]
                + ["*" if is_chosen else ""])
    return header, rows


def _select_rates(args, argv):
    from .experiments._records import summarize
    from .experiments._select import chosen_rates, run_selection
    from .experiments._settings import SCALES, get_settings

    if args.table not in _SELECT_DATASET:
        raise UsageError(f"unknown table {args.table!r}; choose one of "
                         f"{', '.join(_SELECT_DATASET)}")
    if args.scale not in SCALES:
        raise UsageError(f"unknown scale {args.scale!r}; choose quick or paper")
    dataset = _SELECT_DATASET[args.table]
    overrides = _overrides(args)
    try:
        settings = get_settings(dataset, args.scale, overrides)
    except ValueError as exc:
        raise UsageError(str(exc)) from exc
    _check_data(dataset, settings, args.data_home)
    out = _Output(args.out or f"sklearn_sparsity_results_{args.scale}", args,
                  argv)
    print(f"\n== select-rates {args.table} ({dataset}, scale {args.scale}): "
          f"every rate of {{{', '.join(f'{r:g}' for r in settings['rate_grid'])}}}"
          f", validated on {settings['validation_fraction']:.0%} of the "
          "training data", flush=True)
    records, report = run_selection(dataset, settings=overrides,
                                    **_run_kwargs(args))
    summary = summarize(records)
    chosen = chosen_rates(summary, settings["rate_grid"])
    name = f"select_rates_{args.table}"
    header, rows = _selection_rows(summary, chosen,
                                   len(settings["hidden_layer_sizes"]))
    note = (_settings_note(settings, overrides, dataset, args.scale, rates=False)
            + f" Validation: a stratified {settings['validation_fraction']:.0%}"
            " of the training data (the test set is not used); mean over "
            f"{args.n_seeds} seed(s) ± sample std. Chosen (*): the lowest "
            "validation error of each network (ties: lower log loss). Chosen "
            "rates: " + json.dumps(chosen) + ".")
    out.table(name, f"Learning rates chosen on validation data ({dataset})",
              header, rows, note)
    out.csv(f"{name}_runs", records)
    out.csv(f"{name}_summary", summary)
    path = out.dir / f"selected_rates_{args.table}.json"
    path.write_text(json.dumps(chosen, indent=2) + "\n")
    print(f"  -> {path}")
    out.info["experiments"][name] = {
        "dataset": dataset, "settings": settings, "chosen": chosen,
        "seconds": report.elapsed, "durations": report.durations,
        "failures": report.errors}
    out.save_info()
    return report


def _reproduce(args, argv):
    from .experiments._paper import PAPER_TABLES
    from .experiments._settings import DATASETS, SCALES, get_settings

    if args.experiment not in EXPERIMENTS:
        raise UsageError(f"unknown experiment {args.experiment!r}; choose one of "
                         f"{', '.join(EXPERIMENTS)}")
    if args.scale not in SCALES:
        raise UsageError(f"unknown scale {args.scale!r}; choose quick or paper")
    if args.dataset is not None and args.dataset not in DATASETS:
        raise UsageError(f"unknown data set {args.dataset!r}; choose one of "
                         f"{', '.join(DATASETS)}")
    overrides = _overrides(args)
    out = _Output(args.out or f"sklearn_sparsity_results_{args.scale}", args, argv)
    run_kwargs = _run_kwargs(args)
    wanted = (["table1", "table2", "figure1", "figure2"]
              if args.experiment == "all" else [args.experiment])
    reports = []
    comparison = {}
    for experiment in wanted:
        if experiment in _TABLE_DATASET:
            dataset = _TABLE_DATASET[experiment]
        else:
            dataset = args.dataset or "mnist"
        try:
            settings = get_settings(dataset, args.scale, overrides)
        except ValueError as exc:
            raise UsageError(str(exc)) from exc
        _check_data(dataset, settings, args.data_home)
        print(f"\n== {experiment} ({dataset}, scale {args.scale})", flush=True)
        if experiment in _TABLE_DATASET or experiment == "figure2":
            if dataset not in comparison:
                name = {"mnist": "table1", "birdsong": "table2"}.get(
                    dataset, f"comparison_{dataset}")
                number = {"table1": 1, "table2": 2}.get(name)
                title = (f"Table {number}: HSPM per layer and test error "
                         f"({dataset})" if number else None)
                paper = PAPER_TABLES.get(dataset)
                _, summary, report = _run_table(
                    out, name, dataset, args, settings, overrides, run_kwargs,
                    paper=paper, title=title)
                comparison[dataset] = summary
                reports.append(report)
            if experiment == "figure2":
                _figure2(out, dataset, args.scale, comparison[dataset], settings,
                         overrides)
        else:
            reports += _figure1(out, dataset, args, settings, overrides,
                                run_kwargs)
        out.save_info()
    return reports


def main(argv=None):
    """Entry point of ``python -m sklearn_sparsity`` and ``sklearn-sparsity``.

    Parameters
    ----------
    argv : list of str or None, default=None
        Arguments (``sys.argv[1:]`` when None).

    Returns
    -------
    status : int
        0 on success, 1 when some runs failed (the others are written), 2 on
        a usage error.
    """
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser()
    client = None
    try:
        args = parser.parse_args(argv)
        if args.scheduler is not None:
            if args.backend not in (None, "dask"):
                raise UsageError("--scheduler needs --backend dask")
            args.backend = "dask"
            from .experiments import dask_client

            try:
                client = dask_client(None if args.scheduler == "local"
                                     else args.scheduler)
            except (ImportError, OSError, TimeoutError) as exc:
                raise UsageError(f"cannot use the Dask scheduler "
                                 f"{args.scheduler!r}: {exc}") from exc
        elif args.backend == "dask":
            raise UsageError("--backend dask needs --scheduler ADDRESS (or "
                             "'local')")
        if args.backend is not None:
            from joblib.parallel import BACKENDS

            if args.backend not in BACKENDS:
                raise UsageError(f"unknown joblib backend {args.backend!r}; "
                                 f"known: {', '.join(sorted(BACKENDS))}")
        if args.command == "demo":
            reports = [_demo(args, argv)]
        elif args.command == "select-rates":
            reports = [_select_rates(args, argv)]
        else:
            reports = _reproduce(args, argv)
    except UsageError as exc:
        print(f"sklearn-sparsity: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("sklearn-sparsity: interrupted", file=sys.stderr)
        return 130
    finally:
        if client is not None:
            client.close()
    failed = {k: v for r in reports for k, v in r.errors.items()}
    if failed:
        print(f"\n{len(failed)} run(s) failed (the others were written):",
              file=sys.stderr)
        for name, error in failed.items():
            print(f"  {name}: {error}", file=sys.stderr)
        return 1
    return 0
