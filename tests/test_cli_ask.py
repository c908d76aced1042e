"""``poe-lsp ask``: one job from a script, end to end against the fake Poe."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from test_cli import POE_LSP, environment, free_port

from editor import TEST_KEY
from fakepoe import DEFAULT_CODE, FakePoe

SOURCE = "import os\n\n\ndef add(a, b):\n    return a + b\n\n\nprint(add(1, 2))\n"


async def ask(
    fake: FakePoe,
    *argv: str,
    stdin: str | bytes | None = None,
    preexec_fn: Callable[[], object] | None = None,
    **env: str | None,
) -> tuple[int, str, str]:
    """Run ``poe-lsp ask`` against the fake Poe: (exit code, stdout, stderr).

    ``preexec_fn`` runs in the child before it starts (e.g. to limit file sizes).
    """
    if isinstance(stdin, str):
        stdin = stdin.encode()
    process = await asyncio.create_subprocess_exec(
        POE_LSP,
        "ask",
        *argv,
        env=environment(
            **{
                "POE_API_KEY": TEST_KEY,
                "POE_LSP_BASE_URL": fake.base_url,
                "POE_LSP_UPLOAD_URL": fake.upload_url,
                "POE_LSP_TRANSPORT": None,
                "POE_LSP_OPENAI_BASE_URL": None,
                **env,
            }
        ),
        stdin=asyncio.subprocess.PIPE if stdin is not None else asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        preexec_fn=preexec_fn,
    )
    out, err = await asyncio.wait_for(process.communicate(stdin), 30)
    assert process.returncode is not None
    assert TEST_KEY not in out.decode() + err.decode()
    return process.returncode, out.decode(), err.decode()


def sample(tmp_path: Path) -> Path:
    path = tmp_path / "calc.py"
    path.write_text(SOURCE)
    return path


def crlf_sample(tmp_path: Path) -> Path:
    """:data:`SOURCE` with Windows line endings, as ``calc.py``."""
    path = tmp_path / "calc.py"
    path.write_bytes(SOURCE.replace("\n", "\r\n").encode())
    return path


def settings_file(tmp_path: Path, settings: dict[str, Any]) -> str:
    """A ``--settings`` file holding ``settings``; returns its path."""
    path = tmp_path / "poe.json"
    path.write_text(json.dumps(settings))
    return str(path)


async def test_prints_the_streamed_answer(fake: FakePoe, tmp_path: Path) -> None:
    path = sample(tmp_path)
    code, out, err = await ask(fake, f"{path}:4-5", "what does it do?", "--bot", "EchoBot")
    assert (code, err) == (0, "")
    prompt = fake.requests[-1].prompt
    assert out == prompt + "\n"  # EchoBot streams the prompt back
    assert "<<<SELECTION>>>\ndef add(a, b):\n    return a + b\n<<<END SELECTION>>>" in prompt
    assert "Request: what does it do?" in prompt


async def test_explain_action_and_the_settings_file(fake: FakePoe, tmp_path: Path) -> None:
    path = sample(tmp_path)
    settings = tmp_path / "poe.json"
    settings.write_text(json.dumps({"bot": "ExplainBot", "app": {"title": "my-script"}}))
    code, out, _ = await ask(
        fake, f"{path}:4", "", "--action", "explain", "--settings", str(settings)
    )
    assert code == 0
    assert out.startswith("## Explanation")
    request = fake.requests[-1]
    assert request.bot == "ExplainBot"
    assert request.headers["x-title"] == "my-script"


async def test_refactor_apply_writes_the_file_and_prints_a_diff(
    fake: FakePoe, tmp_path: Path
) -> None:
    path = sample(tmp_path)
    code, out, _ = await ask(
        fake,
        f"{path}:4-5",
        "rename it",
        "--action",
        "refactor",
        "--bot",
        "FencedCodeBot",
        "--apply",
    )
    assert code == 0
    expected = SOURCE.replace("def add(a, b):\n    return a + b\n", DEFAULT_CODE + "\n")
    assert path.read_text() == expected
    assert out.startswith("--- a/calc.py\n+++ b/calc.py\n")
    assert "-def add(a, b):" in out and "+def greet(name: str) -> str:" in out
    assert "Instruction: rename it" in fake.requests[-1].prompt


async def test_document_apply_writes_only_the_docstring(fake: FakePoe, tmp_path: Path) -> None:
    path = sample(tmp_path)
    argv = [f"{path}:5", "", "--action", "document", "--bot", "FencedCodeBot", "--apply"]
    code, out, _ = await ask(fake, *argv)
    assert code == 0
    text = path.read_text()
    head, tail = SOURCE[: SOURCE.index("    return")], SOURCE[SOURCE.index("    return") :]
    # Only a docstring went in, inside the body; every line of code is as it was.
    assert text.startswith(head + '    """') and text.endswith(tail)
    assert '+    """' in out
    assert "The definition to document is the function `add`." in fake.requests[-1].prompt


async def test_reads_stdin_when_file_is_a_dash(fake: FakePoe) -> None:
    code, out, _ = await ask(
        fake, "-", "explain x", "--bot", "EchoBot", "--language", "python", stdin="x = 1\n"
    )
    assert code == 0
    assert "File: <stdin>" in out and "x = 1" in out


