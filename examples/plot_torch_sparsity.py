"""
==================================================
Sparsity of the hidden layers of a PyTorch network
==================================================

:func:`~sklearn_sparsity.metrics.sparsity_report`,
:func:`~sklearn_sparsity.metrics.layer_activations` and the scorers also take
any ``torch.nn.Module``. The outputs of its activation modules (or of the
submodules named in ``layers=``) are collected with forward hooks while the
data pass through the module in batches, in eval mode and without gradients;
the report keeps only running statistics, so the test set's activations never
need to fit in memory at once.

A PyTorch module exposes no layer weights, so the paper's threshold rule
(``tau="auto"``) cannot be applied: give ``tau`` yourself.

This example needs PyTorch (``pip install "sklearn-sparsity[torch]"``; the CPU
build is enough, and it runs in a few seconds). So that the documentation
builds without torch, it is shown here with its code but not executed when the
documentation is built; the test suite runs it whenever torch is installed.
"""

# %%
# A small network on the digits
# -----------------------------
# Two hidden layers, sigmoid then ReLU, trained briefly with Adam on the
# bundled digits scaled to [0, 1].
import matplotlib.pyplot as plt
import numpy as np
import torch
from torch import nn

from sklearn_sparsity.datasets import load_digits_unit
from sklearn_sparsity.metrics import make_sparsity_scorer, sparsity_report

torch.manual_seed(0)
torch.set_num_threads(1)  # small matrices: one thread is fastest

X, y, X_test, y_test = load_digits_unit(test_size=0.25, return_X_y=True)


class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.hidden1 = nn.Linear(64, 128)
        self.sigmoid = nn.Sigmoid()
        self.hidden2 = nn.Linear(128, 64)
        self.relu = nn.ReLU()
        self.output = nn.Linear(64, 10)

    def forward(self, x):
        return self.output(self.relu(self.hidden2(self.sigmoid(self.hidden1(x)))))


model = MLP()
tau = 0.1
columns = ["name", "n_units", "hspm_mean", "active_fraction", "aod_2", "aod_all"]
before = sparsity_report(model, X_test, y_test, tau=tau)

X_train, y_train = torch.from_numpy(X), torch.from_numpy(y).long()
optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
for _epoch in range(30):
    for rows in torch.randperm(len(X_train)).split(64):
        optimizer.zero_grad()
        loss = nn.functional.cross_entropy(model(X_train[rows]), y_train[rows])
        loss.backward()
        optimizer.step()
with torch.no_grad():
    predicted = model(torch.from_numpy(X_test)).argmax(dim=1).numpy()
print(f"test accuracy {np.mean(predicted == y_test):.3f}")

# %%
# The report
# ----------
# One row for the data and one per activation module, named as in
# ``model.named_modules()``, in the order of the forward pass. A unit is
# active when its activation reaches ``tau`` (a list gives one threshold per
# row). The AOD columns use eq. (9) as written: the class-mean test samples
# are passed through the network (``aggregate="mean_data"``, the default).
report = sparsity_report(model, X_test, y_test, tau=tau, k="all", batch_size=128)
print("Before training:")
print(before[columns].to_string(index=False))
print("After training:")
print(report[columns].to_string(index=False))

# %%
# Any submodule can be measured by name, e.g. the pre-activations of the
# first layer; ``aggregate="mean_activation"`` summarises each class by the
# mean of its activations instead.
print(
    sparsity_report(
        model, X_test, y_test, tau=tau, layers=["hidden1", "sigmoid"],
        aggregate="mean_activation",
    )[columns].to_string(index=False)
)

# %%
# Scorers with a numeric ``tau`` take the module too; ``layer`` counts the
# activation modules in forward order.
overlap = make_sparsity_scorer("aod", layer=-1, k=2, tau=tau)
print(f"neg. AOD among 2 classes, ReLU layer: {overlap(model, X_test, y_test):.3f}")

# %%
# Sparseness and class overlap per layer
# --------------------------------------
fig, (ax_hspm, ax_aod) = plt.subplots(1, 2, figsize=(9, 3.5))
names = report["name"].tolist()
positions = np.arange(len(names))
ax_hspm.bar(positions - 0.2, before["hspm_mean"], width=0.4, label="initial")
ax_hspm.bar(positions + 0.2, report["hspm_mean"], width=0.4, label="trained")
ax_hspm.set_xticks(positions, names)
ax_hspm.set_ylabel("mean HSPM on the test set")
ax_hspm.legend()
ks = report.attrs["aod_k"]
for name, curve in zip(names, report["aod_curve"]):
    ax_aod.plot(ks, curve, marker="o", label=name)
ax_aod.set_xlabel("k (classes)")
ax_aod.set_ylabel(f"average AOD among k classes (tau={tau})")
ax_aod.legend()
fig.tight_layout()
plt.show()
