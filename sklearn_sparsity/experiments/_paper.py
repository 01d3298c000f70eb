"""The numbers reported by Li et al. (2013), for side-by-side display.

Source: J. Li, W. Luo, J. Yang, X. Yuan, "Unsupervised Pretraining Encourages
Moderate-Sparseness", arXiv:1312.5813 (v2, 2014), Table 1 (MNIST) and Table 2
(Birdsong): mean HSPM of the input and of each hidden layer on the test set,
and the test error, for the data, DBN, DpRBM and Dsigm.

The full text of the paper could not be retrieved while this module was
written (the stored copies of https://deepai.org/publication/unsupervised-
pretraining-encourages-moderate-sparseness and of the arXiv abstract page
available to the authors of this package hold the abstract and introduction
only, not the tables). Every value is therefore left as NaN rather than
guessed: fill them in from the paper's PDF, with a note of the page, and the
command line and the reproduction page show them next to the measured values.
"""

import math

NAN = math.nan

#: Training protocol stated in the paper (Section 4 of arXiv:1312.5813).
PAPER_PROTOCOL = {
    "pretrain_epochs": 50,
    "pretrain_epochs_figure1bc": 1000,
    "finetune_epochs": {"mnist": 200, "birdsong": 100},
    "batch_size": 100,
    "learning_rates": (1.0, 0.1, 0.05, 0.01),
    "momentum": (0.5, 0.9),
    "weight_decay": 1e-4,
    "hidden_layer_sizes": {"mnist": (500, 500, 2000), "birdsong": (50, 100, 100)},
}

_MODELS = ("data", "DBN", "DpRBM", "Dsigm")


def _empty_table(n_layers):
    return {
        model: {
            "hspm": [NAN] * (n_layers + 1),  # input, then hidden layers 1..n
            "test_error": NAN,
        }
        for model in _MODELS
    }


#: Table 1 of the paper (MNIST, 784-500-500-2000-10). NaN: not retrieved.
PAPER_TABLE1 = _empty_table(3)

#: Table 2 of the paper (Birdsong, 16-50-100-100-n_classes). NaN: not retrieved.
PAPER_TABLE2 = _empty_table(3)

PAPER_TABLES = {"mnist": PAPER_TABLE1, "birdsong": PAPER_TABLE2}
