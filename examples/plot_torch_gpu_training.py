"""
===================================================
Training the networks on a GPU with PyTorch tensors
===================================================

Both estimators accept PyTorch tensors (and other array API arrays) when
scikit-learn's array API dispatch is on: CD pretraining, fine-tuning,
prediction and the sparsity metrics then run on the tensors' device, and
the fitted weights stay there (:ref:`array_api`). Here a DBN and a randomly
initialised network (Dsigm) are trained on the bundled digits, on a CUDA
device when there is one and on the CPU otherwise, and compared with the
same networks trained on numpy arrays.

The two paths draw different random numbers (PyTorch draws the CD samples
and shuffles on its device), so their numbers agree statistically, not bit
for bit.

This example needs PyTorch (``pip install "sklearn-sparsity[torch]"``; the
CPU build is enough). So that the documentation builds without torch, it is
shown here with its code but not executed when the documentation is built;
the test suite runs it whenever torch is installed.
"""

# %%
# Array API dispatch needs SciPy's array API support, which SciPy reads from
# the environment when it is first imported: set it before importing SciPy
# or scikit-learn (in a shell: ``export SCIPY_ARRAY_API=1``).
import os

os.environ.setdefault("SCIPY_ARRAY_API", "1")

import time  # noqa: E402

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import sklearn  # noqa: E402
import torch  # noqa: E402

from sklearn_sparsity import PretrainedMLPClassifier  # noqa: E402
from sklearn_sparsity.datasets import load_digits_unit  # noqa: E402
from sklearn_sparsity.metrics import mean_hoyer_sparseness  # noqa: E402

device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
if device.type == "cpu":
    torch.set_num_threads(1)  # small matrices: one thread is fastest
print(f"device: {device}")

X, y, X_test, y_test = load_digits_unit(test_size=0.25, return_X_y=True)
X, X_test = X.astype(np.float32), X_test.astype(np.float32)


def network(pretrain):
    return PretrainedMLPClassifier(
        (128, 64), pretrain=pretrain, pretrain_epochs=5, n_epochs=15,
        batch_size=20, tol=None, random_state=0)


# %%
# The same estimators, numpy arrays and tensors
# ----------------------------------------------
# Inside ``config_context(array_api_dispatch=True)`` the tensors go in as
# they are; every fitted weight is a tensor on ``device``, and predictions
# and activations come back as tensors there.
results = {}
for name, pretrain in [("DBN", True), ("Dsigm", False)]:
    tic = time.perf_counter()
    clf = network(pretrain).fit(X, y)
    numpy_seconds = time.perf_counter() - tic
    numpy_hspm = [mean_hoyer_sparseness(H) for H in clf.transform_layers(X_test)]
    numpy_accuracy = clf.score(X_test, y_test)

    X_t = torch.asarray(X, device=device)
    y_t = torch.asarray(y, device=device)
    X_test_t = torch.asarray(X_test, device=device)
    y_test_t = torch.asarray(y_test, device=device)
    with sklearn.config_context(array_api_dispatch=True):
        tic = time.perf_counter()
        clf_t = network(pretrain).fit(X_t, y_t)
        torch_seconds = time.perf_counter() - tic
        layers = clf_t.transform_layers(X_test_t)
        torch_hspm = [mean_hoyer_sparseness(H) for H in layers]
        torch_accuracy = clf_t.score(X_test_t, y_test_t)
    assert clf_t.coefs_[0].device == layers[0].device == X_t.device
    results[name] = (numpy_hspm, torch_hspm)
    print(f"{name:6s} numpy: test accuracy {numpy_accuracy:.3f}, HSPM "
          f"{[round(h, 3) for h in numpy_hspm]}, {numpy_seconds:.1f} s")
    print(f"{name:6s} torch ({device.type}): test accuracy {torch_accuracy:.3f}, "
          f"HSPM {[round(h, 3) for h in torch_hspm]}, {torch_seconds:.1f} s")

# %%
# Sparseness per hidden layer, both ways
# --------------------------------------
fig, ax = plt.subplots(figsize=(6, 3.5))
width = 0.2
for i, (name, (numpy_hspm, torch_hspm)) in enumerate(results.items()):
    layers = np.arange(1, len(numpy_hspm) + 1)
    ax.bar(layers + (2 * i - 1.5) * width, numpy_hspm, width,
           label=f"{name}, numpy")
    ax.bar(layers + (2 * i - 0.5) * width, torch_hspm, width,
           label=f"{name}, torch ({device.type})")
ax.set_xticks(layers)
ax.set_xlabel("hidden layer")
ax.set_ylabel("mean HSPM (test digits)")
ax.legend(fontsize=8)
fig.tight_layout()
plt.show()
