"""
================================
Is my network moderately sparse?
================================

Li et al. (2013) call a pretrained network *moderately sparse*: its hidden
layers are sparser than those of the same network trained from a random
start, but far from one-hot. Whether that holds depends on the setting (see
the map of the claims in the documentation). This example puts your own
fitted network beside the map's reference curves on the same data: the
per-layer HSPM (Hoyer's sparseness) and the average activation overlap
among 2 classes (AOD, the paper's threshold rule), in one figure.

The reference curves are read from the digits map committed with the docs
(``docs/_static/reproduction/map_digits/map_runs.csv``, written by
``python -m sklearn_sparsity map --dataset digits``): for the DBN, the
DpRBM and the Dsigm at the map's base setting (100-100 units), the mean
over seeds per layer, and as a band the range over the settings of the
map where that network learned. Your networks here: one of this package's,
a scikit-learn ``MLPClassifier`` and, if PyTorch is installed, a PyTorch
module.
"""

# %%
# The reference: the map's per-layer values
# -----------------------------------------
import csv
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from sklearn.neural_network import MLPClassifier

from sklearn_sparsity import PretrainedMLPClassifier
from sklearn_sparsity.datasets import load_digits_unit
from sklearn_sparsity.metrics import sparsity_report


def find_map_runs():
    """The digits map's per-seed records, looked up from the example's folder."""
    here = [Path.cwd()]
    if "__file__" in globals():
        here.insert(0, Path(__file__).resolve().parent)
    for folder in here:
        path = folder.parent / "docs/_static/reproduction/map_digits/map_runs.csv"
        if path.exists():
            return path
    return None


def reference_curves(path, learned=0.5):
    """``model -> metric -> (layers, base mean, lowest, highest)``.

    The band spans the settings of the map where the network learned (mean
    test error below ``learned``; chance is 0.9): a network that learned
    nothing is no reference.
    """
    values, errors = {}, {}
    with open(path, newline="") as f:
        for r in csv.DictReader(f):
            if r["metric"] == "test_error":
                errors.setdefault((r["model"], r["point"]), []).append(
                    float(r["value"])
                )
            elif r["metric"] == "hspm" or (
                r["metric"] == "aod" and r["k"] == "2" and r["aggregate"] == "mean_data"
            ):
                key = (r["model"], r["metric"], int(r["layer"]))
                values.setdefault(key, {}).setdefault(r["point"], []).append(
                    float(r["value"])
                )
    out = {}
    for (model, metric, layer), points in values.items():
        means = {
            p: np.mean(v)
            for p, v in points.items()
            if np.mean(errors[(model, p)]) < learned
        }
        if not means:
            continue
        out.setdefault(model, {}).setdefault(metric, []).append(
            (layer, means.get("base", np.nan), min(means.values()), max(means.values()))
        )
    return {m: {k: np.array(sorted(v)).T for k, v in d.items()} for m, d in out.items()}


path = find_map_runs()
reference = reference_curves(path) if path is not None else {}
print("reference:", path if path is not None else "none (run the map command)")

# %%
# Your networks
# -------------
# Any fitted model that :func:`~sklearn_sparsity.metrics.sparsity_report`
# reads: this package's estimators, scikit-learn's ``MLPClassifier`` (its
# hidden layers are recomputed from ``coefs_``), a ``Pipeline`` ending in
# one, or a PyTorch module (with a numeric ``tau``: a module has no visible
# bias for the paper's rule).
X, y, X_test, y_test = load_digits_unit(test_size=0.3, random_state=0, return_X_y=True)
networks = {
    "ours (DBN 100-100)": PretrainedMLPClassifier(
        (100, 100), pretrain_epochs=5, n_epochs=10, batch_size=20, tol=None,
        random_state=0,
    ).fit(X, y),
    "MLPClassifier (logistic)": MLPClassifier(
        (100, 100), activation="logistic", max_iter=200, random_state=0
    ).fit(X, y),
}
reports = {
    name: sparsity_report(model, X_test, y_test, k=2)
    for name, model in networks.items()
}

try:  # a PyTorch module, when PyTorch is installed (not in the docs build)
    import torch
    from torch import nn

    torch.manual_seed(0)
    module = nn.Sequential(
        nn.Linear(64, 100), nn.Sigmoid(), nn.Linear(100, 100), nn.Sigmoid(),
        nn.Linear(100, 10),
    )
    optimizer = torch.optim.Adam(module.parameters(), lr=0.01)
    Xt, yt = torch.as_tensor(X), torch.as_tensor(y, dtype=torch.long)
    for _ in range(100):
        optimizer.zero_grad()
        nn.functional.cross_entropy(module(Xt), yt).backward()
        optimizer.step()
    reports["PyTorch module (tau=0.1)"] = sparsity_report(
        module, X_test, y_test, tau=0.1, k=2
    )
except ImportError:
    print("PyTorch is not installed: the PyTorch module is left out.")

for name, report in reports.items():
    print(f"\n{name}")
    print(report[["layer", "hspm_mean", "aod_2"]].to_string(index=False))

# %%
# One figure: your layers against the map
# ---------------------------------------
# Lines with bands: the map's networks at its base setting (the band spans
# every setting the map tried where that network learned). Markers: your
# networks. A network is
# *moderately sparse* in the paper's sense when its HSPM lies in the band
# of the pretrained networks and above the Dsigm's, and its top layer's
# AOD is low.
colors = {"DBN": "tab:blue", "DpRBM": "tab:green", "Dsigm": "tab:red"}
fig, (ax_hspm, ax_aod) = plt.subplots(1, 2, figsize=(9, 3.8))
for ax, metric, column in ((ax_hspm, "hspm", "hspm_mean"), (ax_aod, "aod", "aod_2")):
    for model, color in colors.items():
        if metric not in reference.get(model, {}):
            continue
        layers, base, low, high = reference[model][metric]
        ax.plot(layers, base, color=color, label=f"map: {model} (base)")
        ax.fill_between(layers, low, high, color=color, alpha=0.12, lw=0)
    for (name, report), marker in zip(reports.items(), "osD"):
        hidden = report[report["layer"] > 0]
        ax.plot(hidden["layer"], hidden[column], marker=marker, ls=":", color="k",
                label=name)
    ax.set_xlabel("hidden layer")
    ax.set_xticks([1, 2, 3, 4, 5])
ax_hspm.set_ylabel("mean HSPM (higher = sparser)")
ax_aod.set_ylabel("average AOD among 2 classes")
ax_hspm.legend(fontsize=7)
fig.suptitle("digits: your networks against the map's reference curves")
fig.tight_layout()
plt.show()
