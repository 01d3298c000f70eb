"""The map of the paper's claims (``map``) and the sparse-coding comparison."""

import math
import re

import numpy as np
import pytest

from sklearn_sparsity._cli import main
from sklearn_sparsity.experiments._map import (
    axis_overrides,
    map_differences,
    map_points,
    summarize_differences,
)
from sklearn_sparsity.experiments._map_report import conclusions
from sklearn_sparsity.experiments._records import read_csv
from sklearn_sparsity.experiments._sparse_coding import (
    match_alpha,
    sparse_coding_comparison,
)

TINY = ["--hidden", "8-8", "--pretrain-epochs", "1", "--finetune-epochs", "2"]


@pytest.fixture(scope="module")
def map_dir(tmp_path_factory):
    """A tiny map on digits: two axes, two values each, one seed."""
    out = tmp_path_factory.mktemp("map")
    argv = ["map", "--dataset", "digits", "--out", str(out), *TINY,
            "--axes", "pretrain_epochs,depth",
            "--grid", "pretrain_epochs=1,2", "--grid", "depth=1,2"]
    assert main(argv) == 0
    return out


def test_map_writes_its_files(map_dir):
    for name in ("map_runs.csv", "map.csv", "map_summary.csv",
                 "map_errors.csv", "map_conclusions.md", "map_digits.png",
                 "run_info_map.json"):
        assert (map_dir / name).stat().st_size > 0, name
    assert any((map_dir / "units" / "map").glob("*.json"))


def test_map_columns_and_points(map_dir):
    rows = read_csv(map_dir / "map.csv")
    assert set(rows[0]) >= {"dataset", "axis", "axis_value", "point", "seed",
                            "quantity", "layer", "k", "a_model", "a",
                            "b_model", "b", "difference"}
    assert {(r["axis"], r["axis_value"]) for r in rows} == {
        ("pretrain_epochs", 1), ("pretrain_epochs", 2), ("depth", 1),
        ("depth", 2)}
    assert {r["quantity"] for r in rows} == {"sparser", "less_overlap",
                                             "finetune_keeps"}
    # The base (pretrain_epochs=1, depth 2) lies on both axes: one setting.
    assert {r["point"] for r in rows if (r["axis"], r["axis_value"]) in (
        ("pretrain_epochs", 1), ("depth", 2))} == {"base"}
    # A one-layer network has one HSPM difference of each kind.
    depth1 = [r for r in rows if r["axis"] == "depth" and r["axis_value"] == 1
              and r["quantity"] == "sparser"]
    assert [r["layer"] for r in depth1] == [1]
    summary = read_csv(map_dir / "map_summary.csv")
    assert set(summary[0]) >= {"mean", "std", "n_seeds", "n_positive"}
    assert all(r["n_seeds"] == 1 for r in summary)


def test_map_differences_are_differences_of_the_recorded_values(map_dir):
    runs = read_csv(map_dir / "map_runs.csv")
    hspm = {(r["axis"], r["axis_value"], r["seed"], r["model"], r["layer"]):
            r["value"] for r in runs if r["metric"] == "hspm"}
    aod = {(r["axis"], r["axis_value"], r["seed"], r["model"], r["layer"],
            r["k"]): r["value"] for r in runs
           if r["metric"] == "aod" and r["aggregate"] == "mean_data"}
    rows = read_csv(map_dir / "map.csv")
    checked = 0
    for r in rows:
        point = (r["axis"], r["axis_value"], r["seed"])
        if r["quantity"] == "less_overlap":
            if r["k"] == "mean":
                ks = sorted({key[5] for key in aod
                             if key[:3] == point and key[4] == r["layer"]})
                a = np.mean([aod[(*point, "Dsigm", r["layer"], k)] for k in ks])
                b = np.mean([aod[(*point, "DpRBM", r["layer"], k)] for k in ks])
            else:
                a = aod[(*point, "Dsigm", r["layer"], r["k"])]
                b = aod[(*point, "DpRBM", r["layer"], r["k"])]
        else:
            a = hspm[(*point, r["a_model"], r["layer"])]
            b = hspm[(*point, r["b_model"], r["layer"])]
        assert r["difference"] == pytest.approx(a - b, abs=1e-12)
        assert r["a"] == pytest.approx(a, abs=1e-12)
        assert r["b"] == pytest.approx(b, abs=1e-12)
        checked += 1
    assert checked == len(rows) > 0


def test_map_conclusions_cite_the_csv(map_dir):
    text = (map_dir / "map_conclusions.md").read_text()
    summary = read_csv(map_dir / "map_summary.csv")
    cited = set(re.findall(r"[+-]\d\.\d{3}", text))
    expected = {f"{r['mean']:+.3f}" for r in summary}
    assert cited and cited <= expected
    assert "HSPM(DpRBM) > HSPM(Dsigm)" in text and "settings" in text
    assert "python -m sklearn_sparsity map" in text


def test_map_rejects_an_unknown_axis(capsys):
    assert main(["map", "--axes", "colour"]) == 2
    assert "--axes" in capsys.readouterr().err


