"""The estimators scikit-learn's common checks run on, and what they expect to fail.

After imbalanced-learn's ``utils/_test_common/instance_generator.py``: one
place lists a fast instance of every estimator and variant, and for each the
checks expected to fail, every one with its reason.
"""

from sklearn_sparsity import PretrainedMLPClassifier, StackedRBMTransformer

_FAST = {"batch_size": 10, "random_state": 0}

#: Fast instances of every estimator and variant.
INSTANCES = [
    StackedRBMTransformer((8, 4), n_epochs=2, **_FAST),
    # Dsigm: random initialisation, any real input.
    PretrainedMLPClassifier((16,), pretrain=False, n_epochs=40, learning_rate=0.5,
                            tol=None, **_FAST),
    # DBN: pretrained, then fine-tuned.
    PretrainedMLPClassifier((16,), pretrain_epochs=2, n_epochs=40,
                            learning_rate=0.5, tol=None, **_FAST),
    # DpRBM: pretrained hidden layer kept as it is; only the output layer is
    # trained.
    PretrainedMLPClassifier((16,), pretrain_epochs=2, finetune=False,
                            n_epochs=40, learning_rate=0.5, tol=None, **_FAST),
]

#: Instances that take any finite input (a Gaussian first layer, or no RBM):
#: scikit-learn's checks run on them as they are, without adapting the data.
REAL_VALUED_INSTANCES = [
    StackedRBMTransformer((8, 4), n_epochs=2, visible_units="gaussian", **_FAST),
    # DBN with a Gaussian-Bernoulli first RBM.
    PretrainedMLPClassifier((16,), visible_units="gaussian", pretrain_epochs=2,
                            n_epochs=40, learning_rate=0.5, tol=None, **_FAST),
    # Drelu: rectifier hidden units, no pretraining.
    PretrainedMLPClassifier((16,), activation="relu", pretrain=False,
                            n_epochs=40, learning_rate=0.1, tol=None, **_FAST),
]

# The check derives y = int(X[:, 0]) from data it first adapts to the
# estimator; rescaled into [0, 1] for the pretrained (Bernoulli) input layer,
# that y has a single class, which the classifier rejects with a clear
# ValueError. The same checks pass for the pretrain=False instance, which
# runs the same fit/predict code apart from pretraining.
_ONE_CLASS = "y = int(X[:, 0]) has one class once X is scaled to [0, 1]"
_ONE_CLASS_CHECKS = [
    "check_dict_unchanged",
    "check_dont_overwrite_parameters",
    "check_f_contiguous_array_estimator",
    "check_fit2d_predict1d",
    "check_methods_sample_order_invariance",
    "check_methods_subset_invariance",
]


# Minibatch SGD with reshuffling: a weight of 2 equals a repeated row only in
# expectation. The repeated data set has more rows, hence other minibatches,
# another number of updates per epoch and another random order.
_SGD_WEIGHTS = "minibatch SGD: weight 2 equals a repeated row only in expectation"
_SGD_WEIGHT_CHECKS = ["check_sample_weight_equivalence_on_dense_data",
                      "check_sample_weight_equivalence_on_sparse_data"]
# These checks fit on their own integer data (values 1 to 4), which
# Bernoulli visible units reject (values must lie in [0, 1]); the same checks
# pass for the Dsigm, which has no RBM.
_NOT_UNIT = "the check's data (1 to 4) is outside [0, 1], rejected by Bernoulli units"
_NOT_UNIT_CHECKS = ["check_sample_weights_shape",
                    "check_sample_weights_not_overwritten"]


def expected_failed_checks(estimator):
    """``{check name: reason}`` of the checks expected to fail on ``estimator``."""
    out = dict.fromkeys(_SGD_WEIGHT_CHECKS, _SGD_WEIGHTS)
    if estimator.visible_units == "gaussian" or getattr(
            estimator, "activation", "logistic") == "relu":
        return out
    pretrained = (not isinstance(estimator, PretrainedMLPClassifier)
                  or estimator.pretrain)
    if pretrained:
        out.update(dict.fromkeys(_NOT_UNIT_CHECKS, _NOT_UNIT))
    if isinstance(estimator, PretrainedMLPClassifier) and estimator.pretrain:
        out.update(dict.fromkeys(_ONE_CLASS_CHECKS, _ONE_CLASS))
    return out
