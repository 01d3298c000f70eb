"""Command line: ``python -m sklearn_sparsity COMMAND`` (demo, reproduce, ...).

This module parses the arguments and runs the command (``_commands.py``);
tables are rendered by ``experiments/_tables.py`` and results written by
``experiments/_output.py``. Mistakes a user can make (missing data, unknown
experiment, bad option) end with one message and exit status 2; failed runs
are listed and give exit status 1 after the finished ones were written;
Ctrl-C gives exit status 130, and SIGTERM ends the run the same way (its
workers stopped, nothing truncated written) with exit status 143.
"""

import argparse
import contextlib
import signal
import sys
import threading

from ._commands import EXPERIMENTS, SELECT_TABLES, USER_CACHE, UsageError


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
    from .experiments._models import MODELS

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


def _pretrain_rates(text):
    """``0.1`` (every pretrained network) or ``DBN=0.1,DpRBM=1``."""
    if "=" not in text:
        return _positive_float(text)
    from .experiments._settings import PRETRAINED

    rates = _model_rates(text)
    for model in rates:
        if model not in PRETRAINED:
            raise argparse.ArgumentTypeError(
                f"the {model} is not pretrained; give "
                f"{' and/or '.join(f'{m}=RATE' for m in PRETRAINED)}")
    return rates


def _models(text):
    """``DBN,Drelu`` -> ``("DBN", "Drelu")``."""
    from .experiments._models import MODELS

    models = tuple(m.strip() for m in text.split(",") if m.strip())
    unknown = [m for m in models if m not in MODELS]
    if unknown or not models:
        raise argparse.ArgumentTypeError(
            f"expected networks among {', '.join(MODELS)}, got {text!r}")
    return models


def _folder(text):
    """A folder given on the command line: an empty one is refused.

    An empty path would silently be the current folder (or the default).
    """
    if not text.strip():
        raise argparse.ArgumentTypeError(f"expected a folder, got {text!r}")
    return text


def _n_jobs(text):
    value = _parse(text, int, "an integer")
    if value == 0:
        raise argparse.ArgumentTypeError("n_jobs must not be 0 (use 1 or -1)")
    return value


def _rate_list(text):
    rates = tuple(_parse(part, float, "learning rate")
                  for part in text.split(","))
    if any(not 0 < r < float("inf") for r in rates):
        raise argparse.ArgumentTypeError(
            f"expected positive learning rates, got {text!r}")
    return rates


def _sizes(text):
    try:
        sizes = tuple(int(s) for s in text.replace(",", "-").split("-") if s)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected sizes like 500-500-2000, got {text!r}") from None
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError(f"expected positive sizes, got {text!r}")
    return sizes


def _add_resume_option(p):
    """``--only-finished``: of the commands that keep finished runs in --out."""
    p.add_argument("--only-finished", action="store_true",
                   help="train nothing: write the results from the runs "
                        "already finished in --out (its units/ folder, e.g. "
                        "copied from another machine); the others are "
                        "reported as not finished")


def _add_run_options(p):
    """Options of every command that trains networks."""
    p.add_argument("--n-seeds", type=_positive_int, default=1,
                   help="independent repetitions (mean and std are reported)")
    p.add_argument("--n-jobs", type=_n_jobs, default=1,
                   help="parallel workers over independent runs (-1: all cores)")
    p.add_argument("--backend", default=None,
                   help="joblib backend, e.g. loky (default) or dask")
    p.add_argument("--scheduler", default=None, metavar="ADDRESS",
                   help="Dask scheduler address (implies --backend dask); "
                        "'local' starts a local cluster")
    p.add_argument("--cache-dir", nargs="?", const=USER_CACHE, default=None,
                   type=_folder, metavar="DIR",
                   help="keep pretrained layers and finished runs on disk; "
                        "without DIR (--cache-dir alone), in the per-user "
                        "cache folder ($XDG_CACHE_HOME or "
                        "~/.cache)/sklearn-sparsity. A cache holds pickles: "
                        "use a folder only you can write to")
    p.add_argument("--out", default=None, type=_folder, metavar="DIR",
                   help="output folder (checked to be writable before any "
                        "training)")
    p.add_argument("--device", default="numpy", metavar="DEVICE",
                   help="where the networks train: numpy (default: NumPy on "
                        "the CPU) or a PyTorch device such as cuda, cuda:1 "
                        "or cpu (needs PyTorch; the array API path). "
                        "Results are kept apart by device")
    p.add_argument("-v", "--verbose", action="count", default=0,
                   help="also print every training epoch, each line prefixed "
                        "with its run's name (layers and runs loaded from "
                        "the cache print no epochs)")


