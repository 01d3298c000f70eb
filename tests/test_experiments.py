"""The experiments of the paper: runner, records, figures and the paper's claims."""

import io
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from numpy.testing import assert_array_equal

from sklearn_sparsity.experiments import (
    Task,
    compare_pretraining,
    get_settings,
    overlap_vs_classes,
    run_tasks,
    select_learning_rates,
    sparsity_vs_depth,
    sparsity_vs_epochs,
    sparsity_vs_width,
)
from sklearn_sparsity.experiments._compare import run_comparison
from sklearn_sparsity.experiments._records import fmt, summarize, to_frame

TINY = {"hidden_layer_sizes": (16, 16), "pretrain_epochs": 1,
        "finetune_epochs": 2, "max_train": 300, "max_test": 200}


def _fail(message):
    raise RuntimeError(message)


def _square(x):
    return x * x


# ------------------------------------------------------------------ runner
def test_runner_keeps_finished_results_and_reports_failures():
    tasks = [Task("a", _square, {"x": 2}), Task("boom", _fail, {"message": "no"}),
             Task("b", _square, {"x": 3})]
    out = io.StringIO()
    report = run_tasks(tasks, file=out)
    assert report.results == {"a": 4, "b": 9}
    assert report.errors == {"boom": "RuntimeError: no"}
    assert not report.ok
    lines = out.getvalue().splitlines()
    assert len(lines) == 3
    assert "[2/3] boom FAILED (RuntimeError: no)" in lines[1]
    assert all("elapsed" in line and "ETA" in line for line in lines)


class _RaisesWhenCollected:
    def __init__(self, exc):
        self.exc = exc

    def __del__(self):
        raise self.exc  # an exception Python can only report, not raise


def _drop(exc):
    _RaisesWhenCollected(exc)  # collected at once: an "unraisable" exception
    return "done"


def test_runner_keeps_quiet_about_interrupts_inside_callbacks():
    # Ctrl-C landing in a C callback (numba loading its kernels) cannot
    # propagate; Python would print a traceback beside the command line's
    # one-line message. Other unraisable exceptions are still reported.
    import sys

    seen = []
    previous = sys.unraisablehook
    sys.unraisablehook = seen.append
    try:
        tasks = [Task("quiet", _drop, {"exc": KeyboardInterrupt()}),
                 Task("loud", _drop, {"exc": ValueError("kept")})]
        report = run_tasks(tasks, file=io.StringIO())
    finally:
        sys.unraisablehook = previous
    assert report.results == {"quiet": "done", "loud": "done"}
    assert [type(u.exc_value) for u in seen] == [ValueError]


# None: joblib's default backend, as the command line passes it by default
# (regression: parallel_config(backend=None) used to fail).
@pytest.mark.parametrize("backend", ["threading", "loky", None])
def test_runner_parallel_backends(backend):
    tasks = [Task(f"t{i}", _square, {"x": i}) for i in range(4)]
    tasks.append(Task("bad", _fail, {"message": "x"}))
    report = run_tasks(tasks, n_jobs=2, backend=backend, file=io.StringIO())
    assert report.results == {f"t{i}": i * i for i in range(4)}
    assert list(report.errors) == ["bad"]
    assert set(report.durations) == {t.name for t in tasks}


def _chatty(lines):
    for line in lines:
        print(line)
    sys.stdout.write("partial ")
    sys.stdout.write("line\n")
    return len(lines)


def test_runner_prefixes_what_tasks_print_when_verbose(capsys):
    tasks = [Task("first", _chatty, {"lines": ["a", "b"]}),
             Task("second", _chatty, {"lines": []})]
    report = run_tasks(tasks, verbose=2, file=io.StringIO())
    assert report.results == {"first": 2, "second": 0}
    assert capsys.readouterr().out.splitlines() == [
        "  first | a", "  first | b", "  first | partial line",
        "  second | partial line"]
    run_tasks(tasks, verbose=1, file=io.StringIO())
    assert capsys.readouterr().out.splitlines() == [
        "a", "b", "partial line", "partial line"]


def test_runner_rejects_duplicate_names():
    with pytest.raises(ValueError, match="unique"):
        run_tasks([Task("a", _square, {"x": 1})] * 2)


def test_summarize_mean_std_and_single_seed():
    records = [{"m": "x", "seed": s, "value": v} for s, v in enumerate([1.0, 3.0])]
    records.append({"m": "y", "seed": 0, "value": 2.0})
    summary = {r["m"]: r for r in summarize(records)}
    assert summary["x"]["mean"] == 2.0
    assert summary["x"]["std"] == pytest.approx(np.sqrt(2.0))
    assert summary["x"]["n_seeds"] == 2
    assert np.isnan(summary["y"]["std"])
    assert fmt(0.5, 0.01) == "0.500 ± 0.010"
    assert fmt(float("nan")) == "n/a"


def test_settings_overrides_are_checked():
    settings = get_settings("mnist", "paper")
    assert settings["hidden_layer_sizes"] == (500, 500, 2000)
    assert settings["pretrain_epochs"] == 50
    assert settings["finetune_epochs"] == 200
    assert get_settings("birdsong", "paper")["finetune_epochs"] == 100
    assert get_settings("digits", "quick", {"hidden_layer_sizes": [8]})[
        "hidden_layer_sizes"] == (8,)
    with pytest.raises(ValueError, match="Unknown setting"):
        get_settings("digits", "quick", {"epochs": 3})
    with pytest.raises(ValueError, match="positive int"):
        get_settings("digits", "quick", {"pretrain_epochs": 0})
    with pytest.raises(ValueError, match="Unknown data set"):
        get_settings("cifar", "quick")


