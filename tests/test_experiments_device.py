"""Experiments on a device (``--device``) and resumable by unit (the journal)."""

import json
import os
import shutil
from pathlib import Path

import numpy as np
import pytest

from sklearn_sparsity._cli import main
from sklearn_sparsity.experiments import Task, run_tasks
from sklearn_sparsity.experiments._compare import run_comparison
from sklearn_sparsity.experiments._device import check_device
from sklearn_sparsity.experiments._journal import UnitJournal, data_fingerprint
from sklearn_sparsity.experiments._records import summarize

TINY = ["--hidden", "16-16", "--pretrain-epochs", "1", "--finetune-epochs", "2"]
TINY_SETTINGS = {"hidden_layer_sizes": (16, 16), "pretrain_epochs": 1,
                 "finetune_epochs": 2}


def _has(module):
    try:
        __import__(module)
    except ImportError:
        return False
    return True


needs_torch = pytest.mark.skipif(not _has("torch"), reason="needs PyTorch")


# ------------------------------------------------------------------ device
def test_numpy_is_the_default_device():
    assert check_device(None).name == "numpy"
    assert check_device("numpy").is_numpy


@pytest.mark.parametrize("name, message", [
    ("", "PyTorch device name"),
    (3, "PyTorch device name"),
])
def test_bad_device_names_are_refused(name, message):
    with pytest.raises(ValueError, match=message):
        check_device(name)


@needs_torch
def test_a_gpu_that_is_not_there_is_a_clear_error():
    import torch

    if torch.cuda.is_available():
        pytest.skip("a CUDA GPU is present")
    with pytest.raises(ValueError, match="no CUDA GPU"):
        check_device("cuda")
    with pytest.raises(ValueError, match="not a PyTorch device"):
        check_device("warp-drive")


@needs_torch
def test_comparison_trains_on_a_torch_device_and_measures_on_the_host():
    records, report = run_comparison(
        "digits", settings={**TINY_SETTINGS, "models": ("DBN", "DpRBM", "Dsigm")},
        device="cpu", verbose=0)
    assert report.ok, report.errors
    values = [r["value"] for r in records]
    assert all(isinstance(v, float) and np.isfinite(v) for v in values)
    errors = {r["model"]: r["value"] for r in records
              if r["metric"] == "test_error"}
    assert set(errors) == {"DBN", "DpRBM", "Dsigm"}
    # The same runs on numpy: the same records, other numbers (other draws).
    numpy_records, _ = run_comparison(
        "digits", settings={**TINY_SETTINGS, "models": ("DBN", "DpRBM", "Dsigm")},
        verbose=0)
    key = [(r["model"], r["metric"], r["layer"], r["k"]) for r in records]
    assert key == [(r["model"], r["metric"], r["layer"], r["k"])
                   for r in numpy_records]


@pytest.mark.skipif(not _has("array_api_strict"), reason="needs array-api-strict")
def test_comparison_on_array_api_strict():
    records, report = run_comparison(
        "digits", settings={**TINY_SETTINGS, "models": ("Dsigm",)},
        device="array_api_strict", verbose=0)
    assert report.ok, report.errors
    assert any(r["metric"] == "hspm" and r["model"] == "Dsigm" for r in records)


@needs_torch
def test_the_device_is_part_of_the_cache_key(tmp_path):
    cache = tmp_path / "cache"
    cache.mkdir(mode=0o700)
    settings = {**TINY_SETTINGS, "models": ("Dsigm",)}
    on_numpy, _ = run_comparison("digits", settings=settings, verbose=0,
                                 cache_dir=str(cache))
    on_torch, _ = run_comparison("digits", settings=settings, verbose=0,
                                 cache_dir=str(cache), device="cpu")
    error = {name: [r["value"] for r in recs if r["metric"] == "test_error"]
             for name, recs in (("numpy", on_numpy), ("torch", on_torch))}
    hspm = {name: [r["value"] for r in recs if r["metric"] == "hspm"]
            for name, recs in (("numpy", on_numpy), ("torch", on_torch))}
    # Served from the cache, torch would repeat numpy's numbers exactly.
    assert hspm["numpy"] != hspm["torch"] or error["numpy"] != error["torch"]