def _add_overrides(p, command):
    """Options replacing the scale's settings (recorded in the results).

    Each command gets only the options it honours: ``select-rates`` tries
    every rate of the paper's set (no rate options) on part of the training
    data (no test-set or Figure 1 options); ``demo`` runs the digits setting.
    """
    reproduce = command == "reproduce"
    grid = command in ("reproduce", "select-rates")
    g = p.add_argument_group(
        "overrides", "replace the scale's settings (results are then labelled "
        "with the overrides)")
    g.add_argument("--hidden", type=_sizes, metavar="SIZES",
                   help="hidden layer sizes of the tables, e.g. 100-100")
    g.add_argument("--pretrain-epochs", type=_positive_int, metavar="N")
    g.add_argument("--finetune-epochs", type=_positive_int, metavar="N")
    if reproduce:
        g.add_argument("--profile-epochs", type=_positive_int, metavar="N",
                       help="epochs of Figure 1(b, c) (the paper: 1000)")
        g.add_argument("--widths", type=_sizes, metavar="SIZES",
                       help="widths of Figure 1(b), e.g. 500-1000-2000")
        g.add_argument("--depth-widths", type=_sizes, metavar="SIZES",
                       help="widths of the five-layer stacks of Figure 1(c)")
    if grid:
        g.add_argument("--max-train", type=_positive_int, metavar="N",
                       help="stratified subsample of the training set")
    if reproduce:
        g.add_argument("--max-test", type=_positive_int, metavar="N",
                       help="stratified subsample of the test set")
    if grid:
        g.add_argument("--scaler", choices=("minmax", "quantile", "standard"),
                       default=None,
                       help="Birdsong's input scaling: minmax (the paper's, "
                            "default), quantile (per-feature empirical CDF) "
                            "or standard (zero mean, unit variance; with "
                            "--visible gaussian)")
        g.add_argument("--loss", choices=("log_loss", "squared_error"),
                       default=None, help="back-propagation loss (default "
                                          "log_loss; the paper allows both)")
        g.add_argument("--momentum-schedule", choices=("linear", "step"),
                       default=None,
                       help="momentum 0.5 -> 0.9 over the first half of the "
                            "epochs: linear (Section 5; the default) or step "
                            "(Figure 1(a)'s caption; the default of Figure "
                            "1(a)); sets every experiment's schedule")
    g.add_argument("--rate-grid", type=_rate_list, metavar="LR[,LR...]",
                   help="learning rates tried (select-rates) or studied "
                        "(reproduce finetuning); default the paper's set "
                        "1,0.1,0.05,0.01")
    if command == "select-rates":
        g.add_argument("--validation-split", choices=("stratified", "official"),
                       default=None,
                       help="stratified (default: a stratified 20%% of the "
                            "training data) or official (MNIST: the first "
                            "50,000 training images train, the last 10,000 "
                            "validate; needs the full set)")
    g.add_argument("--models", type=_models, metavar="MODEL[,MODEL...]",
                   help="networks to train (default all: DBN, DpRBM, Dsigm "
                        "and Drelu, the ReLU control)")
    g.add_argument("--visible", choices=("bernoulli", "gaussian"),
                   default=None,
                   help="visible units of the first RBM: bernoulli (the "
                        "paper's, data in [0, 1]) or gaussian (Birdsong "
                        "standardised: implies --scaler standard)")
    if command == "select-rates":
        return
    g.add_argument("--pretrain-lr", type=_pretrain_rates,
                   metavar="LR|MODEL=LR[,...]",
                   help="learning rate of CD-1 pretraining, for both "
                        "pretrained networks or per network (DBN=1,DpRBM=0.1)")
    g.add_argument("--lr", type=_model_rates, metavar="MODEL=LR[,...]",
                   help="back-propagation learning rates, e.g. "
                        "Dsigm=0.1,DBN=1")
    g.add_argument("--rates", default=None, metavar="FILE", action="append",
                   help="learning rates chosen by 'select-rates' (its "
                        "selected_rates_*.json); repeat to combine files "
                        "(later ones win); --lr and --pretrain-lr override "
                        "single networks")


