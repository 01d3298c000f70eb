"""The package's layers import downwards only, and nothing imports in a cycle.

The layers, bottom up (``docs/architecture.rst``): the numerical core, the
metrics and data loaders, the estimators, the experiments, the command line.
"""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "sklearn_sparsity"

CORE = {"_array_api", "_backend", "_kernels", "_units", "_optim", "_training", "_rbm",
        "_backprop", "_sparseness", "_version", "_cache", "_validation"}
ESTIMATORS = {"_base", "_stacked_rbm", "_pretrained_mlp", "_mlp_fitting",
              "__init__"}
CLI = {"_cli", "_commands", "_commands_map", "__main__"}


def _layer(module):
    """0 core, 1 metrics and datasets, 2 estimators, 3 experiments, 4 CLI."""
    parts = module.split(".")
    if parts[0] == "metrics" or parts[0] == "datasets":
        return 1
    if parts[0] == "experiments":
        return 3
    if parts[0] in CORE:
        return 0
    if parts[0] in ESTIMATORS:
        return 2
    if parts[0] in CLI:
        return 4
    raise AssertionError(f"{module} is in no layer")


def _modules():
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE).with_suffix("")
        yield ".".join(rel.parts), path


def _imports(name, path):
    """Package modules ``name`` imports (relative imports resolved)."""
    package = name.split(".")[:-1] if not name.endswith("__init__") else (
        name.split(".")[:-1])
    out = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.level:
            base = package[: len(package) - (node.level - 1)]
            target = [*base, *(node.module.split(".") if node.module else [])]
            if target:
                out.add(".".join(target))
            else:  # "from .. import x": the package root
                out.add("__init__")
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith(
                "sklearn_sparsity"):
            rest = node.module.split(".")[1:]
            out.add(".".join(rest) if rest else "__init__")
    return out


@pytest.mark.parametrize("name, path", list(_modules()), ids=lambda v: str(v))
def test_imports_go_downwards(name, path):
    here = _layer(name)
    for target in _imports(name, path):
        # The package root only re-exports; __version__ comes from _version.
        if target == "__init__" and here >= 2:
            continue
        assert _layer(target) <= here, f"{name} (layer {here}) imports {target}"


def test_no_import_cycles():
    graph = {name: {t for t in _imports(name, path) if t != name}
             for name, path in _modules()}
    names = set(graph)
    graph = {n: {t for t in ts if t in names} for n, ts in graph.items()}
    visiting, done = set(), set()

    def visit(node, chain):
        if node in done:
            return
        assert node not in visiting, " -> ".join([*chain, node])
        visiting.add(node)
        for target in graph[node]:
            visit(target, [*chain, node])
        visiting.discard(node)
        done.add(node)

    for node in graph:
        visit(node, [])


def test_torch_is_imported_only_for_torch_modules():
    """torch is optional: importing the package, or measuring a model that is
    no PyTorch module, never imports it (whether it is installed or not)."""
    code = """
import sys
import numpy as np
from sklearn.neural_network import BernoulliRBM
import sklearn_sparsity, sklearn_sparsity.datasets, sklearn_sparsity.experiments
from sklearn_sparsity.metrics import hspm_scorer, layer_activations, sparsity_report
X = np.random.default_rng(0).random((20, 6))
rbm = BernoulliRBM(n_components=3, n_iter=1, random_state=0).fit(X)
layer_activations(rbm, X)
sparsity_report(rbm, X, np.arange(20) % 2)
hspm_scorer(rbm, X)
print(sorted(m for m in sys.modules if m.split(".")[0] == "torch"))
"""
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.strip() == "[]"
