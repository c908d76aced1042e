"""scripts/test.sh refuses, under CI, every switch that skips tests on purpose."""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = ROOT / "scripts"


def run(script: str, **env: str) -> subprocess.CompletedProcess[str]:
    """Run ``scripts/<script>`` with no CI or skip variable but those given.

    It runs in its own process group, killed whole if it outlives the timeout
    (a test.sh that failed to stop would go on to install and test everything).
    """
    base = {k: v for k, v in os.environ.items() if k != "CI" and not k.startswith("POE_LSP_SKIP_")}
    with subprocess.Popen(
        ["bash", str(SCRIPTS / script)],
        env={**base, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    ) as proc:
        try:
            out, err = proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            out, err = proc.communicate()
            pytest.fail(f"{script} did not stop at once:\n{out[-2000:]}")
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


@pytest.mark.parametrize("switch", ["POE_LSP_SKIP_VSCODE", "POE_LSP_SKIP_SOMETHING_NEW"])
@pytest.mark.parametrize("ci", ["true", "1"])
def test_a_skip_switch_is_refused_under_ci(switch: str, ci: str) -> None:
    result = run("check-skips.sh", CI=ci, **{switch: "1"})
    assert result.returncode == 1
    assert f"refusing to skip tests on purpose ({switch}=1)" in result.stderr


def test_outside_ci_a_skip_switch_is_allowed_and_named() -> None:
    result = run("check-skips.sh", POE_LSP_SKIP_VSCODE="1")
    assert result.returncode == 0, result.stderr
    assert "skipping on purpose: POE_LSP_SKIP_VSCODE=1" in result.stdout


@pytest.mark.parametrize("ci", ["true", "false", ""])
def test_without_a_skip_switch_every_run_goes_on(ci: str) -> None:
    result = run("check-skips.sh", CI=ci)
    assert result.returncode == 0, result.stderr


def test_the_test_command_stops_at_once_on_a_skip_switch_under_ci() -> None:
    # It is refused before anything is installed, and the step is named.
    result = run("test.sh", CI="true", POE_LSP_SKIP_VSCODE="1")
    assert result.returncode != 0
    assert "FAILED: Skip switches" in result.stderr
    assert "Python environment" not in result.stdout


def test_the_test_command_prints_the_reason_of_every_skip() -> None:
    pytest_lines = [
        line for line in (SCRIPTS / "test.sh").read_text().splitlines() if "/pytest" in line
    ]
    assert pytest_lines and all(" -rs " in line for line in pytest_lines), pytest_lines