def _add_data_options(p):
    from .experiments._settings import SCALES

    p.add_argument("--scale", default="quick", choices=SCALES,
                   help="quick (minutes) or paper (the paper's epochs: hours)")
    p.add_argument("--data-home", default=None, type=_folder, metavar="DIR",
                   help="folder holding mnist-subset/ (or mnist/) and "
                        "birdsong/; default: $SKLEARN_SPARSITY_DATA")


def build_parser():
    """The argument parser of ``python -m sklearn_sparsity``."""
    from . import __version__

    parser = _Parser(
        prog="python -m sklearn_sparsity",
        description="Sparseness of pretrained networks (Li et al., 2013, "
                    "arXiv:1312.5813): a demo, the paper's experiments, the "
                    "learning-rate selection and the paper's claims checked.",
    )
    parser.add_argument("--version", action="version",
                        version=f"sklearn-sparsity {__version__}")
    sub = parser.add_subparsers(dest="command",
                                metavar="{demo,reproduce,select-rates,claims,map,sparse-coding}",
                                parser_class=_Parser)
    sub.required = True
    demo = sub.add_parser(
        "demo", help="compare DBN, DpRBM, Dsigm and Drelu on scikit-learn's digits",
        description="Choose each network's learning rates from the paper's "
                    "set on a validation split, train DBN, DpRBM, Dsigm and "
                    "Drelu (a ReLU control) "
                    "(256-256 hidden units) on scikit-learn's 8x8 digits, "
                    "print the HSPM/error table, the paper's Table 1 and the "
                    "activation overlap, and save a figure. Writes "
                    "sparsity_demo.png to --out (default: the current folder).")
    _add_run_options(demo)
    _add_overrides(demo, "demo")
    rep = sub.add_parser(
        "reproduce", help="run the paper's tables and figures",
        description="Run Table 1 (MNIST), Table 2 (Birdsong), Figure 1 "
                    "(sparseness during pretraining: a epochs, b width, c "
                    "depth), Figure 2 (activation overlap) or the fine-tuning "
                    "study, write CSV, Markdown and PNG files (default folder: "
                    "./sklearn_sparsity_results_SCALE/) and print every table "
                    "next to the paper's numbers.")
    rep.add_argument("experiment", metavar="EXPERIMENT",
                     help=f"one of {', '.join(EXPERIMENTS)}")
    _add_data_options(rep)
    rep.add_argument("--dataset", default=None,
                     help="data set of the figures: mnist (default), birdsong "
                          "or digits")
    rep.add_argument("--parts", default="abc", metavar="PARTS",
                     help="parts of Figure 1 to run, e.g. a or bc (default abc)")
    rep.add_argument("--aggregate", default=None,
                     choices=("mean_data", "mean_input", "mean_activation"),
                     help="reading of eq. 9 in the AOD tables (default "
                          "mean_data, the paper's as written; Figure 2 shows "
                          "all three)")
    _add_run_options(rep)
    _add_resume_option(rep)
    _add_overrides(rep, "reproduce")
    sel = sub.add_parser(
        "select-rates", help="choose each network's learning rates on a "
                             "validation split",
        description="Train every network with every learning rate of the "
                    "paper's set {1, 0.1, 0.05, 0.01} on part of the training "
                    "data and choose, per network, the rates with the lowest "
                    "error on the held-out rest (the test set is not used). "
                    "Writes the whole grid and the chosen rates (JSON, for "
                    "--rates of 'reproduce').")
    sel.add_argument("table", choices=tuple(SELECT_TABLES),
                     help="table1 (MNIST), table2 (Birdsong) or demo (the "
                          "demo's setting on scikit-learn's digits)")
    _add_data_options(sel)
    _add_run_options(sel)
    _add_resume_option(sel)
    _add_overrides(sel, "select-rates")
    claims = sub.add_parser(
        "claims", help="check the paper's claims against result folders",
        description="Read the per-seed results that 'reproduce' wrote "
                    "(table1_runs.csv, table2_runs.csv, figure1a/b/c.csv) "
                    "from the given folders or files and write the claims "
                    "table: each "
                    "claim of the paper, our value, the paper's, the margin "
                    "in seed standard deviations, holds or fails.")
    claims.add_argument("results", nargs="+", metavar="[LABEL=]DIR|FILE",
                        help="result folders of 'reproduce', or single result "
                             "files of them (e.g. figure1b.csv); with "
                             "LABEL=, the results of each label get their own "
                             "column (e.g. '5,000 images=DIR' and '60,000 "
                             "images=DIR2' for two scales)")
    claims.add_argument("--aggregate", default="mean_data",
                        choices=("mean_data", "mean_input", "mean_activation"),
                        help="reading of eq. 9 for the AOD claims")
    claims.add_argument("--out", default=None, type=_folder, metavar="DIR",
                        help="output folder (default: the first DIR)")
    _add_map_parser(sub)
    _add_sparse_coding_parser(sub)
    return parser


