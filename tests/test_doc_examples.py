"""The documentation stays true to the code.

- every public name (``__all__`` of each public module) is in the API
  reference, ``docs/api.rst``;
- every public class and function has a numpydoc "Examples" section (whose
  doctests run with ``--doctest-modules``);
- the ``.. code-block:: python`` snippets of the narrative pages run, in
  order, one namespace per page (a snippet that imports torch, an optional
  dependency, only where torch is installed).
"""

import importlib
import importlib.util
import inspect
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
PUBLIC_MODULES = [
    "sklearn_sparsity",
    "sklearn_sparsity.metrics",
    "sklearn_sparsity.datasets",
    "sklearn_sparsity.experiments",
]


def _public_names():
    names = []
    for module_name in PUBLIC_MODULES:
        try:
            module = importlib.import_module(module_name)
        except ImportError:  # pragma: no cover - a module not written yet
            continue
        names += [
            (module_name, name)
            for name in module.__all__
            if not (name.startswith("__") and name.endswith("__"))
        ]
    return names


PUBLIC = _public_names()
IDS = [f"{module}.{name}" for module, name in PUBLIC]


def _autosummary_entries(text):
    """``{module: {names}}`` listed under ``currentmodule`` in api.rst."""
    entries, module, in_block = {}, None, False
    for line in text.splitlines():
        if line.startswith(".. currentmodule::"):
            module = line.split("::", 1)[1].strip()
        elif line.startswith(".. autosummary::"):
            in_block = True
        elif in_block and re.match(r"^   [A-Za-z_]\w*$", line):
            entries.setdefault(module, set()).add(line.strip())
        elif in_block and line and not line.startswith(" "):
            in_block = False
    return entries


@pytest.mark.parametrize(("module", "name"), PUBLIC, ids=IDS)
def test_public_name_in_api_reference(module, name):
    entries = _autosummary_entries((DOCS / "api.rst").read_text())
    assert name in entries.get(module, set()), (
        f"{module}.{name} is public (in __all__) but not in docs/api.rst"
    )


@pytest.mark.parametrize(("module", "name"), PUBLIC, ids=IDS)
def test_public_object_has_examples_section(module, name):
    obj = getattr(importlib.import_module(module), name)
    if not (inspect.isclass(obj) or callable(obj)):
        pytest.skip(f"{name} is not a class or function")
    doc = obj.__doc__ if not inspect.isclass(obj) else inspect.getdoc(obj)
    # Instances (the ready-made scorers) carry their own __doc__.
    assert doc and re.search(r"^\s*Examples\n\s*--------\n", doc, re.M), (
        f"{module}.{name} has no numpydoc 'Examples' section"
    )
    assert ">>>" in doc.split("Examples", 1)[1], "Examples without a doctest"


# ---------------------------------------------------------- narrative pages
# Pages whose snippets run in order; some need a little context first.
PAGE_SETUP = {
    "index.rst": "",
    "quickstart.rst": "",
    "user_guide/rbm.rst": "",
    "user_guide/variants.rst": "",
    "user_guide/metrics.rst": (
        "from sklearn_sparsity import PretrainedMLPClassifier\n"
        "from sklearn_sparsity.datasets import load_digits_unit\n"
        "X, y, X_test, y_test = load_digits_unit(test_size=0.25, return_X_y=True)\n"
        "dbn = PretrainedMLPClassifier((32, 16), pretrain_epochs=2, n_epochs=3,\n"
        "    batch_size=20, tol=None, random_state=0).fit(X, y)\n"
    ),
    "user_guide/model_selection.rst": "",
}


def _python_blocks(text):
    """The bodies of ``.. code-block:: python`` directives, dedented."""
    blocks, lines, i = [], text.splitlines(), 0
    while i < len(lines):
        if lines[i].strip() == ".. code-block:: python":
            i += 1
            body = []
            while i < len(lines) and (not lines[i].strip() or lines[i][:1] == " "):
                body.append(lines[i])
                i += 1
            indent = min(
                len(line) - len(line.lstrip()) for line in body if line.strip()
            )
            blocks.append("\n".join(line[indent:] for line in body))
            continue
        i += 1
    return blocks


def _has_torch():
    return importlib.util.find_spec("torch") is not None


# Like the doctests, the README and the gallery: the pages' networks learn.
@pytest.mark.filterwarnings("error:PretrainedMLPClassifier did not learn")
@pytest.mark.parametrize("page", sorted(PAGE_SETUP))
def test_page_snippets_run(page, tmp_path, monkeypatch):
    pytest.importorskip("pandas")
    monkeypatch.chdir(tmp_path)  # snippets may create cache folders
    monkeypatch.setenv("MPLBACKEND", "Agg")
    from threadpoolctl import threadpool_limits

    blocks = _python_blocks((DOCS / page).read_text())
    assert blocks, f"no python code block in {page}"
    namespace = {"__name__": "__doc_snippet__"}
    exec(PAGE_SETUP[page], namespace)
    with threadpool_limits(1):
        for number, code in enumerate(blocks, 1):
            if re.search(r"^import torch$", code, re.M) and not _has_torch():
                continue
            try:
                exec(compile(code, f"{page}[block {number}]", "exec"), namespace)
            except Exception as exc:  # pragma: no cover - reported below
                pytest.fail(f"{page}, code block {number} failed: {exc!r}\n{code}")