async def test_a_failed_job_exits_1_with_the_error_sentence(fake: FakePoe, tmp_path: Path) -> None:
    path = sample(tmp_path)
    code, out, err = await ask(fake, str(path), "hi", "--bot", "Status401")
    assert (code, out) == (1, "")
    assert err.strip().startswith("Poe rejected the API key.")
    code, _, err = await ask(fake, str(path), "hi", "--bot", "EchoBot", POE_API_KEY=None)
    assert code == 1 and err.startswith("No Poe API key is set.")


async def test_usage_errors_exit_2(fake: FakePoe, tmp_path: Path) -> None:
    path = sample(tmp_path)
    for argv in (
        [f"{path}:40-50", "q"],
        [str(tmp_path / "missing.py"), "q"],
        [str(path), ""],
        [f"{path}:4", "", "--action", "explain", "--apply"],
        ["-", "q", "--apply"],
        [str(path), "q", "--action", "translate"],
    ):
        code, out, err = await ask(fake, *argv, stdin="")
        assert code == 2, argv
        assert out == "" and "usage: poe-lsp ask" in err
    assert fake.requests == []


async def test_openai_transport_from_the_environment(fake: FakePoe, tmp_path: Path) -> None:
    path = sample(tmp_path)
    code, out, _ = await ask(
        fake,
        f"{path}:4-5",
        "hi",
        "--bot",
        "EchoBot",
        POE_LSP_TRANSPORT="openai",
        POE_LSP_OPENAI_BASE_URL=fake.openai_base_url,
    )
    assert code == 0
    assert "Request: hi" in out
    assert fake.requests == [] and len(fake.openai_requests) == 1


async def test_attach_file_always_uploads_the_file(fake: FakePoe, tmp_path: Path) -> None:
    path = sample(tmp_path)
    settings = settings_file(tmp_path, {"context": {"attachFile": "always"}})
    code, _, _ = await ask(fake, str(path), "hi", "--bot", "EchoBot", "--settings", settings)
    assert code == 0
    [upload] = fake.uploads
    assert (upload.name, upload.data) == ("calc.py", SOURCE.encode())
    assert [a["name"] for a in fake.requests[-1].attachments] == ["calc.py"]


async def test_a_reversed_range_says_it_is_reversed(fake: FakePoe, tmp_path: Path) -> None:
    path = sample(tmp_path)
    code, _, err = await ask(fake, f"{path}:5-4", "q")
    assert code == 2
    assert err.splitlines()[-1] == (
        "poe-lsp ask: error: the range 5-4 is reversed: START must not be greater than END "
        "(did you mean 4-5?)."
    )


async def test_a_line_spec_that_is_not_a_number_says_so(fake: FakePoe, tmp_path: Path) -> None:
    path = sample(tmp_path)
    code, _, err = await ask(fake, f"{path}:abc", "q")
    assert code == 2
    assert err.splitlines()[-1] == (
        f"poe-lsp ask: error: 'abc' in {path}:abc is not a line number or a START-END range "
        f"(e.g. {path}:12 or {path}:12-30)."
    )


async def test_lines_past_the_end_say_how_many_lines_there_are(
    fake: FakePoe, tmp_path: Path
) -> None:
    path = sample(tmp_path)
    code, _, err = await ask(fake, f"{path}:40-50", "q")
    assert code == 2
    assert err.splitlines()[-1] == (
        f"poe-lsp ask: error: lines 40-50 are not in {path}, which has 8 lines."
    )


async def test_an_unreachable_endpoint_is_described_once(fake: FakePoe, tmp_path: Path) -> None:
    path = sample(tmp_path)
    code, out, err = await ask(
        fake,
        str(path),
        "hi",
        "--bot",
        "EchoBot",
        POE_LSP_BASE_URL=f"http://127.0.0.1:{free_port()}/",
    )
    assert (code, out) == (1, "")
    lines = err.splitlines()
    assert err.count("Poe could not be reached") == 1, err
    # Each retry is still announced, and the last line says the job gave up.
    assert lines[0].startswith("Poe could not be reached (127.0.0.1).")
    assert lines[0].endswith("Retrying in 0.5 s…")
    assert lines[1:] == ["Retrying in 1 s…", "Gave up after 3 attempts."]


async def test_a_failure_mid_answer_does_not_speak_of_an_edit(
    fake: FakePoe, tmp_path: Path
) -> None:
    path = sample(tmp_path)
    code, out, err = await ask(fake, str(path), "hi", "--bot", "FailsMidStreamBot")
    assert (code, out) == (1, "partial 0 partial 1 \n")
    assert err == (
        "FailsMidStreamBot failed in the middle of its answer (The model stopped "
        "unexpectedly.). The answer above is incomplete; try again.\n"
    )
    code, out, err = await ask(
        fake, f"{path}:4-5", "hi", "--bot", "FailsMidStreamBot", "--action", "refactor", "--apply"
    )
    assert (code, out) == (1, "")
    assert err.endswith(". The file is unchanged; try again.\n")
    assert path.read_text() == SOURCE


async def test_a_bad_setting_is_reported_once(fake: FakePoe, tmp_path: Path) -> None:
    path = sample(tmp_path)
    settings = settings_file(tmp_path, {"context": {"linesBefore": "x"}})
    code, _, err = await ask(fake, str(path), "hi", "--bot", "EchoBot", "--settings", settings)
    assert code == 0
    assert err == (
        "poe-lsp: the context.linesBefore setting (VS Code: poe.context.linesBefore) should "
        "be a non-negative whole number, not 'x'; using the default 40.\n"
    )
