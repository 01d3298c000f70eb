"""
=========================================
Out-of-core training with ``partial_fit``
=========================================

When the training data does not fit in memory, it can be read one chunk at a
time: :meth:`~sklearn_sparsity.PretrainedMLPClassifier.partial_fit` runs one
back-propagation pass over each chunk (and pretrains the RBM stack on the
first one), and :meth:`~sklearn_sparsity.StackedRBMTransformer.partial_fit`
one CD pass of every layer. This example writes the bundled digits to disk
in chunks, streams them, and compares the result with an ordinary ``fit`` on
all the data at once.
"""

# %%
# The data, in chunk files
# ------------------------
import tempfile
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from sklearn.model_selection import train_test_split

from sklearn_sparsity import PretrainedMLPClassifier
from sklearn_sparsity.datasets import load_digits_unit
from sklearn_sparsity.metrics import mean_hoyer_sparseness

X, y = load_digits_unit(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.3, stratify=y, random_state=0
)
folder = Path(tempfile.mkdtemp())
for i, rows in enumerate(np.array_split(np.arange(len(y_train)), 6)):
    np.savez(folder / f"chunk{i}.npz", X=X_train[rows], y=y_train[rows])
files = sorted(folder.glob("chunk*.npz"))
print(f"{len(files)} chunks of about {len(y_train) // len(files)} rows")


def chunks():
    """The training data, one chunk file at a time."""
    for path in files:
        with np.load(path) as data:
            yield data["X"], data["y"]


# %%
# Streaming: one chunk in memory at a time
# ----------------------------------------
# The first call needs every class. Each pass over the files is one epoch.
params = dict(hidden_layer_sizes=(128,), pretrain_epochs=10, batch_size=20,
              learning_rate=0.1, random_state=0)
streamed = PretrainedMLPClassifier(**params)
classes = np.arange(10)
accuracy = []
for _ in range(30):
    for X_chunk, y_chunk in chunks():
        streamed.partial_fit(X_chunk, y_chunk, classes=classes)
    accuracy.append(streamed.score(X_test, y_test))

# %%
# The same network, fitted on all the data at once
# ------------------------------------------------
# 30 epochs, a fixed number (``tol=None``) as the streamed run. Pretraining
# sees all the rows here, only the first chunk above.
full = PretrainedMLPClassifier(**params, n_epochs=30, tol=None).fit(X_train,
                                                                   y_train)

# ``n_iter_`` counts back-propagation passes: one per ``partial_fit`` call
# (a chunk), one per epoch of ``fit``.
for name, model in (("streamed", streamed), ("full fit", full)):
    H = model.transform(X_test)
    print(f"{name:9s}: test accuracy {model.score(X_test, y_test):.3f}, "
          f"hidden-layer HSPM {mean_hoyer_sparseness(H):.3f}, "
          f"n_iter_ = {model.n_iter_}")

# %%
# Test accuracy after each pass over the chunks
# ---------------------------------------------
fig, ax = plt.subplots(figsize=(5.5, 3.5))
ax.plot(range(1, 31), accuracy, marker=".", label="partial_fit, chunk by chunk")
ax.axhline(full.score(X_test, y_test), color="k", linestyle="--",
           label="fit on all the data")
ax.set_xlabel("passes over the chunk files")
ax.set_ylabel("test accuracy")
ax.legend()
fig.tight_layout()
plt.show()
