"""Loaded before anything imports scipy: lets the tests turn on array API dispatch.

scikit-learn's ``array_api_dispatch=True`` needs SciPy's array API support,
which SciPy reads from ``SCIPY_ARRAY_API=1`` when it is first imported. The
numpy code paths do not change with it.
"""

import os

os.environ.setdefault("SCIPY_ARRAY_API", "1")


# Every example must show a network that learned: in the doctests (run with
# --doctest-modules) the estimators' "did not learn" warning is an error.
# The README's code blocks and the gallery scripts get the same filter
# (tests/test_readme.py, tests/test_examples.py).
DID_NOT_LEARN = "error:PretrainedMLPClassifier did not learn"


def pytest_collection_modifyitems(config, items):
    import pytest

    for item in items:
        if type(item).__name__ == "DoctestItem":
            item.add_marker(pytest.mark.filterwarnings(DID_NOT_LEARN))
