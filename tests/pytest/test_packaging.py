"""The project as an installed package: pyproject.toml's commands are the installed ones, the
Makefile calls only those, the build backend is pinned, and a command runs from the virtualenv."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from importlib.metadata import distribution
from pathlib import Path

from conftest import REPO_ROOT

PYPROJECT = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())
COMMANDS = PYPROJECT["project"]["scripts"]


def test_the_installed_commands_are_pyprojects():
    installed = {
        entry.name: entry.value
        for entry in distribution("smartcart").entry_points
        if entry.group == "console_scripts"
    }
    assert installed == COMMANDS, "the virtualenv is stale: make .venv/.installed"
    for entry in distribution("smartcart").entry_points:
        assert callable(entry.load()), entry.value


def test_the_makefile_calls_declared_commands():
    called = set(re.findall(r"\$\(BIN\)/(smartcart-[a-z-]+)", (REPO_ROOT / "Makefile").read_text()))
    assert called, "the Makefile calls no smartcart command"
    assert called <= set(COMMANDS)


def test_the_build_backend_is_pinned():
    requires = PYPROJECT["build-system"]["requires"]
    assert requires and all(re.fullmatch(r"[A-Za-z0-9_.-]+==[0-9][0-9A-Za-z.]*", r) for r in requires)


def test_a_command_runs_from_the_virtualenv():
    command = Path(sys.executable).with_name("smartcart-build")
    result = subprocess.run([command, "--help"], capture_output=True, text=True, cwd="/")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("usage: smartcart-build")
    assert "--mode {full,append}" in result.stdout
