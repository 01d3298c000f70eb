"""The README's set-up and docs commands are what CI runs, as written; its
Python blocks run, and every network in them learns."""

import re
import warnings
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _bash_blocks(text):
    return re.findall(r"```bash\n(.*?)```", text, flags=re.S)


def test_ci_runs_the_readmes_commands_as_written():
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text().splitlines()
    blocks = _bash_blocks(readme)
    test_command = next(b.strip() for b in blocks if "pytest" in b)
    docs_command = next(b.strip() for b in blocks if "make -C docs" in b)
    for command in (test_command, docs_command):
        assert command in ci, command
    # The docs command works from the checkout's root: make changes into
    # docs/, so the interpreter's path must not be relative.
    assert "PYTHON=.venv" not in docs_command


def test_readme_commands_name_real_subcommands():
    from sklearn_sparsity._cli import build_parser

    readme = (ROOT / "README.md").read_text()
    used = set(re.findall(r"-m sklearn_sparsity ([a-z-]+)", readme))
    assert "demo" in used and "reproduce" in used
    choices = build_parser()._subparsers._group_actions[0].choices
    assert used <= set(choices), used - set(choices)


def _python_blocks(text):
    return re.findall(r"```python\n(.*?)```", text, flags=re.S)


def test_readme_python_blocks_run_and_their_networks_learn():
    # The quick start, then "Measure your own network" (which continues it),
    # in one namespace; the "did not learn" warning is an error here.
    pytest.importorskip("torch")
    blocks = _python_blocks((ROOT / "README.md").read_text())
    assert len(blocks) >= 2
    namespace = {}
    with warnings.catch_warnings():
        warnings.filterwarnings(
            "error", message="PretrainedMLPClassifier did not learn")
        for block in blocks:
            exec(compile(block, "README.md", "exec"), namespace)
    # The README's claim: from an activation matrix, the report's numbers
    # with aggregate="mean_activation" and the same tau.
    from sklearn_sparsity.metrics import average_activation_overlap, sparsity_report

    ns = namespace
    row = sparsity_report(ns["mlp"], ns["X_test"], ns["y_test"], tau=ns["tau"],
                          k=2, aggregate="mean_activation").iloc[1]
    assert row["aod_2"] == pytest.approx(
        average_activation_overlap(ns["H"], ns["y_test"], tau=ns["tau"], k=2))
    assert ns["dbn"].score(ns["X_test"], ns["y_test"]) > 0.9


def test_publishing_files_agree():
    import tomllib

    import sklearn_sparsity
    from sklearn_sparsity._base import DOC_LINK_TEMPLATE

    base = "https://sklearn-sparsity.readthedocs.io/en/latest/"
    citation = (ROOT / "CITATION.cff").read_text()
    assert f"version: {sklearn_sparsity.__version__}\n" in citation
    assert "arXiv:1312.5813" in citation
    assert "Unsupervised Pretraining Encourages Moderate-Sparseness" in citation
    rtd = (ROOT / ".readthedocs.yaml").read_text()
    assert "configuration: docs/conf.py" in rtd and "- docs\n" in rtd
    assert DOC_LINK_TEMPLATE.startswith(base)
    assert f'html_baseurl = "{base}"' in (ROOT / "docs" / "conf.py").read_text()
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    extras = pyproject["project"]["optional-dependencies"]
    assert {r.split(">")[0] for r in extras["release"]} == {"build", "twine"}
    ci = (ROOT / ".ci" / "run").read_text()
    for line in ('.venv/bin/pip install --quiet ".[release]"',
                 ".venv/bin/twine check --strict dist/*",
                 '.venv/bin/python .ci/check_wheel.py "$wheel"',
                 '"$smoke/venv/bin/python" -m sklearn_sparsity --version'):
        assert line in ci, line