def test_learning_rate_overrides():
    rates = get_settings("birdsong", "quick", {"learning_rate": {"Dsigm": 0.1}})[
        "learning_rate"]
    assert rates == {"DBN": 0.1, "DpRBM": 0.1, "Dsigm": 0.1, "Drelu": 0.1}
    assert set(get_settings("mnist", "quick", {"learning_rate": 0.05})[
        "learning_rate"].values()) == {0.05}
    assert get_settings("mnist", "quick", {"pretrain_learning_rate": 1})[
        "pretrain_learning_rate"] == {"DBN": 1, "DpRBM": 1}
    assert get_settings("mnist", "quick", {"pretrain_learning_rate": {
        "DpRBM": 0.05}})["pretrain_learning_rate"] == {"DBN": 0.1, "DpRBM": 0.05}
    with pytest.raises(ValueError, match="Unknown network 'Dsigm'"):
        get_settings("mnist", "quick", {"pretrain_learning_rate": {"Dsigm": 1}})
    with pytest.raises(ValueError, match="Unknown network 'DSIGM'"):
        get_settings("mnist", "quick", {"learning_rate": {"DSIGM": 0.1}})
    for bad in (0, -1.0, np.nan, True, "0.1"):
        with pytest.raises(ValueError, match="must be a positive number"):
            get_settings("mnist", "quick", {"pretrain_learning_rate": bad})
        with pytest.raises(ValueError, match="must be a positive number"):
            get_settings("mnist", "quick", {"learning_rate": {"DBN": bad}})


# ------------------------------------------------------------- experiments
def test_compare_pretraining_digits_structure():
    summary, runs = compare_pretraining("digits", settings=TINY, n_seeds=2,
                                        return_runs=True)
    assert set(summary.model) == {"data", "DBN", "DpRBM", "Dsigm", "Drelu",
                                  "RBM stack"}
    hspm = summary[summary.metric == "hspm"]
    table = hspm.pivot(index="model", columns="layer", values="mean")
    assert table.shape == (5, 3)
    assert hspm[hspm.model != "data"].n_seeds.eq(2).all()
    assert ((hspm["mean"] >= 0) & (hspm["mean"] <= 1)).all()
    err = summary[summary.metric == "test_error"]
    assert set(err.model) == {"DBN", "DpRBM", "Dsigm", "Drelu"}
    # Only k = 2 in the table; every k in Figure 2.
    assert set(summary[summary.metric == "aod"].k) == {2}
    assert set(runs.seed) == {0, 1}


def test_dbn_and_dprbm_share_one_stack(monkeypatch):
    from sklearn_sparsity import _stacked_rbm

    calls = []
    original = _stacked_rbm.StackedRBMTransformer.fit

    def counting_fit(self, X, y=None):
        calls.append(self.random_state)
        return original(self, X, y)

    monkeypatch.setattr(_stacked_rbm.StackedRBMTransformer, "fit", counting_fit)
    records, report = run_comparison("digits", settings=TINY, n_seeds=2,
                                     verbose=0)
    assert report.ok
    assert sorted(calls) == [0, 1]  # one stack per seed, for DBN and DpRBM


def test_dprbm_hidden_layers_are_the_stack(tmp_path):
    # DpRBM's HSPM per layer equals the pretrained stack's (only the output
    # layer is trained), so Figure 1(a)'s test HSPM after the last epoch
    # matches the DpRBM row of the table when both share the cache.
    settings = {**TINY, "max_test": None}
    table = compare_pretraining("digits", settings=settings,
                                cache_dir=str(tmp_path))
    fig = sparsity_vs_epochs("digits", settings=settings, cache_dir=str(tmp_path))
    dprbm = table[(table.model == "DpRBM") & (table.metric == "hspm")]
    stack = fig[fig.metric == "hspm_test"]
    np.testing.assert_allclose(np.sort(dprbm["mean"].to_numpy()),
                               np.sort(stack["mean"].to_numpy()), rtol=1e-5)


def test_cache_reuses_finished_runs(tmp_path):
    out = io.StringIO()
    first, _ = run_comparison("digits", settings=TINY, cache_dir=str(tmp_path),
                              file=out)
    second, report = run_comparison("digits", settings=TINY,
                                    cache_dir=str(tmp_path), file=out)
    assert first == second
    assert max(report.durations.values()) < 2.0


def test_fit_verbose_prints_epochs_and_is_not_part_of_the_cache_key(tmp_path,
                                                                    capsys):
    quiet, _ = run_comparison("digits", settings=TINY, cache_dir=str(tmp_path),
                              verbose=1, file=io.StringIO())
    assert "[StackedRBM]" not in capsys.readouterr().out
    # Same runs with epoch lines asked for: loaded from the cache, so no
    # training and no epoch lines.
    cached, _ = run_comparison("digits", settings=TINY, cache_dir=str(tmp_path),
                               verbose=2, file=io.StringIO())
    assert cached == quiet
    assert "[PretrainedMLP]" not in capsys.readouterr().out
    fresh, _ = run_comparison("digits", settings=TINY, verbose=2,
                              file=io.StringIO())
    out = capsys.readouterr().out

    def values(records):
        return [r for r in records if r["metric"] != "fit_time_s"]

    assert values(fresh) == values(quiet)
    assert "  digits DBN+DpRBM seed=0 | [StackedRBM] layer 0, epoch 1/1" in out
    assert "  digits Dsigm seed=0 | [PretrainedMLP] epoch 2/2" in out


def test_overlap_vs_classes_curves():
    summary = overlap_vs_classes("digits", settings=TINY)
    aod = summary[summary.metric == "aod"]
    assert set(aod.k) == set(range(2, 11))
    assert set(aod.model) == {"data", "DBN", "DpRBM", "Dsigm", "Drelu"}
    assert set(aod["aggregate"]) == {"mean_data", "mean_input", "mean_activation"}
    for _, curve in aod.groupby(["model", "layer", "aggregate"]):
        values = curve.sort_values("k")["mean"].to_numpy()
        assert np.all(np.diff(values) <= 1e-12)  # non-increasing in k
        assert np.all((values >= 0) & (values <= 1))
    assert (summary[summary.metric == "tau"]["mean"] >= 0).all()


