"""
==========================================================
Pretraining makes hidden activations sparse (DBN vs Dsigm)
==========================================================

The paper's comparison on scikit-learn's bundled digits: the same sigmoid
network trained three ways -- DBN (RBM pretraining + backprop), DpRBM
(pretraining only, output layer trained) and Dsigm (random initialisation +
backprop) -- and the Hoyer sparseness (HSPM) of every hidden layer on the test
set, next to the test error. Runs in well under a minute.

The fits run with one BLAS thread (:func:`threadpoolctl.threadpool_limits`):
with matrices of a few hundred columns, several threads are slower on a busy
machine, and one thread makes the numbers the same on every machine. The
randomly initialised network trained with a large step size is sensitive to
the order of floating-point sums, so its numbers can change with the number of
threads.
"""

# %%
# Data: 8x8 digits scaled to [0, 1], a stratified split.
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from threadpoolctl import threadpool_limits

from sklearn_sparsity import PretrainedMLPClassifier
from sklearn_sparsity.metrics import mean_hoyer_sparseness

X, y = load_digits(return_X_y=True)
X = (X / 16.0).astype(np.float32)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.25, stratify=y, random_state=0
)

# %%
# Three networks of the same shape. Dsigm needs a larger step size to move
# away from its tiny random initial weights (the paper picks the learning rate
# from {1, 0.1, 0.05, 0.01}).
settings = {
    "DBN": dict(pretrain=True, finetune=True, learning_rate=0.1),
    "DpRBM": dict(pretrain=True, finetune=False, learning_rate=0.1),
    "Dsigm": dict(pretrain=False, learning_rate=1.0),
}
rows = [("data", [mean_hoyer_sparseness(X_test)], np.nan)]
for name, kw in settings.items():
    with threadpool_limits(1):
        clf = PretrainedMLPClassifier(
            (256, 256),
            pretrain_epochs=10,
            n_epochs=30,
            batch_size=20,
            tol=None,
            init="normal",  # the paper's N(0, 0.01) for every new layer
            random_state=0,
            **kw,
        ).fit(X_train, y_train)
    hspm = [mean_hoyer_sparseness(H) for H in clf.transform_layers(X_test)]
    rows.append((name, hspm, 1.0 - clf.score(X_test, y_test)))

print(f"{'model':<7} {'HSPM per layer (test set)':<28} test error")
for name, hspm, err in rows:
    cells = " ".join(f"{h:.3f}" for h in hspm)
    print(f"{name:<7} {cells:<28} {err:.4f}")

# %%
# The same numbers as a figure: the data's HSPM as a dashed line, the HSPM of
# each hidden layer of each network as bars, the test error in the labels.
fig, ax = plt.subplots(figsize=(6, 3.5))
width = 0.35
for i, (_, hspm, _) in enumerate(rows[1:]):
    for layer, value in enumerate(hspm):
        ax.bar(
            i + (layer - 0.5) * width,
            value,
            width,
            color=f"C{layer}",
            label=f"hidden layer {layer + 1}" if i == 0 else None,
        )
ax.axhline(rows[0][1][0], color="k", linestyle="--", label="data")
ax.set_xticks(
    range(len(rows) - 1),
    [f"{name}\n(test error {err:.3f})" for name, _, err in rows[1:]],
)
ax.set_ylabel("mean HSPM (test set)")
ax.set_title("Sparseness of the hidden layers")
ax.legend()
fig.tight_layout()
