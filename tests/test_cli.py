"""The command line ``python -m sklearn_sparsity``."""

import json
import re
import shutil
import subprocess
import sys

import numpy as np
import pytest

import sklearn_sparsity
from sklearn_sparsity._cli import build_parser, main

TINY = ["--hidden", "16-16", "--pretrain-epochs", "1", "--finetune-epochs", "1"]


def test_help_lists_the_commands(capsys):
    with pytest.raises(SystemExit) as exc:
        build_parser().parse_args(["--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    assert "demo" in out and "reproduce" in out


def _help(command, capsys):
    with pytest.raises(SystemExit) as exc:
        build_parser().parse_args([command, "--help"])
    assert exc.value.code == 0
    return capsys.readouterr().out


def _options(text):
    """The options the help lists (one line each), not those its prose names."""
    return set(re.findall(r"^ {2}(?:-\w, )?(--[a-z][a-z-]*)", text, re.M))


RUN_OPTIONS = {"--help", "--n-seeds", "--n-jobs", "--backend", "--scheduler",
               "--cache-dir", "--out", "--verbose", "--device", "--rate-grid"}
COMMON_OVERRIDES = {"--hidden", "--pretrain-epochs", "--finetune-epochs",
                    "--models", "--visible"}
RATE_OPTIONS = {"--pretrain-lr", "--lr", "--rates"}


@pytest.mark.parametrize("command, expected", [
    ("demo", RUN_OPTIONS | COMMON_OVERRIDES | RATE_OPTIONS),
    ("reproduce", RUN_OPTIONS | COMMON_OVERRIDES | RATE_OPTIONS | {
        "--scale", "--data-home", "--dataset", "--parts", "--aggregate",
        "--profile-epochs", "--widths", "--depth-widths", "--max-train",
        "--max-test", "--scaler", "--loss", "--momentum-schedule",
        "--only-finished"}),
    # The grid tries every rate on part of the training data: no rate,
    # test-set or Figure 1 options.
    ("select-rates", RUN_OPTIONS | COMMON_OVERRIDES | {
        "--scale", "--data-home", "--max-train", "--scaler", "--loss",
        "--momentum-schedule", "--only-finished", "--validation-split"}),
    ("claims", {"--help", "--aggregate", "--out"}),
])
def test_help_shows_only_the_options_a_command_honours(command, expected,
                                                        capsys):
    out = _help(command, capsys)
    assert _options(out) == expected
    if command in ("reproduce", "select-rates"):
        assert "{quick,paper}" in out
    if command == "select-rates":
        assert "{table1,table2,demo}" in out


def test_demo_end_to_end(tmp_path, capsys):
    status = main(["demo", "--out", str(tmp_path), *TINY])
    out = capsys.readouterr().out
    assert status == 0
    for model in ("data", "DBN", "DpRBM", "Dsigm"):
        assert model in out
    assert "test error" in out and "overlap" in out
    assert "ETA" in out
    assert (tmp_path / "sparsity_demo.png").stat().st_size > 0


def test_demo_without_matplotlib_skips_the_figure(tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    status = main(["demo", "--out", str(tmp_path), *TINY])
    assert status == 0
    assert "skipped" in capsys.readouterr().out
    assert not (tmp_path / "sparsity_demo.png").exists()


def test_reproduce_table1_quick(tmp_path, capsys, shared_data_dir):
    argv = ["reproduce", "table1", "--scale", "quick", "--data-home",
            str(shared_data_dir), "--out", str(tmp_path), "--max-train", "300",
            "--max-test", "300", *TINY]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "Table 1" in out and "paper" in out
    for name in ("table1.md", "table1_aod.md", "table1_runs.csv",
                 "table1_summary.csv", "table1.png", "run_info_table1.json"):
        assert (tmp_path / name).stat().st_size > 0, name
    md = (tmp_path / "table1.md").read_text()
    assert "| DpRBM |" in md and "Reduced run" in md
    assert "python -m sklearn_sparsity reproduce table1" in md
    info = json.loads((tmp_path / "run_info_table1.json").read_text())
    assert info["experiments"]["table1"]["failures"] == {}


def test_reproduce_figure2_digits(tmp_path, capsys):
    argv = ["reproduce", "figure2", "--dataset", "digits", "--out", str(tmp_path),
            *TINY]
    assert main(argv) == 0
    assert "k=10" in (tmp_path / "figure2.md").read_text()
    assert (tmp_path / "figure2.png").exists()


def test_verbose_prints_epochs_with_the_run_name(tmp_path, capsys):
    argv = ["reproduce", "figure1", "--dataset", "digits", "--out", str(tmp_path),
            "--profile-epochs", "2", "--widths", "8", "--depth-widths", "8",
            "-v", *TINY]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "  digits width 8 x2 seed=0 | [StackedRBM] layer 0, epoch 2/2" in out
    assert "  digits depth 8-8-8-8-8 x2 seed=0 | [StackedRBM] layer 4, epoch" in out


def test_reproduce_figure1_digits(tmp_path, capsys):
    argv = ["reproduce", "figure1", "--dataset", "digits", "--out", str(tmp_path),
            "--profile-epochs", "1", "--widths", "8-16", "--depth-widths", "8",
            *TINY]
    assert main(argv) == 0
    for part in "abc":
        assert (tmp_path / f"figure1{part}.csv").stat().st_size > 0
        assert (tmp_path / f"figure1{part}.md").exists()
    # Each part's note names only the overrides that part depends on.
    notes = {part: (tmp_path / f"figure1{part}.md").read_text().split(
        "**Reduced run**: ")[1].splitlines()[0] for part in "abc"}
    assert notes["a"] == "hidden_layer_sizes=(16, 16), pretrain_epochs=1."
    assert notes["b"] == "profile_epochs=1, width_sizes=(8, 16)."
    assert notes["c"] == "profile_epochs=1, depth_sizes=(8,)."
    info = json.loads((tmp_path / "run_info_figure1.json").read_text())
    assert info["sklearn_sparsity"] == sklearn_sparsity.__version__
    assert info["numpy"] == np.__version__
    assert info["command"].startswith("python -m sklearn_sparsity reproduce")
    assert set(info["experiments"]) == {"figure1a", "figure1b", "figure1c"}


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_git_commit_of_the_source_tree(tmp_path):
    from sklearn_sparsity.experiments._output import git_commit as _git_commit

    package = tmp_path / "pkg"
    package.mkdir()
    assert _git_commit(package) is None  # not a checkout
    git = ["git", "-C", str(tmp_path), "-c", "user.name=t", "-c",
           "user.email=t@t"]
    subprocess.run([*git, "init", "-q"], check=True)
    (package / "code.py").write_text("a")
    (tmp_path / "result.md").write_text("a")
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "-qm", "c"], check=True)
    sha = subprocess.run([*git, "rev-parse", "HEAD"], capture_output=True,
                         text=True, check=True).stdout.strip()
    assert _git_commit(package) == sha
    # Untracked files and changed files outside the package do not count.
    (package / "untracked.py").write_text("b")
    (tmp_path / "result.md").write_text("new results")
    assert _git_commit(package) == sha
    (package / "code.py").write_text("changed")
    assert _git_commit(package) == sha + "+dirty"


@pytest.mark.parametrize("argv, message", [
    (["reproduce", "table9"], "unknown experiment 'table9'"),
    (["reproduce", "table1", "--scale", "huge"], "invalid choice: 'huge'"),
    (["select-rates", "table9"], "invalid choice: 'table9'"),
    (["select-rates", "table1", "--max-test", "10"], "unrecognized arguments"),
    (["reproduce", "table1", "--n-seeds", "0"], "expected a positive integer"),
    (["reproduce", "table1", "--n-jobs", "x"], "expected an integer"),
    (["reproduce", "figure1", "--dataset", "cifar"], "unknown data set 'cifar'"),
    (["reproduce", "table1", "--backend", "nope"], "unknown joblib backend"),
    (["reproduce", "table1", "--hidden", "a-b"], "expected sizes"),
    (["reproduce", "table2", "--pretrain-lr", "0"], "expected a positive number"),
    (["reproduce", "table2", "--lr", "Dsigma=0.1"], "MODEL one of DBN, DpRBM"),
    (["reproduce", "table2", "--lr", "Dsigm=fast"], "expected a number"),
    (["reproduce", "table1", "--out", ""], "expected a folder, got ''"),
    (["demo", "--cache-dir", ""], "expected a folder, got ''"),
    (["claims", ".", "--out", " "], "expected a folder, got ' '"),
    (["reproduce", "table1", "--data-home", ""], "expected a folder, got ''"),
    (["frobnicate"], "invalid choice"),
    ([], "required"),
])
def test_usage_errors_exit_2_with_one_line(argv, message, capsys):
    assert main(argv) == 2
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1, captured.err
    assert message in lines[0]
    assert lines[0].startswith("sklearn-sparsity: error:")


def test_learning_rate_overrides_reach_the_settings():
    from sklearn_sparsity._cli import _overrides

    args = build_parser().parse_args(
        ["reproduce", "table2", "--pretrain-lr", "0.05", "--lr", "Dsigm=0.1,DBN=1"])
    assert _overrides(args) == {"pretrain_learning_rate": 0.05,
                                "learning_rate": {"Dsigm": 0.1, "DBN": 1.0}}


def test_notes_tell_reduced_runs_from_other_overrides():
    from sklearn_sparsity.experiments._output import (
        overrides_note as _overrides_note,
    )

    assert _overrides_note({}, "birdsong", "paper") == ""
    assert _overrides_note({"max_train": 300, "scaler": "quantile"}, "birdsong",
                           "paper").startswith(
        " **Reduced run**: max_train=300, scaler=quantile")
    # Only the networks whose rate changes are listed (Birdsong's paper
    # scale: pretraining DBN 0.05, DpRBM 1; back-propagation DBN 1, DpRBM
    # 0.01, Dsigm 1).
    assert _overrides_note({"pretrain_learning_rate": 1.0}, "birdsong",
                           "paper") == (
        " **Settings overridden**: pretrain_learning_rate={'DBN': 1.0}.")
    assert _overrides_note({"learning_rate": {"Dsigm": 0.1, "DBN": 1.0}},
                           "birdsong", "paper") == (
        " **Settings overridden**: learning_rate={'Dsigm': 0.1}.")
    assert _overrides_note({"profile_epochs": 2000}, "mnist", "paper") == (
        " **Settings overridden**: profile_epochs=2000.")
    assert _overrides_note({"depth_sizes": (500, 1000, 2000)}, "mnist",
                           "paper").startswith(" **Settings overridden**")
    assert _overrides_note({"depth_sizes": (500,)}, "mnist", "paper") == (
        " **Reduced run**: depth_sizes=(500,).")
    assert _overrides_note({"hidden_layer_sizes": (500, 500)}, "mnist",
                           "paper").startswith(" **Reduced run**")


def test_notes_do_not_list_overrides_equal_to_the_scale():
    from sklearn_sparsity.experiments._output import (
        overrides_note as _overrides_note,
    )

    paper = {"profile_epochs": 1000,
             "width_sizes": (500, 1000, 2000, 3000, 4000, 5000),
             "depth_sizes": (500, 1000), "learning_rate": {"Dsigm": 1.0}}
    assert _overrides_note(paper, "mnist", "paper") == ""
    assert _overrides_note(dict(paper, profile_epochs=100), "mnist",
                           "paper") == " **Reduced run**: profile_epochs=100."


def test_missing_data_is_a_usage_error(tmp_path, capsys):
    status = main(["reproduce", "table2", "--data-home", str(tmp_path)])
    assert status == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert "not found" in err[0] and "--data-home" in err[0]


def test_python_dash_m_entry_point(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "sklearn_sparsity", "reproduce", "nothing"],
        capture_output=True, text=True, cwd=tmp_path,
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert proc.stderr.count("\n") == 1


def test_demo_prints_the_papers_table_and_a_verdict(tmp_path, capsys):
    assert main(["demo", "--out", str(tmp_path), *TINY]) == 0
    out = capsys.readouterr().out
    assert "1. Learning rates" in out and "validation split" in out
    assert "the paper's Table 1" in out
    assert "1.17 %" in out and "2.01 %" in out and "not given" in out
    assert "eq. 9 as written" in out
    assert "sparseness claim" in out and "overlap claim" in out


def test_select_rates_writes_the_grid_and_a_rates_file(tmp_path, capsys):
    argv = ["select-rates", "demo", "--out", str(tmp_path), *TINY]
    assert main(argv) == 0
    chosen = json.loads((tmp_path / "selected_rates_demo.json").read_text())
    assert set(chosen) == {"pretrain_learning_rate", "learning_rate"}
    assert set(chosen["learning_rate"]) == {"DBN", "DpRBM", "Dsigm", "Drelu"}
    md = (tmp_path / "select_rates_demo.md").read_text()
    assert md.count("| DBN |") == 16 and md.count("| Dsigm |") == 4
    assert "the test set is not used" in md
    assert (tmp_path / "run_info_select_rates_demo.json").exists()
    # The rates file drives a reproduction; --lr still overrides one network.
    out = tmp_path / "rep"
    argv = ["reproduce", "figure2", "--dataset", "digits", "--out", str(out),
            "--rates", str(tmp_path / "selected_rates_demo.json"),
            "--lr", "Dsigm=0.05", *TINY]
    assert main(argv) == 0
    info = json.loads((out / "run_info_figure2.json").read_text())
    rates = info["experiments"]["comparison_digits"]["settings"]["learning_rate"]
    assert rates == {**chosen["learning_rate"], "Dsigm": 0.05}


@pytest.mark.parametrize("content, message", [
    ("not json", "cannot read the rates file"),
    ('{"epochs": 3}', "is not a rates file"),
])
def test_bad_rates_file_is_a_usage_error(tmp_path, capsys, content, message):
    path = tmp_path / "rates.json"
    path.write_text(content)
    assert main(["reproduce", "table1", "--rates", str(path)]) == 2
    assert message in capsys.readouterr().err


def test_reproduce_writes_paper_rows_and_claims(tmp_path, capsys,
                                                shared_data_dir):
    argv = ["reproduce", "table1", "--data-home", str(shared_data_dir),
            "--out", str(tmp_path), "--max-train", "300", "--max-test", "300",
            *TINY]
    assert main(argv) == 0
    md = (tmp_path / "table1.md").read_text()
    assert "|   paper | 0.630 |" in md
    assert "| 0.390 | 0.530 | 1.17 % |" in md  # two layers asked for
    assert "not given" in md
    aod = (tmp_path / "table1_aod.md").read_text()
    assert "mean_data" in aod and "paper (Fig. 2)" in aod
    claims = (tmp_path / "claims.md").read_text()
    assert "DpRBM sparser than Dsigm in layer 1" in claims
    assert "holds" in claims or "fails" in claims
    # The claims command reads the same results back.
    assert main(["claims", str(tmp_path), "--out", str(tmp_path / "c")]) == 0
    again = (tmp_path / "c" / "claims.md").read_text()
    assert again.split("Command:")[0] == claims.split("Command:")[0]


def test_claims_command_errors(tmp_path, capsys):
    assert main(["claims", str(tmp_path / "missing")]) == 2
    assert "neither a folder of results nor" in capsys.readouterr().err
    assert main(["claims", str(tmp_path)]) == 2
    assert "none of the given folders" in capsys.readouterr().err


def test_figure1_parts_and_its_momentum_schedule(tmp_path, capsys):
    argv = ["reproduce", "figure1", "--dataset", "digits", "--out",
            str(tmp_path), "--parts", "a", *TINY]
    assert main(argv) == 0
    assert (tmp_path / "figure1a.md").exists()
    assert not (tmp_path / "figure1b.md").exists()
    assert "(step)" in (tmp_path / "figure1a.md").read_text()
    assert main([*argv, "--momentum-schedule", "linear"]) == 0
    assert "(linear)" in (tmp_path / "figure1a.md").read_text()
    assert main([*argv[:-len(TINY)], "--parts", "x"]) == 2


def test_version(capsys):
    with pytest.raises(SystemExit) as exc:
        build_parser().parse_args(["--version"])
    assert exc.value.code == 0
    assert sklearn_sparsity.__version__ in capsys.readouterr().out


def _start_interruptible_demo(tmp_path, n_jobs, **popen):
    """A demo whose networks train long; returns ``(proc, cache, out)``.

    It has begun fine-tuning when this returns (epoch 3 of 400 printed).
    """
    rates = tmp_path / "rates.json"
    rates.write_text(json.dumps({"learning_rate": {"DBN": 0.1, "DpRBM": 0.1,
                                                   "Dsigm": 1.0}}))
    cache, out = tmp_path / "cache", tmp_path / "out"
    proc = subprocess.Popen(
        [sys.executable, "-m", "sklearn_sparsity", "demo", "-v", "--rates",
         str(rates), "--cache-dir", str(cache), "--out", str(out), "--hidden",
         "32-32", "--pretrain-epochs", "1", "--finetune-epochs", "400",
         "--n-jobs", n_jobs],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**__import__("os").environ, "PYTHONUNBUFFERED": "1"},
        start_new_session=True, **popen)
    for line in proc.stdout:
        if "[PretrainedMLP] epoch 3/400" in line:
            break
    return proc, cache, out


