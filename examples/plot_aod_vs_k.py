"""
===================================================
Activation overlap among k classes (Figure 2 style)
===================================================

The activation overlapping degree (AOD) of a set of classes is the fraction
of hidden units that are active for every one of them (eq. 10 of Li et al.,
2013). Figure 2 of the paper plots, for each hidden layer, the *average AOD
among k classes* -- the mean over all subsets of k classes -- against k, and
reports that in the pretrained network the higher layers share fewer units
between classes than the lower ones.

This example draws the same figure for a pretrained network (DBN) and the
same network trained from a random initialisation (Dsigm), on the bundled
digits with a few epochs, so that it runs in seconds. The curves on this small
problem need not look like the paper's MNIST figure; the
:doc:`reproduction page </reproduction>` runs the paper's settings.
"""

# %%
# Two networks of the same shape
# ------------------------------
import matplotlib.pyplot as plt

from sklearn_sparsity import PretrainedMLPClassifier
from sklearn_sparsity.datasets import load_digits_unit
from sklearn_sparsity.metrics import sparsity_report

X, y, X_test, y_test = load_digits_unit(test_size=0.25, return_X_y=True)
common = dict(
    hidden_layer_sizes=(128, 128, 128),
    pretrain_epochs=10,
    n_epochs=30,
    batch_size=20,
    tol=None,
    init="normal",  # the paper's N(0, 0.01) for every new layer
    random_state=0,
)
models = {
    "DBN": PretrainedMLPClassifier(**common, learning_rate=0.1),
    "Dsigm": PretrainedMLPClassifier(**common, pretrain=False, learning_rate=1.0),
}
for name, model in models.items():
    model.fit(X, y)
    print(f"{name}: test accuracy {model.score(X_test, y_test):.3f}")

# %%
# AOD curves of every layer
# -------------------------
# :func:`~sklearn_sparsity.metrics.sparsity_report` selects the threshold
# ``tau`` of each layer with the paper's rule (``tau="auto"``,
# :func:`~sklearn_sparsity.metrics.select_activation_threshold`), then
# computes the average AOD for every ``k`` from 2 to the number of classes
# (``k="all"``, the column ``aod_curve``). A class's active units are those
# of the network's response to the class-mean sample (eq. 9 as written, the
# default ``aggregate="mean_data"``). Row 0 is the input data.
reports = {
    name: sparsity_report(model, X_test, y_test, k="all")
    for name, model in models.items()
}
for name, report in reports.items():
    print(f"\n{name}")
    print(
        report[["name", "tau", "active_fraction", "aod_2", "aod_all"]].to_string(
            index=False, float_format="{:.3f}".format
        )
    )

# %%
# The figure: one panel per network, one curve per layer. A curve that drops
# quickly means that few units are active for many classes at once.
fig, axes = plt.subplots(1, 2, figsize=(9, 3.5), sharey=True)
for ax, (name, report) in zip(axes, reports.items()):
    ks = report.attrs["aod_k"]
    for _, row in report.iterrows():
        style = "k--" if row["layer"] == 0 else "-o"
        label = "data" if row["layer"] == 0 else f"hidden layer {row['layer']}"
        ax.plot(ks, row["aod_curve"], style, markersize=3, label=label)
    ax.set_title(name)
    ax.set_xlabel("number of classes k")
axes[0].set_ylabel("average AOD among k classes")
axes[0].legend()
fig.tight_layout()
plt.show()
