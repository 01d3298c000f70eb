"""Fingerprints of fitted models: check that a change leaves the numbers bitwise alone.

Fits a fixed set of small configurations (both estimators, every unit type,
loss, momentum schedule, dtype, sparse input, sample weights, early stopping,
``partial_fit`` and ``warm_start``) at one BLAS thread and prints a SHA-256 of
every fitted array of each. Run it on two trees and compare::

    python benchmarks/pins.py --out /tmp/pins_new.json
    python benchmarks/pins.py --against HEAD~1   # also fits the older commit

``--against COMMIT`` checks that commit out into a temporary git worktree,
runs this same script there (with the same interpreter, the older package on
``PYTHONPATH``), and prints which configurations differ; the exit status is 1
when any does. Fingerprints depend on the BLAS library and the CPU, so they
are compared between two trees on one machine, never against stored values.
Configurations whose parameters do not exist at the older commit are reported
as missing there, not as differences.
"""

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import warnings
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def _configs():
    """``name -> (estimator name, params, fit options)``."""
    small = {"batch_size": 20, "random_state": 0}
    stack = {**small, "hidden_layer_sizes": (16, 8), "n_epochs": 3}
    clf = {**small, "hidden_layer_sizes": (16, 8), "pretrain_epochs": 2,
           "n_epochs": 4, "tol": None}
    return {
        "stack-bernoulli": ("stack", stack, {}),
        "stack-cd2-persistent": ("stack", {**stack, "cd_steps": 2,
                                           "persistent": True}, {}),
        "stack-gaussian": ("stack", {**stack, "visible_units": "gaussian",
                                     "learning_rate": 0.01}, {"standard": True}),
        "stack-step-momentum": ("stack", {**stack, "momentum_schedule": "step"},
                                {}),
        "stack-float64": ("stack", stack, {"dtype": np.float64}),
        "stack-sparse": ("stack", stack, {"sparse": True}),
        "stack-sample-weight": ("stack", stack, {"sample_weight": True}),
        "DBN": ("clf", clf, {}),
        "DpRBM": ("clf", {**clf, "finetune": False}, {}),
        "Dsigm": ("clf", {**clf, "pretrain": False, "learning_rate": 1.0}, {}),
        "Drelu": ("clf", {**clf, "pretrain": False, "activation": "relu",
                          "init": "auto", "learning_rate": 0.05}, {}),
        "DBN-squared-error": ("clf", {**clf, "loss": "squared_error"}, {}),
        "DBN-float64": ("clf", clf, {"dtype": np.float64}),
        "DBN-sparse": ("clf", clf, {"sparse": True}),
        "DBN-sample-weight": ("clf", clf, {"sample_weight": True}),
        "Dsigm-early-stopping": ("clf", {**clf, "pretrain": False,
                                         "early_stopping": True, "tol": 0.0,
                                         "n_iter_no_change": 2, "n_epochs": 8,
                                         "learning_rate": 0.5}, {}),
        "Dsigm-partial-fit": ("clf", {**clf, "pretrain": False,
                                      "learning_rate": 0.5},
                              {"partial_fit": 3}),
        "Dsigm-warm-start": ("clf", {**clf, "pretrain": False,
                                     "learning_rate": 0.5, "warm_start": True},
                             {"refit": True}),
    }


def _data(dtype, standard):
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    X, y = X[:300], y[:300]
    if standard:
        X = (X - X.mean(axis=0)) / (X.std(axis=0) + 1.0)
    else:
        X = X / 16.0
    return X.astype(dtype), y


def _digest(value):
    if hasattr(value, "toarray"):
        value = value.toarray()
    array = np.ascontiguousarray(np.asarray(value))
    return hashlib.sha256(array.tobytes()).hexdigest()[:16]


def _fingerprint(est):
    """SHA-256 prefixes of the fitted arrays (weights, biases, curves)."""
    out = {}
    for name in sorted(vars(est)):
        if not name.endswith("_") or name.startswith("_"):
            continue
        value = getattr(est, name)
        if isinstance(value, np.ndarray) and value.dtype != object:
            out[name] = _digest(value)
        elif isinstance(value, (list, tuple)) and value and all(
                isinstance(v, np.ndarray) for v in value):
            out[name] = [_digest(v) for v in value]
        elif isinstance(value, list) and value and all(
                isinstance(v, float) for v in value):
            out[name] = _digest(np.asarray(value))
    # The stack's layers (each an RBM) and the classifier's pretrainer.
    for name in ("estimators_", "rbms_", "layers_"):
        layers = getattr(est, name, None)
        if isinstance(layers, list):
            out[name] = [_fingerprint(layer) for layer in layers]
    return out


def run_pins():
    from scipy import sparse
    from threadpoolctl import threadpool_limits

    import sklearn_sparsity
    from sklearn_sparsity import PretrainedMLPClassifier, StackedRBMTransformer

    results = {"package": str(Path(sklearn_sparsity.__file__).parent)}
    with threadpool_limits(1), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name, (kind, params, opts) in _configs().items():
            X, y = _data(opts.get("dtype", np.float32), opts.get("standard"))
            if opts.get("sparse"):
                X = sparse.csr_matrix(X)
            fit_kw = {}
            if opts.get("sample_weight"):
                fit_kw["sample_weight"] = np.linspace(0.5, 1.5, X.shape[0])
            cls = StackedRBMTransformer if kind == "stack" else \
                PretrainedMLPClassifier
            try:
                est = cls(**params)
                if opts.get("partial_fit"):
                    for _ in range(opts["partial_fit"]):
                        est.partial_fit(X, y, classes=np.unique(y))
                elif kind == "stack":
                    est.fit(X, **fit_kw)
                else:
                    est.fit(X, y, **fit_kw)
                    if opts.get("refit"):
                        est.fit(X, y, **fit_kw)
            except TypeError as exc:  # a parameter the older tree lacks
                results[name] = {"missing": str(exc)}
                continue
            results[name] = _fingerprint(est)
    return results


def _run_other(commit):
    with tempfile.TemporaryDirectory() as tmp:
        tree = Path(tmp) / "tree"
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach",
                        str(tree), commit], check=True, capture_output=True)
        try:
            env = {**os.environ, "PYTHONPATH": str(tree)}
            out = Path(tmp) / "pins.json"
            subprocess.run([sys.executable, str(Path(__file__).resolve()),
                            "--out", str(out), "--no-compare"], check=True,
                           env=env, cwd=tmp)
            return json.loads(out.read_text())
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove",
                            "--force", str(tree)], check=False,
                           capture_output=True)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", help="write the fingerprints as JSON here")
    parser.add_argument("--against", metavar="COMMIT",
                        help="also fit COMMIT (in a temporary worktree) and "
                             "compare")
    parser.add_argument("--no-compare", action="store_true",
                        help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    ours = run_pins()
    if args.out:
        Path(args.out).write_text(json.dumps(ours, indent=1))
    if not args.against:
        if not args.no_compare:
            print(json.dumps(ours, indent=1))
        return 0
    theirs = _run_other(args.against)
    differ = []
    for name in _configs():
        if "missing" in ours.get(name, {}) or "missing" in theirs.get(name, {}):
            status = "missing in one tree"
        elif ours.get(name) == theirs.get(name):
            status = "same"
        else:
            status = "DIFFERENT"
            differ.append(name)
        print(f"{name:24s} {status}")
    print(f"{len(_configs()) - len(differ)} of {len(_configs())} "
          f"configurations bitwise the same as {args.against}")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