@pytest.mark.parametrize("n_jobs", ["1", "2"])
def test_ctrl_c_stops_the_run_and_caches_nothing_truncated(tmp_path, n_jobs):
    # Ctrl-C while a network is fine-tuned: exit 130, no result written, and
    # no finished run in the cache (the next run computes it again).
    import signal

    # A shell's background job ignores SIGINT, and a child inherits that:
    # give the command the default disposition, as in a terminal.
    proc, cache, out = _start_interruptible_demo(
        tmp_path, n_jobs,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        # Ctrl-C in a terminal signals the whole process group.
        __import__("os").killpg(proc.pid, signal.SIGINT)
        _, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, err
    assert "interrupted" in err and "Traceback" not in err
    assert not (out / "sparsity_demo.png").exists()
    # Only complete runs are cached: here the data's own records (finished
    # before the networks started), none of an interrupted network.
    import joblib

    cached = [joblib.load(path)["payload"] for path in
              cache.rglob("_comparison_task_uncached/*/output.pkl")]
    assert {r["model"] for records in cached for r in records} <= {"data"}


def test_file_system_problems_end_in_one_line(tmp_path, capsys, monkeypatch):
    import errno
    import os
    from pathlib import Path

    afile = tmp_path / "file"
    afile.write_text("")
    cases = [
        (["--cache-dir", str(afile)], "is not a folder"),
        (["--out", str(afile / "sub")], "cannot write"),
    ]
    shared = tmp_path / "shared"
    shared.mkdir()
    os.chmod(shared, 0o777)
    cases.append((["--cache-dir", str(shared)], "writable by other users"))
    for extra, message in cases:
        assert main(["demo", *extra, *TINY]) == 2
        err = capsys.readouterr().err
        assert message in err and err.count("\n") == 1, err
    # A full disk while results are written.
    def full(self, *args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device", str(self))

    monkeypatch.setattr(Path, "write_text", full)
    assert main(["reproduce", "figure1", "--dataset", "digits", "--parts", "a",
                 "--out", str(tmp_path / "out"), *TINY]) == 2
    err = capsys.readouterr().err
    assert "No space left on device" in err and err.count("\n") == 1


@pytest.mark.skipif(sys.platform == "win32", reason="needs a pseudo-terminal")
def test_terminal_shows_epochs_in_one_moving_line_and_pipes_do_not(tmp_path):
    import os
    import pty

    argv = [sys.executable, "-m", "sklearn_sparsity", "demo", "--out",
            str(tmp_path), "--rates", str(tmp_path / "r.json"), *TINY]
    (tmp_path / "r.json").write_text(json.dumps(
        {"learning_rate": {"DBN": 0.1, "DpRBM": 0.1, "Dsigm": 1.0}}))
    pid, fd = pty.fork()
    if pid == 0:  # pragma: no cover - the child process
        os.execvp(argv[0], argv)
    shown = b""
    while True:
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            break
        if not chunk:
            break
        shown += chunk
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    shown = shown.decode()
    assert "\r\x1b[2K  digits DBN+DpRBM seed=0 | [StackedRBM] layer 0, epoch 1/1" in (
        shown)
    piped = subprocess.run(argv, capture_output=True, text=True, check=True)
    assert "\x1b[2K" not in piped.stdout and "[StackedRBM]" not in piped.stdout
    assert "digits DBN+DpRBM seed=0 done" in piped.stdout


def test_claims_from_single_files_and_duplicates(tmp_path, capsys):
    argv = ["reproduce", "figure1", "--dataset", "digits", "--parts", "ab",
            "--out", str(tmp_path / "a"), "--widths", "8-16", *TINY]
    assert main(argv) == 0
    assert main([*argv[:-len(TINY) - 4], "--out", str(tmp_path / "b"),
                 "--parts", "a", *TINY]) == 0
    # figure1a.csv is in both folders: refused; a single file is taken.
    assert main(["claims", str(tmp_path / "a"), str(tmp_path / "b")]) == 2
    assert "given more than once" in capsys.readouterr().err
    assert main(["claims", str(tmp_path / "a" / "figure1b.csv"),
                 str(tmp_path / "b"), "--out", str(tmp_path / "c")]) == 0
    claims = (tmp_path / "c" / "claims.md").read_text()
    assert "Figure 1(b)" in claims


def test_subsample_gives_at_most_n_rows_and_refuses_fewer_than_the_classes():
    # Issue 20, item 10: --max-test 3 gave one row per class (10 rows).
    from sklearn_sparsity.experiments._data import _subsample

    X = np.arange(1000, dtype=float).reshape(-1, 1)
    y = np.repeat(np.arange(10), [500] + [55] * 9)  # one large class
    for n in (10, 11, 12, 15, 37, 999):
        X_sub, y_sub = _subsample(X, y, n, seed=0)
        assert X_sub.shape[0] <= n, n
        assert set(y_sub) == set(range(10))
    with pytest.raises(ValueError, match="at least 10 rows.*one per class"):
        _subsample(X, y, 3, seed=0)


def test_max_test_below_the_number_of_classes_is_a_usage_error(
        tmp_path, capsys, shared_data_dir):
    argv = ["reproduce", "table1", "--data-home", str(shared_data_dir),
            "--out", str(tmp_path), "--max-test", "3", *TINY]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "max_test=3" in err and "10" in err, err
    assert not list(tmp_path.iterdir())


def _no_space(path):
    import errno

    return OSError(errno.ENOSPC, "No space left on device", str(path))


@pytest.mark.parametrize("failing", ["table", "csv", "figure"])
def test_a_full_disk_leaves_no_truncated_result(tmp_path, capsys, monkeypatch,
                                                failing):
    # Issue 20, item 7: every result file is written to a temporary name and
    # renamed, so it is complete or absent; the message names the file.
    from pathlib import Path

    import matplotlib.figure

    from sklearn_sparsity.experiments import _records

    out = tmp_path / "out"
    if failing == "table":
        name = "figure1a.md"

        def half(self, data, *args, **kwargs):
            with open(self, "w") as f:
                f.write(data[: len(data) // 2])
            raise _no_space(self)

        monkeypatch.setattr(Path, "write_text", half)
    elif failing == "csv":
        name = "figure1a.csv"
        write_csv = _records.write_csv

        def half(records, path):
            write_csv(records, path)
            with open(path, "r+") as f:
                f.truncate(len(f.read()) // 2)
            raise _no_space(path)

        monkeypatch.setattr(_records, "write_csv", half)
    else:
        name = "figure1a.png"

        def half(self, fname, *args, **kwargs):
            Path(fname).write_bytes(b"\x89PNG")
            raise _no_space(fname)

        monkeypatch.setattr(matplotlib.figure.Figure, "savefig", half)
    assert main(["reproduce", "figure1", "--dataset", "digits", "--parts", "a",
                 "--out", str(out), *TINY]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    assert "No space left on device" in err and str(out / name) in err, err
    assert not (out / name).exists()
    assert not [p.name for p in out.iterdir() if p.name.startswith(".")]


def test_an_unwritable_output_folder_is_found_before_any_training(
        tmp_path, capsys, monkeypatch):
    # Issue 20, item 8: the folder is checked (a probe file written and
    # removed) before the first fit. A read-only folder, simulated (the
    # tests may run as root, who can write anywhere).
    import errno
    import os

    from sklearn_sparsity.experiments import _compare, _select

    readonly = tmp_path / "readonly"
    readonly.mkdir()
    real_open = os.open

    def refusing(path, *args, **kwargs):
        if str(path).startswith(str(readonly)):
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real_open(path, *args, **kwargs)

    def no_training(*args, **kwargs):
        raise AssertionError("trained before the output folder was checked")

    monkeypatch.setattr(os, "open", refusing)
    monkeypatch.setattr(_compare, "run_comparison", no_training)
    monkeypatch.setattr(_select, "run_selection", no_training)
    for argv in (["demo", "--out", str(readonly)],
                 ["select-rates", "demo", "--out", str(readonly / "sub")]):
        assert main([*argv, *TINY]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1, err
        assert "cannot write to the output folder" in err and str(readonly) in err
        assert "Permission denied" in err


_RUNS_HEADER = "dataset,model,metric,layer,seed,value\n"


@pytest.mark.parametrize("content, message", [
    ((_RUNS_HEADER + "mnist,DBN,hspm,1,0,0.5\nmnist,DBN,hs").encode(),
     "table1_runs.csv, row 3: cut short"),
    ((_RUNS_HEADER + "mnist,DBN,hspm,1,0,0.5,7\n").encode(),
     "table1_runs.csv, row 2: more cells than columns"),
    ((_RUNS_HEADER + "mnist,DBN,hspm,1,0,abc\n").encode(),
     "table1_runs.csv, row 2: value 'abc' is not a number"),
    (b"\xff\xfe\x00garbage\x80\n", "table1_runs.csv: not UTF-8 text"),
    (b"", "table1_runs.csv: empty"),
    (_RUNS_HEADER.encode(), "table1_runs.csv: no rows"),
    (b"name,size\nfoo,3\n", "table1_runs.csv: not a result file of 'reproduce'"),
    ((_RUNS_HEADER + "mnist,DBN,foo,1,0,0.5\n").encode(),
     "no claim of the paper can be checked from "),
])
def test_claims_on_damaged_results_is_a_one_line_error(tmp_path, capsys,
                                                       content, message):
    # Issue 20, item 5: a traceback, or exit 0 printing nothing, before.
    (tmp_path / "table1_runs.csv").write_bytes(content)
    assert main(["claims", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    assert message in err and str(tmp_path) in err, err
    assert not (tmp_path / "claims.md").exists()


def test_cache_dir_named_default_is_a_folder_not_the_user_cache(
        tmp_path, monkeypatch):
    # Issue 20, item 11: "--cache-dir default" was taken as the per-user
    # cache; the per-user cache is "--cache-dir" without a value.
    from sklearn_sparsity._commands import _cache_dir

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    args = build_parser().parse_args(["demo", "--cache-dir", "default"])
    assert _cache_dir(args) == "default"
    assert (tmp_path / "default").is_dir()
    assert not (tmp_path / "xdg").exists()
    args = build_parser().parse_args(["demo", "--cache-dir"])
    assert _cache_dir(args) == str(tmp_path / "xdg" / "sklearn-sparsity")


@pytest.mark.parametrize("n_jobs", ["1", "2"])
def test_sigterm_ends_the_run_like_ctrl_c_and_stops_the_workers(tmp_path,
                                                                n_jobs):
    # Issue 20, item 9: SIGTERM to the main process only (not its group)
    # left the loky workers running, re-parented to PID 1, writing cache
    # entries after the parent died.
    import os
    import signal
    import time

    import joblib

    proc, cache, out = _start_interruptible_demo(tmp_path, n_jobs)
    try:
        os.kill(proc.pid, signal.SIGTERM)  # the main process only
        _, err = proc.communicate(timeout=120)
        # Every process of the run (its session) ends with it.
        for _ in range(150):
            try:
                os.killpg(proc.pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.2)
        else:
            pytest.fail("workers of the run are still running after it ended")
    finally:
        if proc.poll() is None:
            proc.kill()
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    assert proc.returncode == 143, err
    assert "terminated" in err and "Traceback" not in err, err
    assert not (out / "sparsity_demo.png").exists()
    cached = [joblib.load(path) for path in
              cache.rglob("_comparison_task_uncached/*/output.pkl")]
    assert {r["model"] for entry in cached for r in entry["payload"]} <= {"data"}


def test_reproduce_figure1_with_every_run_failed_lists_the_failures(
        tmp_path, capsys, monkeypatch, shared_data_dir):
    # An empty figure1a.csv (no run finished) is not read back for the
    # claims: the failures are listed, exit status 1.
    from sklearn_sparsity.experiments import _figure1, _plots
    from sklearn_sparsity.experiments._runner import RunReport

    def failed(*args, **kwargs):
        return [], RunReport({}, {"mnist epochs": "RuntimeError: boom"},
                             {"mnist epochs": 0.0}, 0.0)

    monkeypatch.setattr(_figure1, "run_profile", failed)
    # (No figure of nothing: matplotlib cannot draw 0 columns.)
    monkeypatch.setattr(_plots, "plot_profile",
                        lambda summary, path, **kwargs: path.write_bytes(b""))
    argv = ["reproduce", "figure1", "--parts", "a", "--data-home",
            str(shared_data_dir), "--out", str(tmp_path), *TINY]
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert "mnist epochs: RuntimeError: boom" in err and "Traceback" not in err
