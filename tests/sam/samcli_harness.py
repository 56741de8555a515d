"""Runs the real SAM CLI's own argument parsing (click options, samconfig.toml, the
--parameter-overrides parser CfnParameterOverridesType) up to the point where it would act, and
returns the arguments the command would run with. Nothing reaches AWS: the command's do_cli is
replaced by a recorder. Used by the tests in this directory (run by `make test-sam`)."""

import inspect
import json
import os
import shutil
import subprocess
import tempfile
from contextlib import contextmanager
from pathlib import Path
from unittest import mock

from samcli.cli.main import cli as sam_main

ROOT = Path(__file__).resolve().parents[2]


@contextmanager
def _in_directory(path):
    before = os.getcwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(before)


@contextmanager
def built_project():
    """A scratch copy of what `sam deploy` reads in the repository after `sam build` and
    `sam build --config-env guard`: samconfig.toml and the built templates (here the sources)."""
    with tempfile.TemporaryDirectory(prefix="edgeguard-sam-project-") as scratch:
        shutil.copy(ROOT / "samconfig.toml", scratch)
        for template, build_dir in [("template.yaml", "build"), ("template-guard.yaml", "guard")]:
            Path(scratch, ".aws-sam", build_dir).mkdir(parents=True)
            shutil.copy(ROOT / template, Path(scratch, ".aws-sam", build_dir, "template.yaml"))
        yield Path(scratch)


def parsed_arguments(command_module, argv, cwd=ROOT):
    """The keyword arguments `sam ARGV` hands to COMMAND_MODULE.do_cli, parsed in CWD (the
    repository root by default, so its samconfig.toml applies, as when a user runs it there)."""
    calls = []
    real = command_module.do_cli

    def record(*args, **kwargs):
        calls.append(inspect.signature(real).bind(*args, **kwargs).arguments)

    with mock.patch.object(command_module, "do_cli", record), _in_directory(cwd):
        sam_main.main(list(argv), prog_name="sam", standalone_mode=False)
    assert len(calls) == 1, f"sam {argv} did not reach its command"
    return calls[0]


def shell_words(command, files):
    """The argv bash passes for COMMAND (a line as written in the README, continuations included),
    run in a scratch directory holding FILES ({relative path: text}), without running it."""
    with tempfile.TemporaryDirectory(prefix="edgeguard-sam-") as scratch:
        for name, text in files.items():
            path = Path(scratch, name)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
        script = (
            'argv() { python3 -c "import json, sys; print(json.dumps(sys.argv[1:]))" "$@"; }\n'
            "set -euo pipefail\n"
            f"argv {command}\n"
        )
        run = subprocess.run(["bash", "-c", script], cwd=scratch, capture_output=True, text=True, check=True)
        return json.loads(run.stdout)


def readme_commands(prefix):
    """Every command in README.md's shell blocks that starts with PREFIX, continuation lines
    joined, so the tests check exactly what the README tells people to run."""
    commands, current, in_block = [], None, False
    for line in (ROOT / "README.md").read_text().splitlines():
        if line.startswith("```"):
            in_block = not in_block
            continue
        if not in_block:
            continue
        if current is not None:
            current += " " + line.strip().rstrip("\\").strip()
            if not line.rstrip().endswith("\\"):
                commands.append(current)
                current = None
        elif line.startswith(prefix):
            text = line.split("  #", 1)[0].rstrip()
            if text.endswith("\\"):
                current = text.rstrip("\\").strip()
            else:
                commands.append(text)
    return commands
