"""
=============================================================
Sparsity of scikit-learn's own BernoulliRBM and MLPClassifier
=============================================================

The metrics of :mod:`sklearn_sparsity.metrics` are not tied to this package's
estimators: :func:`~sklearn_sparsity.metrics.layer_activations`,
:func:`~sklearn_sparsity.metrics.sparsity_report` and the scorers also read
the hidden layers of scikit-learn's
:class:`~sklearn.neural_network.BernoulliRBM` (trained with persistent
contrastive divergence) and :class:`~sklearn.neural_network.MLPClassifier`
(any activation), alone or at the end of a pipeline.
"""

# %%
# A BernoulliRBM
# --------------
# One RBM layer on the digits scaled to [0, 1]. For the threshold rule its
# reconstruction ``sigmoid(h W^T + c)`` uses ``components_`` and
# ``intercept_visible_``.
import matplotlib.pyplot as plt
from sklearn.neural_network import BernoulliRBM, MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler

from sklearn_sparsity.datasets import load_digits_unit
from sklearn_sparsity.metrics import (
    hoyer_sparseness,
    layer_activations,
    make_sparsity_scorer,
    sparsity_report,
)

X, y, X_test, y_test = load_digits_unit(test_size=0.25, return_X_y=True)

rbm = BernoulliRBM(
    n_components=128, learning_rate=0.05, n_iter=20, batch_size=20, random_state=0
).fit(X)
columns = ["name", "n_units", "hspm_mean", "tau", "active_fraction", "aod_2"]
print(sparsity_report(rbm, X_test, y_test)[columns].to_string(index=False))

# %%
# MLPClassifier with three activations
# ------------------------------------
# For an ``MLPClassifier`` the hidden layers are recomputed from ``coefs_``
# and ``intercepts_`` with the model's ``activation``; the output layer is
# left out. ReLU units are exactly zero for many samples, which makes their
# code sparser than that of sigmoid units (for tanh, a unit counts as
# active when ``|h| >= tau``). The pipeline's scaler is applied first.
mlps = {}
for activation in ["logistic", "tanh", "relu"]:
    mlps[activation] = make_pipeline(
        MinMaxScaler(),
        MLPClassifier((128, 64), activation=activation, max_iter=500, random_state=0),
    ).fit(X, y)
    report = sparsity_report(mlps[activation], X_test, y_test)
    print(
        f"\nMLPClassifier(activation={activation!r}), "
        f"test accuracy {mlps[activation].score(X_test, y_test):.3f}"
    )
    print(report[columns].to_string(index=False))

# %%
# Scorers work the same way, e.g. the average class overlap of the first
# hidden layer of each pipeline (negated: greater is less overlap).
first_layer_overlap = make_sparsity_scorer("aod", layer=0, k=2)
for activation, pipe in mlps.items():
    print(
        f"{activation:>8}: neg. AOD of layer 1 = "
        f"{first_layer_overlap(pipe, X_test, y_test):.3f}"
    )

# %%
# Distribution of the per-sample HSPM in each hidden layer.
fig, ax = plt.subplots(figsize=(7, 3.5))
data, labels = [hoyer_sparseness(layer_activations(rbm, X_test)[0])], ["RBM"]
for activation, pipe in mlps.items():
    for i, H in enumerate(layer_activations(pipe, X_test)):
        data.append(hoyer_sparseness(H))
        labels.append(f"{activation}\nlayer {i + 1}")
ax.boxplot(data, showfliers=False)
ax.set_xticks(range(1, len(labels) + 1), labels, fontsize=8)
ax.set_ylabel("HSPM per test sample")
ax.set_title("Sparseness of hidden codes of scikit-learn models")
fig.tight_layout()
plt.show()
