"""
=================================================
Sparseness during pretraining (Figure 1(a) style)
=================================================

Figure 1(a) of Li et al. (2013) follows the Hoyer sparseness (HSPM) of each
hidden layer while a stack of RBMs is pretrained: it rises as the RBMs learn,
and settles at a *moderate* value. A fitted
:class:`~sklearn_sparsity.StackedRBMTransformer` records exactly this in
``history_``: for each layer and epoch, the mean HSPM of the layer's hidden
probabilities over the training data, next to the reconstruction error.

The paper trains on MNIST for up to 1000 epochs; here the bundled digits and
40 epochs per layer keep the run under a minute.
"""

# %%
# Pretrain a three-layer stack
# ----------------------------
import matplotlib.pyplot as plt
import numpy as np

from sklearn_sparsity import StackedRBMTransformer
from sklearn_sparsity.datasets import load_digits_unit
from sklearn_sparsity.metrics import mean_hoyer_sparseness

X, y = load_digits_unit(return_X_y=True)
stack = StackedRBMTransformer(
    (256, 256, 256), n_epochs=40, batch_size=20, learning_rate=0.1, random_state=0
).fit(X)

for i, hist in enumerate(stack.history_):
    print(
        f"layer {i + 1}: HSPM {hist['hspm'][0]:.3f} (epoch 1) -> "
        f"{hist['hspm'][-1]:.3f} (epoch {len(hist['hspm'])}), "
        f"reconstruction error {hist['reconstruction_error'][-1]:.3f}, "
        f"{np.sum(hist['time']):.1f} s"
    )

# %%
# HSPM and reconstruction error per epoch
# ---------------------------------------
# The dashed line is the HSPM of the data itself. Each layer starts from tiny
# random weights, where every hidden probability is close to 0.5 and the code
# is dense (HSPM near 0); as the layer learns, a few units per sample turn on
# strongly and the code becomes sparser.
fig, (ax_hspm, ax_err) = plt.subplots(1, 2, figsize=(9, 3.5))
epochs = np.arange(1, stack.n_epochs + 1)
for i, hist in enumerate(stack.history_):
    ax_hspm.plot(epochs, hist["hspm"], label=f"hidden layer {i + 1}")
    ax_err.plot(epochs, hist["reconstruction_error"], label=f"RBM {i + 1}")
ax_hspm.axhline(mean_hoyer_sparseness(X), color="k", linestyle="--", label="data")
ax_hspm.set_xlabel("pretraining epoch")
ax_hspm.set_ylabel("mean HSPM")
ax_hspm.set_title("Sparseness of each layer")
ax_hspm.legend()
ax_err.set_xlabel("pretraining epoch")
ax_err.set_ylabel("mean squared reconstruction error")
ax_err.set_yscale("log")
ax_err.set_title("Reconstruction error of each RBM")
ax_err.legend()
fig.tight_layout()
plt.show()