def test_figure1_experiments_digits():
    width = sparsity_vs_width("digits", settings={"width_sizes": (8, 16),
                                                  "profile_epochs": 2})
    assert sorted(width.width.unique()) == [8, 16]
    assert set(width[width.metric == "hspm_train"].epoch) == {1, 2}
    depth = sparsity_vs_depth("digits", settings={"depth_sizes": (8,),
                                                  "depth_layers": 5,
                                                  "profile_epochs": 1})
    assert sorted(depth[depth.metric == "hspm_test"].layer) == [1, 2, 3, 4, 5]


def test_figure1_fit_time_is_the_training_time_also_from_the_cache(tmp_path):
    from sklearn_sparsity.experiments._figure1 import run_profile

    settings = {"width_sizes": (8,), "profile_epochs": 3}

    def fit_time():
        records, _ = run_profile("width", "digits", settings=settings,
                                 cache_dir=str(tmp_path), verbose=0)
        (value,) = [r["value"] for r in records if r["metric"] == "fit_time_s"]
        return value

    trained = fit_time()
    assert trained > 0
    assert fit_time() == trained  # loaded from the cache, same record


def test_stack_fit_time_is_its_training_time_also_from_the_layer_cache(tmp_path):
    def stack_time(finetune_epochs):
        # Another fine-tuning length: a new comparison task, the same layers.
        records, _ = run_comparison(
            "digits", settings={**TINY, "finetune_epochs": finetune_epochs},
            cache_dir=str(tmp_path), verbose=0)
        (value,) = [r["value"] for r in records
                    if r["model"] == "RBM stack" and r["metric"] == "fit_time_s"]
        return value

    trained = stack_time(1)
    assert trained > 0
    assert stack_time(2) == trained


def _cached_outputs(cache):
    return sorted(cache.rglob("_comparison_task_uncached/*/output.pkl"))


_CACHED_RUN = (
    "import sys\n"
    "from sklearn_sparsity.experiments._compare import run_comparison\n"
    "records, report = run_comparison('digits', settings={settings!r}, "
    "cache_dir=sys.argv[1], verbose=0)\n"
    "assert report.ok, report.errors\n"
    "print(sorted(r['value'] for r in records if r['metric'] == 'hspm'))\n"
)


def _run_in(package_parent, cache, settings=None):
    code = _CACHED_RUN.format(settings=settings or TINY)
    env = {**__import__("os").environ, "PYTHONPATH": str(package_parent)}
    return subprocess.run([sys.executable, "-c", code, str(cache)], env=env,
                          capture_output=True, text=True, check=True,
                          cwd=package_parent).stdout


def test_a_code_change_anywhere_in_the_package_is_not_served_old_results(
    tmp_path,
):
    # A copy of the package; its CD update is changed between two runs that
    # share one cache. joblib alone would serve the first run's results (it
    # hashes only the cached function's own source).
    import shutil

    import sklearn_sparsity

    copy = tmp_path / "copy"
    shutil.copytree(Path(sklearn_sparsity.__file__).parent,
                    copy / "sklearn_sparsity",
                    ignore=shutil.ignore_patterns("__pycache__"))
    cache = tmp_path / "cache"
    first = _run_in(copy, cache)
    assert _run_in(copy, cache) == first  # the same code: served
    rbm = copy / "sklearn_sparsity" / "_rbm.py"
    source = rbm.read_text()
    assert "s = learning_rate / n\n" in source
    rbm.write_text(source.replace("s = learning_rate / n\n",
                                  "s = 0.5 * learning_rate / n\n"))
    second = _run_in(copy, cache)
    assert second != first
    # Both results stay in the cache, each in its own namespace.
    namespaces = {p.relative_to(cache / "runs").parts[0]
                  for p in _cached_outputs(cache)}
    assert len(namespaces) == 2


def test_two_processes_sharing_a_cache_do_not_crash(tmp_path):
    # Five rounds of two processes started at once on one cache (stale
    # entries of other code in it): none fails.
    cache = tmp_path / "cache"
    code = _CACHED_RUN.format(settings=TINY)
    stale = cache / "runs" / "0.0-0000000000000000-blas1"
    stale.mkdir(parents=True)
    for _ in range(5):
        procs = [subprocess.Popen([sys.executable, "-c", code, str(cache)],
                                  stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True)
                 for _process in range(2)]
        outputs = [proc.communicate(timeout=300) for proc in procs]
        for proc, (_, err) in zip(procs, outputs):
            assert proc.returncode == 0, err
        assert outputs[0][0] == outputs[1][0]


def test_a_swapped_cache_entry_is_recomputed(tmp_path):
    # Two cached runs whose files are swapped on disk: each is checked
    # against its task when read and computed again.
    fresh, _ = run_comparison("digits", settings=TINY, verbose=0)
    run_comparison("digits", settings=TINY, cache_dir=str(tmp_path), verbose=0)
    outputs = _cached_outputs(tmp_path)
    assert len(outputs) == 4  # data, DBN+DpRBM, Dsigm, Drelu
    contents = [path.read_bytes() for path in outputs]
    for path, content in zip(outputs, contents[1:] + contents[:1]):
        path.write_bytes(content)
    again, _ = run_comparison("digits", settings=TINY, cache_dir=str(tmp_path),
                              verbose=0)

    def values(records):
        return sorted((r["model"], str(r["layer"]), r["metric"], str(r["k"]),
                       str(r.get("aggregate")), r["value"]) for r in records
                      if r["metric"] != "fit_time_s")

    assert values(again) == values(fresh)


