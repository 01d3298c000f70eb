"""
========================================================
DBN vs randomly initialised network on MNIST (real data)
========================================================

The paper's comparison on real MNIST digits: a network pretrained as a stack
of RBMs and fine-tuned (DBN) against the same network trained by
backpropagation from a random initialisation (Dsigm), compared by the Hoyer
sparseness (HSPM) and the class overlap (AOD) of each hidden layer on the
test set.

**This example needs the MNIST files**: it reads them from the folder named by
the environment variable ``SKLEARN_SPARSITY_DATA`` (an ``mnist/`` or
``mnist-subset/`` subfolder with the four IDX files, see
:func:`~sklearn_sparsity.datasets.load_mnist`) and exits with a message when
the variable is not set. It is not executed when this documentation is built.
To keep it to about a minute it trains on at most 5,000 images, with a few
epochs, and evaluates on 2,000 test images; the reproduction page runs the
paper's settings.
"""

# %%
# Data
# ----
import os
import sys

import matplotlib.pyplot as plt
import numpy as np

from sklearn_sparsity import PretrainedMLPClassifier
from sklearn_sparsity.datasets import load_mnist
from sklearn_sparsity.metrics import sparsity_report

if not os.environ.get("SKLEARN_SPARSITY_DATA"):
    print(
        "This example needs the MNIST files: set SKLEARN_SPARSITY_DATA to the "
        "folder that holds mnist/ or mnist-subset/. Skipped."
    )
    sys.exit(0)

mnist = load_mnist()
rng = np.random.default_rng(0)
train = rng.permutation(len(mnist.target))[:5000]  # the subset is class-sorted
test = rng.permutation(len(mnist.target_test))[:2000]
X, y = mnist.data[train], mnist.target[train]
X_test, y_test = mnist.data_test[test], mnist.target_test[test]
print(f"{mnist.source}: training on {len(y)} images, testing on {len(y_test)}")

# %%
# Two networks
# ------------
common = dict(
    hidden_layer_sizes=(500, 500),
    pretrain_epochs=5,
    n_epochs=10,
    batch_size=100,
    tol=None,
    init="normal",  # the paper's N(0, 0.01) for every new layer
    random_state=0,
)
models = {
    "DBN": PretrainedMLPClassifier(**common, learning_rate=0.1),
    "Dsigm": PretrainedMLPClassifier(**common, pretrain=False, learning_rate=1.0),
}
reports = {}
for name, model in models.items():
    model.fit(X, y)
    reports[name] = sparsity_report(model, X_test, y_test)  # eq. 9 as written
    print(f"\n{name}: test error {1 - model.score(X_test, y_test):.4f}")
    print(
        reports[name][["name", "hspm_mean", "tau", "aod_2", "aod_all"]].to_string(
            index=False, float_format="{:.3f}".format
        )
    )

# %%
# HSPM per layer
# --------------
fig, ax = plt.subplots(figsize=(6, 3.5))
width = 0.35
for i, (name, report) in enumerate(reports.items()):
    ax.bar(report["layer"] + (i - 0.5) * width, report["hspm_mean"], width, label=name)
ax.set_xticks(reports["DBN"]["layer"], reports["DBN"]["name"])
ax.set_ylabel("mean HSPM (test set)")
ax.set_title("MNIST: sparseness of each layer")
ax.legend()
fig.tight_layout()
plt.show()
