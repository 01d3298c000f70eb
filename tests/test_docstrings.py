"""numpydoc validation of every public docstring (as scikit-learn and skglm do)."""

import importlib
import inspect

import pytest

numpydoc_validate = pytest.importorskip("numpydoc.validate")

MODULES = ["sklearn_sparsity", "sklearn_sparsity.metrics",
           "sklearn_sparsity.datasets", "sklearn_sparsity.experiments"]

# Checks not applied, each for a reason:
IGNORED = {
    "ES01",  # an extended summary is not required for short functions
    "SA01",  # "See Also" where it helps, not on every method
    "EX01",  # examples on the classes and functions, not on every method
    "RT02",  # named returns ("layers : list of ndarray"), scikit-learn style
    "SS05",  # noun-phrase summaries ("Activations of every hidden layer")
}

# Methods scikit-learn generates or inherits, documented there.
INHERITED = {"get_params", "set_params", "set_output", "get_metadata_routing",
             "set_fit_request", "set_score_request", "set_transform_request",
             "set_predict_request", "set_partial_fit_request"}


def _public_objects():
    for module_name in MODULES:
        module = importlib.import_module(module_name)
        for name in module.__all__:
            if name.startswith("_"):
                continue
            obj = getattr(module, name)
            yield f"{module_name}.{name}"
            if inspect.isclass(obj):
                for member, value in vars(obj).items():
                    if member.startswith("_") or member in INHERITED:
                        continue
                    if inspect.isfunction(value) or isinstance(value, property):
                        yield f"{module_name}.{name}.{member}"


@pytest.mark.parametrize("name", list(_public_objects()))
def test_docstring(name):
    result = numpydoc_validate.validate(name)
    errors = [f"{code}: {message}" for code, message in result["errors"]
              if code not in IGNORED]
    assert not errors, "\n".join(errors)