def _payload(entry):
    """The result in a cache entry (checksummed: ``{"payload", "sha256"}``)."""
    return entry["payload"] if isinstance(entry, dict) else entry


def test_a_hand_edited_cache_entry_is_reported_and_recomputed(tmp_path, capfd):
    # Issue 20, item 6: a cached run's test error edited with joblib was
    # served (Table 1 printed "Dsigm 0.01 %").
    import joblib

    fresh, _ = run_comparison("digits", settings=TINY, cache_dir=str(tmp_path),
                              verbose=0)
    (path,) = [p for p in _cached_outputs(tmp_path)
               if any(r["model"] == "Dsigm" for r in _payload(joblib.load(p)))]
    entry = joblib.load(path)
    for record in _payload(entry):
        if record["metric"] == "test_error":
            record["value"] = 0.000001
    joblib.dump(entry, path)
    capfd.readouterr()
    again, _ = run_comparison("digits", settings=TINY, cache_dir=str(tmp_path),
                              verbose=0)

    def errors(records):
        return sorted((r["model"], r["value"]) for r in records
                      if r["metric"] == "test_error")

    assert errors(again) == errors(fresh)
    err = capfd.readouterr().err
    assert err.count("\n") == 1 and "checksum mismatch" in err, err
    assert str(path.parent) in err
    # The entry was written again: served silently from now on.
    run_comparison("digits", settings=TINY, cache_dir=str(tmp_path), verbose=0)
    assert capfd.readouterr().err == ""


def test_an_unreadable_cache_entry_is_one_line_not_a_traceback(tmp_path, capfd,
                                                               caplog):
    # Issue 20, item 11: joblib printed a ~40-line traceback before
    # computing a damaged entry again.
    fresh, _ = run_comparison("digits", settings=TINY, cache_dir=str(tmp_path),
                              verbose=0)
    outputs = _cached_outputs(tmp_path)
    outputs[0].write_bytes(outputs[0].read_bytes()[:40])
    capfd.readouterr()
    again, _ = run_comparison("digits", settings=TINY, cache_dir=str(tmp_path),
                              verbose=0)
    # joblib logged a traceback (to stderr outside pytest): not any more.
    assert not [r.getMessage() for r in caplog.records if r.levelno >= 30]
    err = capfd.readouterr().err
    assert err.count("\n") == 1 and "unreadable" in err, err
    assert "Traceback" not in err

    def values(records):
        return sorted((r["model"], str(r["layer"]), r["metric"], str(r["k"]),
                       str(r.get("aggregate")), r["value"]) for r in records
                      if r["metric"] != "fit_time_s")

    assert values(again) == values(fresh)


@pytest.mark.skipif(not hasattr(__import__("os"), "getuid"),
                    reason="POSIX permissions")
def test_unsafe_cache_folders_are_refused(tmp_path):
    import os

    from sklearn_sparsity._cache import CacheFolderError, check_cache_dir

    new = check_cache_dir(tmp_path / "new" / "cache")
    assert (new.stat().st_mode & 0o777) == 0o700
    shared = tmp_path / "shared"
    shared.mkdir()
    os.chmod(shared, 0o777)
    with pytest.raises(CacheFolderError, match="writable by other users"):
        run_comparison("digits", settings=TINY, cache_dir=str(shared))
    afile = tmp_path / "file"
    afile.write_text("")
    with pytest.raises(CacheFolderError, match="is not a folder"):
        check_cache_dir(afile)


def test_failed_runs_warn_and_keep_the_rest(monkeypatch):
    from sklearn_sparsity.experiments import _compare

    original = _compare._comparison_task_uncached

    def flaky(kind, *args, **kwargs):
        if kind == "dsigm":
            raise FloatingPointError("diverged")
        return original(kind, *args, **kwargs)

    monkeypatch.setattr(_compare, "_comparison_task_uncached", flaky)
    with pytest.warns(RuntimeWarning, match="diverged"):
        summary = compare_pretraining("digits", settings=TINY)
    assert "Dsigm" not in set(summary.model)
    assert {"DBN", "DpRBM"} <= set(summary.model)
    assert "digits Dsigm seed=0" in summary.attrs["failures"]


def test_missing_pandas_is_a_clear_error(monkeypatch):
    # The records (and the command line) need no pandas; the DataFrames do.
    records, _ = run_comparison("digits", settings=TINY, verbose=0)
    monkeypatch.setitem(sys.modules, "pandas", None)
    with pytest.raises(ImportError, match="install pandas"):
        to_frame(records)


# ----------------------------------------------- the paper's claims (MNIST)
# A configuration where both networks have learned (test error far below the
# 90 % of chance) and which fits the test budget (about a minute): the
# paper's network 500-500-2000 on 2,000 MNIST training and 1,000 test images,
# 5 pretraining and 60 fine-tuning epochs with minibatches of 20. The Dsigm
# uses rate 0.1 of the paper's set: with rate 1 and these small minibatches
# it saturates and stays at chance (90 % error). The rates were fixed by
# whether the networks learn, before the claims were looked at. At the quick
# scale's 10 fine-tuning epochs the Dsigm has not learned (90 % error), so
# the claims are not tested there.
CLAIM_SETTINGS = {"max_train": 2000, "max_test": 1000, "finetune_epochs": 60,
                  "batch_size": 20, "learning_rate": {"Dsigm": 0.1}}


@pytest.fixture(scope="module")
def mnist_learned(request):
    data = request.getfixturevalue("shared_data_dir")
    return compare_pretraining("mnist", scale="quick", data_home=data,
                               settings=CLAIM_SETTINGS)