def _add_sparse_coding_parser(sub):
    """The ``sparse-coding`` command: Section 4 of the paper tested."""
    p = sub.add_parser(
        "sparse-coding", help="the RBM's first layer against sparse coding",
        description="Pretrain the first RBM layer of the tables' network and "
                    "compare its codes with a dictionary's sparse codes "
                    "(MiniBatchDictionaryLearning + SparseCoder, as many "
                    "atoms as hidden units, alpha bisected to the RBM's "
                    "HSPM): HSPM, tau and AOD, linear-probe accuracy, "
                    "reconstruction error. Writes sparse_coding.md and "
                    "sparse_coding_runs.csv (default folder: "
                    "./sklearn_sparsity_sparse_coding_DATASET/).")
    p.add_argument("--dataset", default="digits",
                   help="digits (default), mnist or birdsong")
    p.add_argument("--max-train", type=_positive_int, default=2000,
                   metavar="N", help="training rows kept (default 2000)")
    p.add_argument("--max-test", type=_positive_int, default=None,
                   metavar="N", help="test rows kept (default: the scale's)")
    p.add_argument("--n-seeds", type=_positive_int, default=1)
    p.add_argument("--hidden", type=_sizes, metavar="SIZES",
                   help="hidden layer sizes; the first is the number of atoms")
    p.add_argument("--pretrain-epochs", type=_positive_int, metavar="N")
    p.add_argument("--pretrain-lr", type=_positive_float, metavar="LR")
    p.add_argument("--out", default=None, metavar="DIR", help="output folder")
    _add_data_options(p)


def _add_map_parser(sub):
    """The ``map`` command: where the paper's claims hold (issue 25)."""
    from .experiments._map import AXES

    p = sub.add_parser(
        "map", help="measure the paper's three differences over a grid",
        description="One-factor-at-a-time sweeps around a base setting "
                    "(axes: " + ", ".join(AXES) + "): at every point and "
                    "seed, HSPM(DpRBM) - HSPM(Dsigm) per layer, the top "
                    "layer's AOD(Dsigm) - AOD(DpRBM) (k = 2 and the mean over "
                    "k) and HSPM(DBN) - HSPM(DpRBM) per layer. Writes "
                    "map_runs.csv, map.csv, map_summary.csv, "
                    "map_conclusions.md and map_DATASET.png (default folder: "
                    "./sklearn_sparsity_map_DATASET/). The overrides change "
                    "the base setting.")
    p.add_argument("--dataset", default="digits",
                   help="digits (default), mnist or birdsong")
    p.add_argument("--axes", default=None, metavar="AXIS[,AXIS...]",
                   help="axes to sweep (default all)")
    p.add_argument("--grid", action="append", default=None,
                   metavar="AXIS=V[,V...]",
                   help="values of one axis, replacing the grid's; repeat "
                        "for several axes")
    p.add_argument("--lr-grid", action="store_true",
                   help="also sweep the 2-D grid of pretraining x fine-tuning "
                        "rates (the paper's set {1, 0.1, 0.05, 0.01} each; "
                        "figure map_DATASET_lr_grid.png)")
    _add_data_options(p)
    _add_run_options(p)
    _add_resume_option(p)
    _add_overrides(p, "reproduce")


