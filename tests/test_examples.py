"""Run the gallery scripts in ``examples/`` as plain scripts.

Select them with ``pytest -m examples`` (or deselect with ``-m "not
examples"``). The examples on bundled data are the ones the docs build
executes (``filename_pattern`` in ``docs/conf.py``); so that CI runs them
once, they carry the ``gallery`` mark, which the default options deselect
(``pytest -m gallery`` runs them). ``plot_real_*`` need
``SKLEARN_SPARSITY_DATA`` and must exit cleanly without it; ``plot_dask_*``
start a local Dask cluster and also carry the ``distributed`` mark;
``plot_torch_*`` need PyTorch, which the docs build does not, so they run
here (skipped without torch) and not in the docs build.
"""

import ast
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((ROOT / "examples").glob("plot_*.py"))
# The same selection as sphinx_gallery_conf["filename_pattern"] in docs/conf.py
# (checked by test_docs_build_runs_the_same_examples).
EXECUTED_IN_DOCS = r"[\\/]plot_(?!dask_|real_|torch_)[^\\/]*\.py$"
# Each bundled-data example must run in under a minute; the limit here only
# catches hangs on a slow, shared machine.
TIMEOUT = 300

pytestmark = pytest.mark.examples


def _run(path, *, data_dir=None, timeout=TIMEOUT):
    env = dict(os.environ)
    env["MPLBACKEND"] = "Agg"
    # Small matrices: one BLAS thread is faster and gives the same numbers as
    # the docs build (docs/sphinxext/gallery_utils.py).
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env[name] = "1"
    env.pop("SKLEARN_SPARSITY_DATA", None)
    # Every example shows networks that learned (as the doctests and the
    # README do): the estimators' "did not learn" warning is an error.
    env["PYTHONWARNINGS"] = "error:PretrainedMLPClassifier did not learn:Warning"
    if data_dir is not None:
        env["SKLEARN_SPARSITY_DATA"] = str(data_dir)
    tic = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, str(path)],
        cwd=path.parent,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    seconds = time.perf_counter() - tic
    assert proc.returncode == 0, (
        f"{path.name} failed (exit {proc.returncode}) after {seconds:.1f} s\n"
        f"--- stdout\n{proc.stdout[-3000:]}\n--- stderr\n{proc.stderr[-3000:]}"
    )
    return proc, seconds


def _params(predicate):
    return [
        pytest.param(path, id=path.stem) for path in EXAMPLES if predicate(path)
    ]


def _bundled(path):
    return re.search(EXECUTED_IN_DOCS, str(path)) is not None


def test_docs_build_runs_the_same_examples():
    tree = ast.parse((ROOT / "docs" / "conf.py").read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            getattr(t, "id", None) == "sphinx_gallery_conf" for t in node.targets
        ):
            conf = ast.literal_eval(node.value)
            break
    else:
        pytest.fail("docs/conf.py defines no sphinx_gallery_conf")
    assert conf["filename_pattern"] == EXECUTED_IN_DOCS
    assert any(_bundled(path) for path in EXAMPLES)


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_example_is_gallery_style(path):
    """An RST title in the module docstring, then ``# %%`` cells."""
    source = path.read_text()
    doc = ast.get_docstring(ast.parse(source), clean=False)
    assert doc is not None, f"{path.name} has no module docstring"
    lines = doc.strip().splitlines()
    assert len(lines) >= 3 and set(lines[0]) == {"="}, "no RST title"
    assert len(lines[0]) == len(lines[1].rstrip()) == len(lines[2]), (
        "title over/underline length"
    )
    assert "\n# %%\n" in source, "no '# %%' cell"


@pytest.mark.gallery
@pytest.mark.parametrize("path", _params(_bundled))
def test_bundled_data_example_runs(path):
    """Deselected by default: the docs build runs these (``-m gallery``)."""
    _, seconds = _run(path)
    print(f"{path.name}: {seconds:.1f} s")


@pytest.mark.parametrize("path", _params(lambda p: p.stem.startswith("plot_real_")))
def test_real_data_example_skips_without_data(path):
    proc, _ = _run(path, timeout=120)
    assert "SKLEARN_SPARSITY_DATA" in proc.stdout


@pytest.mark.parametrize("path", _params(lambda p: p.stem.startswith("plot_real_")))
def test_real_data_example_runs(path, shared_data_dir):
    _, seconds = _run(path, data_dir=shared_data_dir)
    print(f"{path.name}: {seconds:.1f} s")


@pytest.mark.parametrize("path", _params(lambda p: p.stem.startswith("plot_torch_")))
def test_torch_example_runs(path):
    """Not executed by the docs build (torch is optional there): run here."""
    pytest.importorskip("torch")
    proc, seconds = _run(path)
    assert "test accuracy" in proc.stdout
    print(f"{path.name}: {seconds:.1f} s")


def test_every_example_is_run_somewhere():
    """In the docs build, or by one of the tests above."""
    prefixes = ("plot_real_", "plot_dask_", "plot_torch_")
    for path in EXAMPLES:
        assert _bundled(path) != path.stem.startswith(prefixes), path.name


@pytest.mark.distributed
@pytest.mark.parametrize("path", _params(lambda p: p.stem.startswith("plot_dask_")))
def test_dask_example_runs(path):
    pytest.importorskip("distributed")
    proc, _ = _run(path)
    assert "identical to the local run: False" not in proc.stdout
    assert proc.stdout.count("identical to the local run: True") == 2