def _value(summary, model, metric, layer, k=None, aggregate=None):
    same_layer = (summary.layer.isna() if layer is None
                  else summary.layer == layer)
    rows = summary[(summary.model == model) & (summary.metric == metric)
                   & same_layer]
    if k is not None:
        rows = rows[rows.k == k]
    if aggregate is not None:
        rows = rows[rows["aggregate"] == aggregate]
    assert len(rows) == 1
    return float(rows["mean"].iloc[0])


def test_claim_setting_has_networks_that_learned(mnist_learned):
    for model in ("DBN", "DpRBM", "Dsigm"):
        error = _value(mnist_learned, model, "test_error", None)
        assert error < 0.3, f"{model}: test error {error:.3f}"


@pytest.mark.parametrize("layer", [1, 2, 3])
def test_claim_dprbm_sparser_than_dsigm(mnist_learned, layer):
    dprbm = _value(mnist_learned, "DpRBM", "hspm", layer)
    dsigm = _value(mnist_learned, "Dsigm", "hspm", layer)
    assert dprbm > dsigm, f"layer {layer}: DpRBM {dprbm:.3f}, Dsigm {dsigm:.3f}"


def test_claim_dprbm_top_layer_overlaps_less(mnist_learned):
    # Eq. 9 as written (the default reading).
    dprbm = _value(mnist_learned, "DpRBM", "aod", 3, k=2, aggregate="mean_data")
    dsigm = _value(mnist_learned, "Dsigm", "aod", 3, k=2, aggregate="mean_data")
    assert dprbm < dsigm, f"AOD k=2, layer 3: DpRBM {dprbm:.3f}, Dsigm {dsigm:.3f}"


# The numbers of this setting live in one results file, written by the demo
# (docs/_static/reproduction/demo/demo_output.txt); they move with BLAS
# threads and library versions, so the reason below quotes none.
@pytest.mark.xfail(strict=True, raises=AssertionError, reason=(
    "Does not hold on scikit-learn's digits (the demo's setting: 256-256, 10 "
    "pretraining and 30 fine-tuning epochs, minibatch 20, rates chosen on a "
    "validation split), where all three networks learned: the Dsigm is the "
    "sparser network in both layers and its top layer overlaps less (AOD k=2, "
    "eq. 9 as written). Numbers: `python -m sklearn_sparsity demo`, recorded "
    "in docs/_static/reproduction/demo/demo_output.txt; see "
    "docs/reproduction.rst."))
def test_claims_on_digits():
    rates = {"learning_rate": {"DBN": 0.05, "DpRBM": 0.1, "Dsigm": 1.0}}
    summary = compare_pretraining("digits", settings=rates)
    for layer in (1, 2):
        assert (_value(summary, "DpRBM", "hspm", layer)
                > _value(summary, "Dsigm", "hspm", layer))
    assert (_value(summary, "DpRBM", "aod", 2, k=2, aggregate="mean_data")
            < _value(summary, "Dsigm", "aod", 2, k=2, aggregate="mean_data"))


# ------------------------------------------------------ Birdsong input scaler
def test_scaler_setting_is_validated():
    assert get_settings("birdsong", "paper")["scaler"] == "minmax"
    assert get_settings("birdsong", "quick", {"scaler": "quantile"})["scaler"] == (
        "quantile")
    with pytest.raises(ValueError, match="scaler"):
        get_settings("birdsong", "quick", {"scaler": "standard"})


@pytest.mark.parametrize("scaler", ["minmax", "quantile"])
def test_birdsong_scalers_map_to_unit_interval(shared_data_dir, scaler):
    from sklearn_sparsity.experiments._data import load_experiment_data

    settings = get_settings("birdsong", "quick",
                            {"scaler": scaler, "max_train": 3000, "max_test": 3000})
    X, _, X_test, _, fitted = load_experiment_data("birdsong", settings,
                                                   data_home=shared_data_dir)
    assert type(fitted).__name__ == (
        "MinMaxScaler" if scaler == "minmax" else "QuantileTransformer")
    for A in (X, X_test):
        assert A.dtype == np.float32 and A.min() >= 0 and A.max() <= 1
    if scaler == "quantile":
        # Each feature's empirical CDF: about uniform on the training part.
        assert np.allclose(X.std(axis=0), np.sqrt(1 / 12), atol=0.02)


# ------------------------------------------------------- the paper's numbers
@pytest.fixture(scope="module")
def paper_text(shared_data_dir):
    path = shared_data_dir.parent / "paper" / (
        "li2013-unsupervised-pretraining-moderate-sparseness.txt")
    if not path.exists():
        pytest.skip(f"the paper's text is not at {path}")
    return path.read_text()


@pytest.mark.parametrize("dataset, caption", [
    ("mnist", "Table 1. Hoyer's sparseness measures (HSPM) of DNNs (500-"),
    ("birdsong", "Table 2. Hoyer's sparseness measures (HSPM) of DNNs (50-100-"),
])
def test_paper_tables_match_the_papers_text(paper_text, dataset, caption):
    from sklearn_sparsity.experiments._paper import PAPER_TABLES

    text = paper_text.replace("’", "'")
    start = text.index(caption.replace("’", "'"))
    lines = text[start:start + 400].splitlines()
    table = PAPER_TABLES[dataset]
    found = {}
    for line in lines:
        words = line.split()
        if words and words[0] in ("DBNs", "DpRBMs", "Dsigm"):
            found[words[0].rstrip("s") if words[0] != "DpRBMs" else "DpRBM"] = (
                words[1:])
    assert set(found) == {"DBN", "DpRBM", "Dsigm"}
    for model, words in found.items():
        hspm = [float(w) for w in words[:4]]
        assert table[model]["hspm"] == pytest.approx(hspm), model
        assert table["data"]["hspm"][0] == pytest.approx(hspm[0])
        if len(words) > 4:
            assert table[model]["test_error"] == pytest.approx(
                float(words[4].rstrip("%")) / 100)
        else:
            assert np.isnan(table[model]["test_error"])


