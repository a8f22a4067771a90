"""The README gives a fresh machine exactly two commands, and CI runs the second one."""

from pathlib import Path

ROOT = Path(__file__).parents[2]
RUN_APP = "bash scripts/setup.sh && .venv/bin/streamlit run serve.py"
RUN_TESTS = "bash scripts/setup.sh && .venv/bin/python -m pytest"


def test_the_readme_gives_the_two_commands_and_ci_runs_the_test_one():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    quick = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    commands = [line.strip() for line in quick.splitlines() if line.startswith("    ") and "setup.sh" in line]
    assert commands == [RUN_APP, RUN_TESTS]
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "bash scripts/setup.sh" in ci and "exec .venv/bin/python -m pytest" in ci
