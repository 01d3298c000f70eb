"""
=============================================================
Choosing hidden sizes on accuracy and sparsity (GridSearchCV)
=============================================================

Li et al. (2013) suggest using the sparseness of the hidden code to choose
the number of units and layers. The sparsity scorers of
:mod:`sklearn_sparsity.metrics` plug into
:class:`~sklearn.model_selection.GridSearchCV` next to the accuracy: every
candidate is cross-validated on both, and we look at the trade-off.
"""

# %%
# A grid over hidden sizes
# ------------------------
# A small pretrained network (DBN) on the digits in [0, 1]; the grid varies
# the width of one hidden layer and adds two two-layer networks. Each
# candidate is scored on three folds by accuracy, by the mean HSPM of its top
# hidden layer (:data:`~sklearn_sparsity.metrics.hspm_scorer`) and by minus
# the average activation overlap of two classes in that layer
# (:data:`~sklearn_sparsity.metrics.neg_aod_scorer`, with the paper's
# threshold rule).
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn.model_selection import GridSearchCV, StratifiedKFold

from sklearn_sparsity import PretrainedMLPClassifier
from sklearn_sparsity.datasets import load_digits_unit
from sklearn_sparsity.metrics import hspm_scorer, neg_aod_scorer

X, y = load_digits_unit(return_X_y=True)

dbn = PretrainedMLPClassifier(
    pretrain_epochs=5, n_epochs=20, batch_size=20, tol=None, random_state=0
)
param_grid = {
    "hidden_layer_sizes": [(16,), (32,), (64,), (128,), (256,), (64, 64), (128, 128)],
}
search = GridSearchCV(
    dbn,
    param_grid,
    scoring={"accuracy": "accuracy", "hspm": hspm_scorer, "neg_aod": neg_aod_scorer},
    refit="accuracy",
    cv=StratifiedKFold(3, shuffle=True, random_state=0),
    n_jobs=1,
).fit(X, y)

results = pd.DataFrame(search.cv_results_)
results["sizes"] = results["param_hidden_layer_sizes"].map(
    lambda sizes: "-".join(map(str, sizes))
)
table = results[["sizes", "mean_test_accuracy", "mean_test_hspm", "mean_test_neg_aod"]]
print(table.to_string(index=False, float_format="{:.3f}".format))
print("best by accuracy:", search.best_params_)

# %%
# The trade-off
# -------------
# Each point is one candidate (mean over the folds, with the folds' standard
# deviations as error bars). With this short training on the digits, the
# accuracy hardly changes across the grid while the sparseness and the class
# overlap of the top layer do: wider layers give denser, more shared codes.
# The sparsity scores separate candidates that the accuracy cannot.
fig, ax = plt.subplots(figsize=(6, 4))
ax.errorbar(
    results["mean_test_hspm"],
    results["mean_test_accuracy"],
    xerr=results["std_test_hspm"],
    yerr=results["std_test_accuracy"],
    fmt="o",
    capsize=3,
)
for _, row in results.iterrows():
    ax.annotate(
        row["sizes"],
        (row["mean_test_hspm"], row["mean_test_accuracy"]),
        textcoords="offset points",
        xytext=(5, 5),
        fontsize=8,
    )
ax.set_xlabel("mean HSPM of the top hidden layer (validation folds)")
ax.set_ylabel("accuracy (validation folds)")
ax.set_title("Accuracy vs sparseness of the code")
fig.tight_layout()


# %%
# Refitting on a trade-off
# ------------------------
# ``refit`` can be a function of ``cv_results_``: here the sparsest candidate
# whose accuracy is within one standard deviation of the best one.
def sparsest_within_one_std(cv_results):
    acc = np.asarray(cv_results["mean_test_accuracy"])
    best = int(acc.argmax())
    ok = acc >= acc[best] - cv_results["std_test_accuracy"][best]
    return int(np.where(ok, cv_results["mean_test_hspm"], -np.inf).argmax())


chosen = sparsest_within_one_std(search.cv_results_)
print(
    "sparsest within one std of the best accuracy:",
    search.cv_results_["params"][chosen],
)
plt.show()