def test_paper_statements_are_quoted(paper_text):
    from sklearn_sparsity.experiments._paper import PAPER_STATEMENTS

    flat = " ".join(paper_text.split())
    for key, (quote, _) in PAPER_STATEMENTS.items():
        assert " ".join(quote.split()) in flat, key


def test_table_claims_hold_on_the_papers_own_numbers():
    # Each claim checked against Tables 1-2 must be one the paper's own tables
    # support (e.g. not "DBN sparser than Dsigm" on Birdsong, where Table 2
    # has the DBN's layer 3 less sparse), except where the text and the table
    # disagree, which the claims name.
    from sklearn_sparsity.experiments._claims import evaluate_claims
    from sklearn_sparsity.experiments._paper import PAPER_TABLES

    records = {}
    for dataset, table in PAPER_TABLES.items():
        runs = records.setdefault(dataset, [])
        for model, row in table.items():
            for layer, value in enumerate(row["hspm"]):
                if np.isfinite(value) and (layer > 0 or model == "data"):
                    runs.append({"dataset": dataset, "model": model, "seed": 0,
                                 "layer": layer, "metric": "hspm",
                                 "value": value})
            if np.isfinite(row["test_error"]):
                runs.append({"dataset": dataset, "model": model, "seed": 0,
                             "metric": "test_error",
                             "value": row["test_error"]})
    claims = evaluate_claims(table1=records["mnist"], table2=records["birdsong"])
    failing = {c["claim"] for c in claims if not c["holds"]}
    assert failing == {
        # The text's "about 0.68"; Table 1's three layers average 0.55.
        "Table 1: the DpRBM's HSPM averaged over its three layers is about "
        "0.68 (within 0.05)"}
    assert len(claims) >= 17
    # Every comparison row puts the claim's subject first, in the paper's
    # column and in ours: fed the paper's numbers, both read the same.
    pairs = 0
    for c in claims:
        paper = re.findall(r"(\d+\.\d+) %? ?vs (\d+\.\d+)", c["paper"])
        if not paper or " vs " not in c["ours"]:
            continue
        ours = [float(part.split()[0]) for part in c["ours"].split(" vs ")]
        assert ours == pytest.approx([float(v) for v in paper[-1]], abs=0.006), (
            c["claim"], c["paper"], c["ours"])
        pairs += 1
    assert pairs >= 10


def _figure2_records(dsigm_error, with_chance=True):
    """Table 1 and Figure 2 records in which every claim holds."""
    hspm = {"data": [0.6], "DBN": [0.64, 0.7, 0.7], "DpRBM": [0.64, 0.7, 0.7],
            "Dsigm": [0.1, 0.1, 0.1]}
    aod = {"data": [0.5], "DpRBM": [0.8, 0.3, 0.05], "Dsigm": [0.95] * 3}
    error = {"DBN": 0.02, "DpRBM": 0.03, "Dsigm": dsigm_error}
    runs = []
    for seed in (0, 1):
        base = {"dataset": "mnist", "seed": seed}
        for model, values in hspm.items():
            first = 0 if model == "data" else 1
            runs += [{**base, "model": model, "metric": "hspm", "layer": i,
                      "value": v + 0.001 * seed}
                     for i, v in enumerate(values, first)]
        for model, values in aod.items():
            first = 0 if model == "data" else 1
            runs += [{**base, "model": model, "metric": "aod", "layer": i,
                      "k": k, "aggregate": "mean_data", "value": v + 0.001 * seed}
                     for i, v in enumerate(values, first) for k in (2, 3)]
        runs += [{**base, "model": m, "metric": "test_error", "value": e}
                 for m, e in error.items()]
    if with_chance:
        runs += [{"dataset": "mnist", "model": "data", "seed": 0,
                  "metric": "n_classes", "value": 10.0},
                 {"dataset": "mnist", "model": "data", "seed": 0,
                  "metric": "majority_error", "value": 0.8866}]
    return runs


def test_claims_on_a_network_near_chance_are_not_applicable():
    from sklearn_sparsity.experiments._claims import (
        chance_error,
        claims_rows,
        claims_summary,
        evaluate_claims,
    )

    learned = evaluate_claims(table1=_figure2_records(0.05))
    assert all(c["verdict"] in ("holds", "fails") for c in learned)
    assert claims_summary(learned).startswith(
        f"{sum(c['holds'] for c in learned)} of {len(learned)} claims hold")
    assert "n/a" not in claims_summary(learned)
    # Subject first where the paper gives words, not numbers, too.
    row = next(c for c in learned if "overlaps less than the data" in c["claim"])
    assert row["ours"].startswith("0.05") and " vs 0.50" in row["ours"], row
    # The quick run's Dsigm: 88.62 % test error, HSPM near 0 (it "holds" as
    # the sparser-than-Dsigm claims' baseline unless marked).
    runs = _figure2_records(0.8862)
    assert chance_error(runs, "mnist") == pytest.approx(0.85)
    claims = evaluate_claims(table1=runs)
    on_dsigm = [c for c in claims if "Dsigm" in c["models"].split()]
    assert len(on_dsigm) == 11  # 6 HSPM, test error, mean HSPM, 3 AOD
    for c in claims:
        if c in on_dsigm:
            assert c["holds"] is None
            assert c["verdict"] == "n/a: Dsigm did not learn"
        else:
            assert c["verdict"] == "holds", c
    header, rows = claims_rows(claims)
    assert [r[-1] for r in rows].count("n/a: Dsigm did not learn") == 11
    assert claims_summary(claims).startswith(
        f"{len(claims) - 11} of {len(claims)} claims hold, 11 n/a")
    # Below the uniform level, the majority-class level decides (Birdsong's
    # frames: 51 classes, 91.7 % in all but the most frequent one).
    assert chance_error(_figure2_records(0.5, with_chance=False), "mnist") == (
        pytest.approx(0.85))
    unbalanced = [{**r, "value": 0.9168} if r.get("metric") == "majority_error"
                  else r for r in _figure2_records(0.5)]
    unbalanced = [{**r, "value": 51.0} if r.get("metric") == "n_classes"
                  else r for r in unbalanced]
    assert chance_error(unbalanced, "mnist") == pytest.approx(0.9068)