# ----------------------------------------------------------------- journal
def _count(path, value):
    """Append a line to ``path`` (counts the calls) and return [value]."""
    with open(path, "a") as f:
        f.write("x\n")
    return [{"value": value, "metric": "m"}]


def _tasks(calls):
    return [Task(f"unit {i}", _count, {"path": str(calls), "value": float(i)})
            for i in range(3)]


def _calls(path):
    return len(Path(path).read_text().splitlines()) if Path(path).exists() else 0


def test_journal_resumes_finished_units(tmp_path):
    calls = tmp_path / "calls"
    journal = UnitJournal(tmp_path / "units", {"data": "a"})
    first = run_tasks(_tasks(calls), journal=journal, verbose=0)
    assert _calls(calls) == 3
    assert len(list((tmp_path / "units").glob("*.json"))) == 3
    second = run_tasks(_tasks(calls), journal=journal, verbose=0)
    assert _calls(calls) == 3  # nothing ran again
    assert second.results == first.results
    assert set(second.resumed) == {"unit 0", "unit 1", "unit 2"}


def test_journal_recomputes_edited_units_and_other_data(tmp_path, capsys):
    import io

    calls = tmp_path / "calls"
    notices = io.StringIO()
    run_tasks(_tasks(calls), journal=UnitJournal(tmp_path / "u", {"d": 1}),
              verbose=0)
    path = tmp_path / "u" / "unit_1.json"
    entry = json.loads(path.read_text())
    entry["records"][0]["value"] = 0.0001  # a hand edit
    path.write_text(json.dumps(entry))
    (tmp_path / "u" / "unit_2.json").write_text("{not json")
    report = run_tasks(_tasks(calls),
                       journal=UnitJournal(tmp_path / "u", {"d": 1},
                                           file=notices), verbose=0)
    assert _calls(calls) == 5
    assert report.results["unit 1"] == [{"value": 1.0, "metric": "m"}]
    text = notices.getvalue()
    assert "unit_1.json fails its checksum" in text
    assert "unit_2.json is unreadable" in text
    # Other data (another fingerprint): nothing is reused.
    run_tasks(_tasks(calls), journal=UnitJournal(tmp_path / "u", {"d": 2}),
              verbose=0)
    assert _calls(calls) == 8


def test_only_finished_runs_nothing_and_reports_the_rest(tmp_path):
    calls = tmp_path / "calls"
    journal = UnitJournal(tmp_path / "u")
    run_tasks(_tasks(calls)[:2], journal=journal, verbose=0)
    report = run_tasks(_tasks(calls), journal=journal, verbose=0,
                       run_missing=False)
    assert _calls(calls) == 2
    assert set(report.results) == {"unit 0", "unit 1"}
    assert report.errors["unit 2"].startswith("not finished")


def test_units_of_other_code_are_not_reused(tmp_path, monkeypatch):
    from sklearn_sparsity.experiments import _journal

    calls = tmp_path / "calls"
    run_tasks(_tasks(calls), journal=UnitJournal(tmp_path / "u"), verbose=0)
    monkeypatch.setattr(_journal, "source_fingerprint", lambda: "other-code")
    run_tasks(_tasks(calls), journal=UnitJournal(tmp_path / "u"), verbose=0)
    assert _calls(calls) == 6
    # ... except to write tables from them, saying whose they are.
    monkeypatch.undo()
    journal = UnitJournal(tmp_path / "u", other_code=True)
    monkeypatch.setattr(_journal, "source_fingerprint", lambda: "third-code")
    report = run_tasks(_tasks(calls), journal=journal, verbose=0,
                       run_missing=False)
    assert report.ok and set(journal.codes.values()) == {"other-code"}