def _overrides(args):
    """Settings overrides from the parsed options (those given)."""
    names = {"hidden": "hidden_layer_sizes", "pretrain_epochs": "pretrain_epochs",
             "finetune_epochs": "finetune_epochs",
             "profile_epochs": "profile_epochs", "widths": "width_sizes",
             "depth_widths": "depth_sizes", "max_train": "max_train",
             "max_test": "max_test", "scaler": "scaler", "loss": "loss",
             "aggregate": "aggregate", "models": "models",
             "visible": "visible_units",
             "pretrain_lr": "pretrain_learning_rate", "lr": "learning_rate",
             "rate_grid": "rate_grid", "validation_split": "validation_split"}
    out = {key: getattr(args, attr) for attr, key in names.items()
           if getattr(args, attr, None) is not None}
    if out.get("visible_units") == "gaussian" and "scaler" not in out:
        out["scaler"] = "standard"
    schedule = getattr(args, "momentum_schedule", None)
    if schedule is not None:
        out["momentum_schedule"] = out["figure1a_momentum_schedule"] = schedule
    return out


def _connect(args):
    """Check the backend options; a Dask client when one is asked for."""
    if getattr(args, "scheduler", None) is not None:
        if args.backend not in (None, "dask"):
            raise UsageError("--scheduler needs --backend dask")
        args.backend = "dask"
        from .experiments import dask_client

        try:
            return dask_client(None if args.scheduler == "local"
                               else args.scheduler)
        except (ImportError, OSError, TimeoutError) as exc:
            raise UsageError(f"cannot use the Dask scheduler "
                             f"{args.scheduler!r}: {exc}") from exc
    backend = getattr(args, "backend", None)
    if backend == "dask":
        raise UsageError("--backend dask needs --scheduler ADDRESS (or 'local')")
    if backend is not None:
        from joblib.parallel import BACKENDS

        if backend not in BACKENDS:
            raise UsageError(f"unknown joblib backend {backend!r}; known: "
                             f"{', '.join(sorted(BACKENDS))}")
    return None


class Terminated(KeyboardInterrupt):
    """SIGTERM received: the run stops as on Ctrl-C (exit status 143).

    A ``KeyboardInterrupt``, so that everything that handles Ctrl-C handles
    it too: estimators keep their previous fit, joblib stops the parallel
    workers (which a SIGTERM sent to the main process alone does not reach),
    nothing truncated is cached or written.
    """


def _raise_terminated(signum, frame):
    raise Terminated()


@contextlib.contextmanager
def _sigterm_as_interrupt():
    """SIGTERM raises :class:`Terminated` while the command runs.

    Only in the main thread (where Python runs signal handlers); the
    previous handler is restored afterwards.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _raise_terminated)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


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
        a usage error, 130 when interrupted (Ctrl-C), 143 when terminated
        (SIGTERM).
    """
    from . import _commands, _commands_map

    argv = sys.argv[1:] if argv is None else list(argv)
    client = None
    try:
        with _sigterm_as_interrupt():
            args = build_parser().parse_args(argv)
            client = _connect(args)
            command = {"demo": _commands.demo, "reproduce": _commands.reproduce,
                       "select-rates": _commands.select_rates,
                       "claims": _commands.claims,
                       "map": _commands_map.map_,
                       "sparse-coding": _commands_map.sparse_coding}[
                           args.command]
            reports = command(args, argv, _overrides(args))
    except UsageError as exc:
        print(f"sklearn-sparsity: error: {exc}", file=sys.stderr)
        return 2
    except Terminated:
        print("sklearn-sparsity: terminated", file=sys.stderr)
        return 143
    except KeyboardInterrupt:
        print("sklearn-sparsity: interrupted", file=sys.stderr)
        return 130
    except OSError as exc:  # writing results: missing folder, full disk, ...
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"sklearn-sparsity: error: cannot write {where}"
              f"{exc.strerror or exc}", file=sys.stderr)
        return 2
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