def test_claims_command_writes_not_applicable_rows(tmp_path, capsys):
    # The output: claims.md's table and summary line, and claims.csv.
    import csv

    from sklearn_sparsity._cli import main
    from sklearn_sparsity.experiments._records import write_csv

    (tmp_path / "runs").mkdir()
    write_csv(_figure2_records(0.8862), tmp_path / "runs" / "table1_runs.csv")
    assert main(["claims", str(tmp_path / "runs"),
                 "--out", str(tmp_path / "out")]) == 0
    md = (tmp_path / "out" / "claims.md").read_text()
    assert "| n/a: Dsigm did not learn |" in md
    assert "| Table 1: DBN has a lower test error than Dsigm |" in md
    assert re.search(r"^(\d+) of (\d+) claims hold, 11 n/a", md, re.M)
    with open(tmp_path / "out" / "claims.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    verdicts = [r["verdict"] for r in rows]
    assert verdicts.count("n/a: Dsigm did not learn") == 11
    assert set(verdicts) == {"holds", "n/a: Dsigm did not learn"}
    error_row = next(r for r in rows if "lower test error" in r["claim"])
    assert error_row["ours"].startswith("2.00 ± 0.00 % vs 88.62")


# ------------------------------------------------ learning-rate selection
def _grid_summary(errors, losses=None):
    out = []
    for (model, p, f), error in errors.items():
        base = {"model": model, "pretrain_lr": p, "lr": f, "layer": None}
        out.append({**base, "metric": "validation_error", "mean": error})
        out.append({**base, "metric": "validation_log_loss",
                    "mean": (losses or {}).get((model, p, f), 1.0)})
    return out


def test_chosen_rates_lowest_validation_error_then_log_loss_then_order():
    from sklearn_sparsity.experiments._select import chosen_rates

    errors = {("DBN", 1.0, 0.1): 0.2, ("DBN", 0.1, 0.1): 0.1,
              ("DBN", 0.1, 1.0): 0.1, ("DpRBM", 1.0, 0.1): 0.3,
              ("DpRBM", 0.1, 0.1): 0.3, ("Dsigm", None, 1.0): 0.5,
              ("Dsigm", None, 0.1): 0.5}
    losses = {("DBN", 0.1, 0.1): 0.4, ("DBN", 0.1, 1.0): 0.5}
    chosen = chosen_rates(_grid_summary(errors, losses), (1.0, 0.1, 0.05, 0.01))
    assert chosen == {"pretrain_learning_rate": {"DBN": 0.1, "DpRBM": 1.0},
                      "learning_rate": {"DBN": 0.1, "DpRBM": 0.1, "Dsigm": 1.0}}
    # A valid settings override.
    settings = get_settings("mnist", "paper", chosen)
    assert settings["pretrain_learning_rate"] == {"DBN": 0.1, "DpRBM": 1.0}


def test_selection_never_sees_the_test_set(monkeypatch):
    from sklearn_sparsity.experiments import _select

    calls = []
    original = _select.load_experiment_data

    def spy(dataset, settings, data_home=None):
        X, y, X_test, y_test, scaler = original(dataset, settings, data_home)
        calls.append(len(y_test))
        # Poisoned test labels: a selection that used them would fail.
        return X, y, X_test, np.full_like(y_test, -1), scaler

    monkeypatch.setattr(_select, "load_experiment_data", spy)
    summary = select_learning_rates("digits", settings={
        **TINY, "rate_grid": (1.0, 0.1)})
    assert calls
    points = summary[summary.metric == "validation_error"]
    # 4 + 4 pretrained pairs and 2 rates each of the Dsigm and the Drelu,
    # each scored on the same stratified 20 % of the training split.
    assert len(points) == 12
    assert set(points.model) == {"DBN", "DpRBM", "Dsigm", "Drelu"}
    chosen = summary.attrs["selected"]
    losses = summary[summary.metric == "validation_log_loss"]
    dsigm = points[points.model == "Dsigm"].merge(
        losses[losses.model == "Dsigm"], on="lr", suffixes=("", "_loss"))
    best = dsigm.sort_values(["mean", "mean_loss"]).iloc[0]
    assert chosen["learning_rate"]["Dsigm"] == best.lr


def test_validation_split_is_stratified_and_fixed():
    from sklearn_sparsity.experiments._select import validation_split

    X = np.arange(200.0).reshape(100, 2)
    y = np.repeat([0, 1, 2, 3], 25)
    first = validation_split(X, y, 0.2)
    second = validation_split(X, y, 0.2)
    assert_array_equal(first[1], second[1])
    assert np.bincount(first[3]).tolist() == [5, 5, 5, 5]


# ------------------------------------------------------ fine-tuning study
def test_finetuning_study_records_checkpoints(tmp_path):
    from sklearn_sparsity.experiments._finetuning import run_finetuning_study

    records, report = run_finetuning_study(
        "digits", settings={**TINY, "finetune_epochs": 5},
        cache_dir=str(tmp_path), verbose=0)
    assert report.ok
    epochs = {r["epoch"] for r in records if r["metric"] == "hspm"}
    assert epochs == {0, 1, 2, 5}
    assert {r["loss"] for r in records} == {"log_loss", "squared_error"}
    assert {r["lr"] for r in records} == {1.0, 0.1, 0.05, 0.01}
    # Epoch 0 is the pretrained stack: the same for every run.
    start = {(r["layer"], r["value"]) for r in records
             if r["epoch"] == 0 and r["metric"] == "hspm"}
    assert len(start) == 2
    # The last checkpoint of the DBN's own rate and loss is the DBN of the
    # comparison (same stack, same seed).
    table = compare_pretraining("digits", settings={**TINY,
                                                    "finetune_epochs": 5},
                                cache_dir=str(tmp_path))
    for layer in (1, 2):
        ours = [r["value"] for r in records if r["epoch"] == 5
                and r["lr"] == 0.1 and r["loss"] == "log_loss"
                and r["metric"] == "hspm" and r["layer"] == layer]
        assert ours == [pytest.approx(_value(table, "DBN", "hspm", layer))]


@pytest.mark.parametrize("dataset, table", [("mnist", "table1"),
                                            ("birdsong", "table2")])
def test_paper_scale_rates_are_the_ones_selected_on_validation_data(dataset,
                                                                    table):
    # The defaults of the paper scale are what 'select-rates' chose (the
    # committed result files), not the test set's favourites.
    import json

    # The paper's three networks' grid, then the Drelu's (selected later,
    # with --models Drelu).
    from sklearn_sparsity.experiments._records import read_csv
    from sklearn_sparsity.experiments._select import chosen_rates

    settings = get_settings(dataset, "paper")
    root = (Path(__file__).resolve().parents[1] / "docs" / "_static"
            / "reproduction" / "select_rates")
    merged = {"pretrain_learning_rate": {}, "learning_rate": {}}
    for folder in (f"{dataset}_select", f"{dataset}_select_drelu"):
        path = root / folder / f"selected_rates_{table}.json"
        chosen = json.loads(path.read_text())
        # The file's choice is its grid's lowest validation error.
        summary = read_csv(path.with_name(f"select_rates_{table}_summary.csv"))
        assert chosen_rates(summary, settings["rate_grid"]) == chosen
        for key in merged:
            merged[key].update(chosen[key])
    assert settings["pretrain_learning_rate"] == merged["pretrain_learning_rate"]
    assert settings["learning_rate"] == merged["learning_rate"]


def _print_epochs(n):
    for epoch in range(1, n + 1):
        print(f"epoch {epoch}/{n}")
    return n


def test_runner_status_line_and_eta_from_costs():
    out = io.StringIO()
    tasks = [Task("cheap", _print_epochs, {"n": 1}, cost=0.01),
             Task("big", _print_epochs, {"n": 3}, cost=1.0),
             Task("bigger", _print_epochs, {"n": 2}, cost=1.0)]
    report = run_tasks(tasks, file=out, status=True)
    assert report.results == {"cheap": 1, "big": 3, "bigger": 2}
    text = out.getvalue()
    # Epoch lines replace each other in one line, cleared when the run ends.
    assert "\r\x1b[2K  big | epoch 3/3" in text
    assert "\nepoch" not in text
    lines = [line.split("\x1b[2K")[-1] for line in text.splitlines()]
    finished = [line for line in lines if line.startswith("[")]
    assert len(finished) == 3
    # No estimate from the cheap first task alone; then one from the rate.
    assert finished[0].endswith("ETA ?")
    assert not finished[1].endswith("ETA ?") and finished[2].endswith("ETA 0s")


def test_comparison_figure_titles_the_networks_plotted_and_legend_outside(
        tmp_path, monkeypatch):
    # table1.png said "DBN, DpRBM, Dsigm" while plotting the Drelu too; the
    # AOD legend covered the DBN curve.
    pytest.importorskip("matplotlib")
    from matplotlib.figure import Figure

    from sklearn_sparsity.experiments._plots import plot_comparison

    seen = {}

    def savefig(fig, path, **kwargs):
        fig.canvas.draw()
        ax_hspm, ax_aod = fig.axes[:2]
        legend = ax_aod.get_legend().get_window_extent()
        seen.update(title=fig._suptitle.get_text(),
                    outside=legend.x0 >= ax_aod.get_window_extent().x1)

    monkeypatch.setattr(Figure, "savefig", savefig)
    summary = [{"model": "data", "metric": "hspm", "layer": 0, "mean": 0.4,
                "std": float("nan")}]
    for model in ("DBN", "Drelu"):
        summary += [{"model": model, "metric": "hspm", "layer": 1, "mean": 0.5,
                     "std": float("nan")}]
        summary += [{"model": model, "metric": "aod", "layer": 1, "k": k,
                     "aggregate": "mean_data", "mean": 0.5 / k,
                     "std": float("nan")} for k in (2, 3)]
    plot_comparison(summary, tmp_path / "x.png", title="mnist")
    assert seen == {"title": "mnist: DBN, Drelu", "outside": True}


def _blas_threads():
    from threadpoolctl import threadpool_info

    return {info["num_threads"] for info in threadpool_info()}


def test_parallel_runs_use_one_blas_thread_per_worker():
    # n_jobs workers of one BLAS thread each: no oversubscription.
    from sklearn_sparsity.experiments._runner import Task, run_tasks

    tasks = [Task(f"t{i}", _blas_threads, {}) for i in range(2)]
    report = run_tasks(tasks, n_jobs=2, verbose=0)
    assert report.results == {"t0": {1}, "t1": {1}}


def test_mnist_quick_scale_uses_the_minibatch_validated_for_the_dsigm():
    # With minibatches of 100 the Dsigm stays at chance at the quick scale
    # (every rate of the paper's set; see the comment in _settings.py).
    settings = get_settings("mnist", "quick")
    assert settings["batch_size"] == 20
    assert settings["learning_rate"]["Dsigm"] == 1.0