def test_summaries_group_records_whatever_their_key_order():
    fresh = {"model": "DBN", "metric": "test_error", "seed": 0, "value": 1.0}
    read_back = {"metric": "test_error", "model": "DBN", "seed": 1, "value": 3.0}
    (row,) = summarize([fresh, read_back])
    assert row["n_seeds"] == 2 and row["mean"] == 2.0
    assert list(row)[:2] == ["model", "metric"]


def test_data_fingerprint_sees_every_byte():
    X = np.zeros((3, 2), dtype=np.float32)
    Y = X.copy()
    Y[2, 1] = 1e-30
    assert data_fingerprint(X) == data_fingerprint(X.copy())
    assert data_fingerprint(X) != data_fingerprint(Y)
    assert data_fingerprint(X) != data_fingerprint(X.astype(np.float64))


# --------------------------------------------------------------------- CLI
def test_cli_resumes_a_stopped_run_and_writes_tables_from_units(tmp_path,
                                                                capsys):
    argv = ["reproduce", "figure2", "--dataset", "digits", "--out",
            str(tmp_path / "run"), "--models", "Dsigm,Drelu", "--n-seeds", "2",
            *TINY]
    assert main(argv) == 0
    def measured(folder):  # every record but the seconds a fit took
        text = (folder / "comparison_digits_runs.csv").read_text()
        return [line for line in text.splitlines() if "fit_time_s" not in line]

    first = measured(tmp_path / "run")
    units = sorted(p.name for p in (tmp_path / "run" / "units").rglob("*.json"))
    assert len(units) == 5  # the data and 2 networks x 2 seeds
    capsys.readouterr()
    # A stopped run: one unit lost. The rerun trains only that one.
    lost = next((tmp_path / "run" / "units").rglob("*Dsigm_seed=1.json"))
    lost.unlink()
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "4 of 5 run(s) already finished" in out
    assert measured(tmp_path / "run") == first  # the same numbers again
    info = json.loads((tmp_path / "run" / "run_info_figure2.json").read_text())
    entry = info["experiments"]["comparison_digits"]
    assert entry["n_train"] > 0 and entry["n_test"] > 0
    assert entry["cpu_seconds"] > 0 and len(entry["units_resumed"]) == 4
    # Tables from the units alone, in a fresh folder (another machine).
    copy = tmp_path / "copy"
    copy.mkdir()
    shutil.copytree(tmp_path / "run" / "units", copy / "units")
    lost = next((copy / "units").rglob("*Drelu_seed=0.json"))
    lost.unlink()
    status = main([*[a if a != str(tmp_path / "run") else str(copy)
                     for a in argv], "--only-finished"])
    out = capsys.readouterr()
    assert status == 1  # one run is missing, and said so
    assert "Drelu seed=0: not finished" in out.err
    assert (copy / "comparison_digits.md").exists()


def test_cli_device_errors_are_usage_errors(tmp_path, capsys):
    status = main(["demo", "--out", str(tmp_path), "--device", "warp:9", *TINY])
    err = capsys.readouterr().err
    assert status == 2
    assert "warp:9" in err and len(err.strip().splitlines()) == 1


@needs_torch
def test_cli_trains_on_the_torch_cpu_device(tmp_path, capsys):
    argv = ["reproduce", "figure2", "--dataset", "digits", "--out",
            str(tmp_path), "--models", "DBN,Dsigm", "--device", "cpu", *TINY]
    assert main(argv) == 0
    info = json.loads((tmp_path / "run_info_figure2.json").read_text())
    assert info["experiments"]["comparison_digits"]["device"] == "cpu"
    assert "device cpu" in capsys.readouterr().out


