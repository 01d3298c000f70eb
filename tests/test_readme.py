"""The README's set-up and docs commands are what CI runs, as written."""

import re
from pathlib import Path

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
