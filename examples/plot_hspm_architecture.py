"""
==============================================
Can sparseness choose the architecture? (HSPM)
==============================================

Li et al. (2013, section 5.1) end their sparseness comparison with "an
inspiration that the HSPM can be used to guide the number of layers and the
number of hidden units". This example tries it: a grid over the width and
the depth of a pretrained network (DBN), every candidate cross-validated on
its accuracy and on the sparseness of its top hidden layer
(:data:`~sklearn_sparsity.metrics.hspm_scorer`), and asks whether the
sparsest architecture is also the most accurate.

It runs on scikit-learn's digits. With ``SKLEARN_SPARSITY_DATA`` naming the
shared data folder it runs on 2,000 images of the MNIST subset instead (a
few minutes); the documentation shows the digits run (the docs build unsets
the variable so that the page does not depend on the machine).
"""

# %%
# The grid
# --------
# Widths 32 to 256 and one to three hidden layers of equal width: nine
# networks, each pretrained for 5 epochs per layer and fine-tuned for 20,
# scored on three stratified folds.
import os

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn.model_selection import GridSearchCV, StratifiedKFold

from sklearn_sparsity import PretrainedMLPClassifier
from sklearn_sparsity.datasets import load_digits_unit, load_mnist
from sklearn_sparsity.metrics import hspm_scorer

if os.environ.get("SKLEARN_SPARSITY_DATA"):
    mnist = load_mnist()
    X, y = mnist.data, mnist.target
    keep = np.random.default_rng(0).choice(X.shape[0], 2000, replace=False)
    X, y, data_name = X[keep], y[keep], "2,000 MNIST images"
    widths = (64, 128, 256)
else:
    X, y = load_digits_unit(return_X_y=True)
    data_name = "digits"
    widths = (32, 64, 128)

param_grid = {
    "hidden_layer_sizes": [(w,) * depth for depth in (1, 2, 3) for w in widths]
}
search = GridSearchCV(
    PretrainedMLPClassifier(
        pretrain_epochs=5, n_epochs=20, batch_size=20, tol=None, random_state=0
    ),
    param_grid,
    scoring={"accuracy": "accuracy", "hspm": hspm_scorer},
    refit="accuracy",
    cv=StratifiedKFold(3, shuffle=True, random_state=0),
).fit(X, y)

results = pd.DataFrame(search.cv_results_)
sizes = results["param_hidden_layer_sizes"]
results["width"] = sizes.map(lambda s: s[0])
results["depth"] = sizes.map(len)
table = results[["depth", "width", "mean_test_accuracy", "mean_test_hspm"]]
print(f"{data_name}, mean over 3 folds:")
print(table.to_string(index=False, float_format="{:.3f}".format))

# %%
# Does the sparsest network win?
# ------------------------------
best_accuracy = results.loc[results["mean_test_accuracy"].idxmax()]
sparsest = results.loc[results["mean_test_hspm"].idxmax()]
rank = results["mean_test_accuracy"].rank(ascending=False)[sparsest.name]
print(
    f"most accurate: depth {best_accuracy.depth}, width {best_accuracy.width} "
    f"(accuracy {best_accuracy.mean_test_accuracy:.3f}, "
    f"HSPM {best_accuracy.mean_test_hspm:.3f})"
)
print(
    f"sparsest top layer: depth {sparsest.depth}, width {sparsest.width} "
    f"(accuracy {sparsest.mean_test_accuracy:.3f}, rank {rank:.0f} of "
    f"{len(results)} by accuracy)"
)
correlation = np.corrcoef(results["mean_test_hspm"], results["mean_test_accuracy"])
print(f"correlation of HSPM and accuracy over the grid: {correlation[0, 1]:+.2f}")

# %%
# Each line is one depth; the marker size grows with the width. Read the
# printed lines above for the answer on this data: the page shows the run
# on the digits, whatever it finds. A high HSPM with a low accuracy is a
# network whose top layer is sparse because it learned little (silent
# units are sparse too), which is why the sparseness alone is a poor guide.
fig, ax = plt.subplots(figsize=(6, 4))
for depth, rows in results.groupby("depth"):
    ax.plot(rows["mean_test_hspm"], rows["mean_test_accuracy"], "-", alpha=0.5)
    ax.scatter(
        rows["mean_test_hspm"],
        rows["mean_test_accuracy"],
        s=rows["width"] / max(widths) * 120,
        label=f"{depth} hidden layer{'s' if depth > 1 else ''}",
    )
ax.set_xlabel("mean HSPM of the top hidden layer (CV)")
ax.set_ylabel("accuracy (CV)")
ax.set_title(f"Width and depth on {data_name}")
ax.legend()
fig.tight_layout()
plt.show()