def test_official_validation_split_needs_the_full_mnist(shared_data_dir):
    from sklearn_sparsity.experiments._select import _split_data
    from sklearn_sparsity.experiments._settings import get_settings

    settings = get_settings("mnist", "quick", {"validation_split": "official"})
    with pytest.raises(ValueError, match="first 50,000"):
        _split_data("mnist", settings, shared_data_dir)


# ------------------------------------------------------- the full MNIST
FULL = os.environ.get("SKLEARN_SPARSITY_DATA_FULL")
#: Images per digit in the official MNIST training and test sets.
TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


@pytest.mark.skipif(not FULL, reason="set SKLEARN_SPARSITY_DATA_FULL to the "
                                     "folder holding the full MNIST (mnist/)")
def test_the_full_mnist_is_read_whole():
    from sklearn_sparsity.datasets import load_mnist
    from sklearn_sparsity.experiments._select import _split_data
    from sklearn_sparsity.experiments._settings import get_settings

    X, y, X_test, y_test = load_mnist(FULL, return_X_y=True)
    assert X.shape == (60_000, 784) and X_test.shape == (10_000, 784)
    assert np.bincount(y.astype(int)).tolist() == TRAIN_COUNTS
    assert np.bincount(y_test.astype(int)).tolist() == TEST_COUNTS
    settings = get_settings("mnist", "paper", {"validation_split": "official"})
    X_fit, X_val, y_fit, y_val = _split_data("mnist", settings, FULL)
    assert X_fit.shape[0] == 50_000 and X_val.shape[0] == 10_000
    np.testing.assert_array_equal(X_val, X[50_000:])
    np.testing.assert_array_equal(np.sort(y_fit), np.sort(y[:50_000]))


# ------------------------------------------------------------ baselines
def test_baselines_measure_scikit_learns_mlp(tmp_path, capsys, monkeypatch):
    import warnings

    from sklearn.exceptions import ConvergenceWarning

    from sklearn_sparsity.experiments import _baselines

    monkeypatch.setattr(_baselines, "BASELINES", {
        "MLPClassifier(max_iter=5)": {"hidden_layer_sizes": (8,), "max_iter": 5},
        "MLPClassifier(paper's layers)": "hidden_layer_sizes"})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        status = main(["reproduce", "baselines", "--dataset", "digits",
                       "--hidden", "8-8", "--out", str(tmp_path)])
    assert status == 0
    md = (tmp_path / "baselines.md").read_text()
    assert "| MLPClassifier(max_iter=5) |" in md
    records = (tmp_path / "baselines.csv").read_text()
    assert records.count("hspm") == 3  # one layer, then two
    assert "n_iter" in records and "test_error" in records
    assert len(list((tmp_path / "units" / "baselines").glob("*.json"))) == 2


# ------------------------------------------------------ claims by scale
REPRO = Path(__file__).resolve().parent.parent / "docs" / "_static" / "reproduction"


def test_claims_of_two_scales_side_by_side(tmp_path, capsys):
    status = main(["claims", f"5,000 images={REPRO / 'mnist_paper'}",
                   f"60,000 images={REPRO / 'mnist_full'}",
                   "--out", str(tmp_path)])
    assert status == 0
    md = (tmp_path / "claims.md").read_text()
    assert "| ours, 5,000 images | verdict, 5,000 images |" in md
    assert "verdict, 60,000 images" in md
    row = next(line for line in md.splitlines()
               if line.startswith("| Table 1: DBN has a lower test error"))
    cells = [c.strip() for c in row.strip("|").split("|")]
    assert cells[2].startswith("4.33") and cells[4].startswith("1.57")
    assert "5,000 images: " in md and "60,000 images: " in md
    # Unlabelled duplicates are still refused, and the message says how.
    status = main(["claims", str(REPRO / "mnist_paper"),
                   str(REPRO / "mnist_full"), "--out", str(tmp_path)])
    assert status == 2
    assert "LABEL=DIR" in capsys.readouterr().err
