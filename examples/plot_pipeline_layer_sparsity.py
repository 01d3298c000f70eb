"""
=====================================================
Sparsity of every layer of an RBM stack in a pipeline
=====================================================

A :class:`~sklearn.pipeline.Pipeline` scales the digits to [0, 1] (the RBMs
have Bernoulli visible units), extracts features with a
:class:`~sklearn_sparsity.StackedRBMTransformer` trained without labels, and
classifies them with a logistic regression. We then measure how sparse the
code of each layer is with Hoyer's sparseness (HSPM): 0 for a vector whose
entries all have the same magnitude, 1 for a single active unit.
"""

# %%
# Data and pipeline
# -----------------
# scikit-learn's 8 x 8 digits, pixel values 0-16, a stratified split.
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import MinMaxScaler

from sklearn_sparsity import StackedRBMTransformer
from sklearn_sparsity.metrics import hoyer_sparseness, hspm_scorer, sparsity_report

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.25, stratify=y, random_state=0
)

pipe = Pipeline(
    [
        ("scale", MinMaxScaler()),
        (
            "rbm",
            StackedRBMTransformer(
                (256, 128, 64), n_epochs=15, batch_size=20, random_state=0
            ),
        ),
        ("logreg", LogisticRegression(C=10.0, max_iter=2000)),
    ]
).fit(X_train, y_train)
print(f"test accuracy: {pipe.score(X_test, y_test):.3f}")

# %%
# Per-layer HSPM
# --------------
# ``pipe[:-1]`` is the pipeline up to the stack: the sparsity functions
# transform ``X`` with the scaler, then compute the activations of every RBM
# layer. :func:`~sklearn_sparsity.metrics.sparsity_report` gives one row for
# the scaled input and one per hidden layer.
report = sparsity_report(pipe[:-1], X_test, y_test)
print(report[["name", "n_units", "hspm_mean", "hspm_std", "aod_2"]])

# %%
# The scorers take the same sub-pipeline: here the mean HSPM of the top layer,
# the number a :class:`~sklearn.model_selection.GridSearchCV` would record.
print(f"hspm_scorer on the test set: {hspm_scorer(pipe[:-1], X_test):.4f}")

# %%
# The distribution of the per-sample HSPM, layer by layer: the scaled pixels
# are already fairly sparse (many zero pixels); the RBM layers give a
# *moderately* sparse code.
stack = pipe.named_steps["rbm"]
X_test_scaled = pipe.named_steps["scale"].transform(X_test)
layers = [X_test_scaled, *stack.transform_layers(X_test_scaled)]
names = ["input"] + [
    f"layer {i + 1}\n({n} units)" for i, n in enumerate(stack.hidden_layer_sizes)
]

fig, ax = plt.subplots(figsize=(6, 3.5))
ax.boxplot([hoyer_sparseness(H) for H in layers], showfliers=False)
ax.set_xticks(np.arange(1, len(names) + 1), names)
ax.set_ylabel("HSPM per test sample")
ax.set_title("Sparseness of the code, layer by layer")
fig.tight_layout()
plt.show()
