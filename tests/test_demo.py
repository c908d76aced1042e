"""``poe-lsp demo``: the README's main job, run as a user runs it."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from poe_lsp.cli.demo_bot import DEMO_KEY, classify
from poe_lsp.core.prompts import DEFAULT_TEMPLATES

from conftest import MakeEditor
from fakepoe import FakePoe

SECRET = "sk-demo-test-9f8e7d6c5b4a-never-shown"


def demo_command(*args: str) -> list[str]:
    """The ``poe-lsp`` console script beside this Python, else ``python -m poe_lsp``."""
    script = Path(sys.executable).parent / "poe-lsp"
    if script.exists():
        return [str(script), "demo", *args]
    found = shutil.which("poe-lsp")
    if found:
        return [found, "demo", *args]
    return [sys.executable, "-m", "poe_lsp", "demo", *args]


def env_without_key(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("POE_")}
    return {**env, **extra}


def test_demo_without_a_key_runs_explain_and_refactor_against_the_local_bot(
    tmp_path: Path,
) -> None:
    result = subprocess.run(
        demo_command(),
        env=env_without_key(),
        cwd=tmp_path,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
    )
    out = result.stdout
    assert result.returncode == 0, out + result.stderr
    assert "built-in local demo bot" in out.splitlines()[0]
    assert "Returns the `n` best-selling products by revenue" in out
    assert "--- a/inventory.py" in out and "+++ b/inventory.py" in out
    assert "\n-    ranked = []\n" in out
    assert "\n+    ranked = sorted(totals.items(), key=lambda pair: pair[1], reverse=True)\n" in out
    assert "explain   done" in out and "refactor  done" in out
    assert DEMO_KEY not in out + result.stderr


async def test_demo_with_a_rejected_key_fails_with_the_servers_sentence(
    fake: FakePoe, tmp_path: Path
) -> None:
    process = await asyncio.create_subprocess_exec(
        *demo_command("--bot", "Status401"),
        env=env_without_key(POE_API_KEY=SECRET, POE_LSP_BASE_URL=fake.base_url),
        cwd=tmp_path,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    stdout, stderr = await asyncio.wait_for(process.communicate(), 60)
    out, err = stdout.decode(), stderr.decode()
    assert process.returncode == 1, out + err
    assert out.splitlines()[0].startswith("POE_API_KEY is set: using the Poe bot Status401")
    assert "Poe rejected the API key." in out
    assert "refactor  skipped" in out
    assert SECRET not in out + err


@pytest.mark.parametrize("action", ["explain", "refactor", "document"])
def test_the_demo_bot_tells_the_action_from_the_built_in_prompt(action: str) -> None:
    assert classify(DEFAULT_TEMPLATES[action]) == action


async def test_demo_serve_lets_an_editor_try_the_server_without_a_key(
    make_editor: MakeEditor,
) -> None:
    """``poe-lsp demo --serve 0`` serves the demo bot; pointed at it, a real
    session explains any code and a refactor gives the selection back unchanged."""
    proc = await asyncio.create_subprocess_exec(
        *demo_command("--serve", "0"),
        env=env_without_key(),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
    )
    try:
        assert proc.stdout is not None
        first = (await asyncio.wait_for(proc.stdout.readline(), 30)).decode()
        url = first.split(" answers at ")[1].strip().removesuffix("DemoBot")
        assert url.startswith("http://127.0.0.1:")
        editor = await make_editor(
            env={"POE_API_KEY": DEMO_KEY, "POE_LSP_BASE_URL": url},
            init_options={"bot": "DemoBot", "edits": {"mode": "final"}},
        )
        source = "def double(x):\n    return x * 2\n\n\nprint(double(4))\n"
        uri = editor.open("mine.py", source)
        selection = editor.range_of(uri, "def double(x):\n    return x * 2\n")
        done = await editor.run("poe.explain", {"uri": uri, "range": selection})
        assert done["status"] == "done"
        assert "The selection (2 lines)" in done["text"]
        assert "def double(x):" in done["text"]
        done = await editor.run("poe.refactor", {"uri": uri, "range": selection})
        assert done["status"] == "done"
        assert editor.text(uri) == source
    finally:
        proc.terminate()
        await proc.wait()