def test_axis_overrides_and_shared_base():
    base, points = map_points("digits", axes={"width": (25, 100),
                                              "depth": (1, 2)})
    assert base["hidden_layer_sizes"] == (100, 100)
    assert axis_overrides("depth", 3, base) == {"hidden_layer_sizes":
                                                (100, 100, 100)}
    sizes = [s["hidden_layer_sizes"] for _, _, s in points]
    assert sizes == [(25, 25), (100, 100), (100,), (100, 100)]
    rates = axis_overrides("finetune_lr", 0.05, base)["learning_rate"]
    assert set(rates.values()) == {0.05}


def test_conclusions_name_the_failing_range():
    def row(value, mean):
        return {"dataset": "d", "axis": "pretrain_epochs", "axis_value": value,
                "point": str(value), "quantity": "sparser", "layer": 1,
                "k": None, "mean": mean, "std": 0.01, "n_seeds": 3,
                "n_positive": int(mean > 0) * 3}

    summary = [row(1, -0.2), row(3, -0.1), row(10, 0.05), row(30, 0.1)]
    text = conclusions(summary, dataset="d")
    assert "holds at 2 of 4 settings" in text
    assert "fails when pretrain_epochs <= 3" in text
    assert "1: -0.200 ± 0.010" in text


def test_summarize_differences_mean_and_std():
    rows = [{"dataset": "d", "axis": "width", "axis_value": 8, "point": "p",
             "seed": s, "quantity": "sparser", "layer": 1, "k": None,
             "difference": d} for s, d in enumerate([0.1, 0.3, -0.1])]
    (out,) = summarize_differences(rows)
    assert out["mean"] == pytest.approx(0.1)
    assert out["std"] == pytest.approx(0.2)
    assert (out["n_seeds"], out["n_positive"]) == (3, 2)
    assert map_differences([]) == []


# ------------------------------------------------------------ sparse coding
def test_match_alpha_bisects_to_the_target():
    class Shrink:  # codes: entries below alpha set to 0
        def __init__(self, alpha):
            self.alpha = alpha

        def transform(self, X):
            return np.where(X >= self.alpha, X, 0.0)

    X = np.random.default_rng(0).random((50, 40))
    alpha, hspm = match_alpha(Shrink, X, 0.5, tol=0.01, high=1.0)
    assert abs(hspm - 0.5) <= 0.01
    assert 0 < alpha < 1


def test_sparse_coding_comparison_on_tiny_digits():
    records = sparse_coding_comparison(
        "digits", settings={"hidden_layer_sizes": (12,), "pretrain_epochs": 2},
        max_train=200, dict_iter=2)
    by_code = {r["code"]: r for r in records}
    assert set(by_code) == {"RBM layer 1", "sparse coder",
                            "sparse coder, non-negative", "input"}
    rbm, coder = by_code["RBM layer 1"], by_code["sparse coder"]
    if coder["matched"]:
        assert abs(coder["hspm"] - rbm["hspm"]) <= 0.01
    for rec in records:
        assert 0 <= rec["hspm"] <= 1
        assert 0 <= rec["aod_k2_mean_data"] <= 1
        assert 0 < rec["probe_accuracy"] <= 1
        assert rec["tau"] >= 0
    for rec in (rbm, coder):
        assert rec["n_units"] == 12
        assert math.isfinite(rec["reconstruction_mse"])
    assert by_code["input"]["reconstruction_mse"] is None


def test_sparse_coding_command(tmp_path, capsys):
    argv = ["sparse-coding", "--hidden", "12", "--pretrain-epochs", "1",
            "--max-train", "200", "--out", str(tmp_path)]
    assert main(argv) == 0
    md = (tmp_path / "sparse_coding.md").read_text()
    assert "| RBM layer 1 |" in md and "linear probe accuracy" in md
    assert len(read_csv(tmp_path / "sparse_coding_runs.csv")) == 4


def test_lr_grid_axes_and_heat_map(tmp_path):
    from sklearn_sparsity.experiments._map import lr_grid_axes
    from sklearn_sparsity.experiments._map_report import plot_lr_grid

    axes = lr_grid_axes((1.0, 0.1), (0.1, 0.01))
    assert list(axes) == ["finetune_lr|pretrain_lr=1", "finetune_lr|pretrain_lr=0.1"]
    base, points = map_points("digits", axes=axes)
    settings = {(a, v): s for a, v, s in points}
    one = settings[("finetune_lr|pretrain_lr=1", 0.01)]
    assert one["pretrain_learning_rate"]["DpRBM"] == 1.0
    assert one["learning_rate"]["Dsigm"] == 0.01
    summary = [{"dataset": "d", "axis": a, "axis_value": v, "point": f"{a}{v}",
                "quantity": q, "layer": 2, "k": 2 if q == "less_overlap" else None,
                "mean": 0.1 * i, "std": 0.0, "n_seeds": 1, "n_positive": 1}
               for i, (a, v) in enumerate(settings)
               for q in ("sparser", "less_overlap", "finetune_keeps")]
    plot_lr_grid(summary, tmp_path / "grid.png")
    assert (tmp_path / "grid.png").stat().st_size > 0
    text = conclusions(summary, dataset="d")
    assert "fails when finetune_lr >= 0.1" in text  # mean 0 at (1, 0.1)
