"""The numbers and statements of Li et al. (2013), for side-by-side display.

Source: J. Li, W. Luo, J. Yang, X. Yuan, "Unsupervised Pretraining Encourages
Moderate-Sparseness", arXiv:1312.5813: Table 1 (MNIST, 784-500-500-2000),
Table 2 (Birdsong, 16-50-100-100) and the quantitative statements of
Section 5 about Figures 1 and 2 (whose curves are not given as numbers).
Each table holds the mean HSPM of the data ("dataset" column) and of the
three hidden layers on the test set, and the test error; the paper gives no
test error for the DpRBM (NaN here, printed as "not given").
"""

import math

NAN = math.nan

#: Training protocol stated in the paper (Section 5 of arXiv:1312.5813).
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


def _row(hspm, test_error=NAN):
    return {"hspm": list(hspm), "test_error": test_error}


#: Table 1 of the paper: "Hoyer's sparseness measures (HSPM) of DNNs
#: (500-500-2000) on MNIST". ``hspm`` lists the data, then layers 1-3; the
#: data row repeats the "dataset" column, which the paper prints on every
#: row. Test errors are fractions (1.17 % -> 0.0117).
PAPER_TABLE1 = {
    "data": _row([0.63, NAN, NAN, NAN]),
    "DBN": _row([0.63, 0.39, 0.53, 0.63], 0.0117),
    "DpRBM": _row([0.63, 0.39, 0.58, 0.67]),
    "Dsigm": _row([0.63, 0.17, 0.18, 0.06], 0.0201),
}

#: Table 2 of the paper: "Hoyer's sparseness measures (HSPM) of DNNs
#: (50-100-100) on Birdsong".
PAPER_TABLE2 = {
    "data": _row([0.29, NAN, NAN, NAN]),
    "DBN": _row([0.29, 0.12, 0.12, 0.35], 0.096),
    "DpRBM": _row([0.29, 0.62, 0.68, 0.59]),
    "Dsigm": _row([0.29, 0.08, 0.11, 0.43], 0.137),
}

PAPER_TABLES = {"mnist": PAPER_TABLE1, "birdsong": PAPER_TABLE2}

#: The quantitative statements of Section 5, quoted, with the number each
#: one gives (``None`` for a purely qualitative statement).
PAPER_STATEMENTS = {
    "dprbm_mean_hspm": (
        "From Table 1, we observe that the average sparseness of three layer "
        "DpRBMs is about 0.68; the resulting DBNs has similar sparseness.",
        0.68),
    "dsigm_mean_hspm": (
        "In contract, the HSPM of Dsigm is on average below 0.14.", 0.14),
    "figure1a_grows": (
        "In Fig 1, (a) also shows that the feature of every layer RBMs is more "
        "sparse as the train epoch increases.", None),
    "figure1b_bound": (
        "In Fig 1, (b) shows that when the number of hidden units changes from "
        "500 to 5000, an upper bounds of RBMs is 0.68 after 1000 training "
        "epochs.", 0.68),
    "figure1c_bound_500": (
        "From Fig 1, (c) shows that upper bounds of five hidden (500 and 1000) "
        "layers RBMs are 0.58 and 0.66, respectively.", 0.58),
    "figure1c_bound_1000": (
        "From Fig 1, (c) shows that upper bounds of five hidden (500 and 1000) "
        "layers RBMs are 0.58 and 0.66, respectively.", 0.66),
    "figure1c_third_below_second": (
        "We observe that the HSPM of the third layer pretraining is lower than "
        "one of the second layer.", None),
    "birdsong_third_below_second": (
        "The HSPM in 3th layer are lower than 2nd layer.", None),
    "figure2_dprbm": (
        "From Fig 2, the results show that average AOD among k classes (k "
        "changes from 2 to 10) is high in low layer and is low (or zero) in "
        "high layer. The average AOD gets closer to 0 as the number of layer "
        "increases in DpRBMs. Particularly, the average AOD gets closer to 0 "
        "than data-self in the third layer.", None),
    "figure2_dsigm": (
        "But it is very approximate to 1 in every layer of Dsigm.", 1.0),
}
