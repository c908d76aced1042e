"""``poe-lsp ask``: one job from the command line, for scripts.

``poe-lsp ask FILE[:START[-END]] "prompt" [--bot NAME] [--action ...] [--apply]``
builds the same prompt the editor would (context, budget, templates), streams
the answer from the same client (bot protocol or OpenAI-compatible endpoint,
with attachments as ``context.attachFile`` says) and prints it; with
``--apply`` the edit is written to FILE and a unified diff is printed instead.

Settings: the environment (``POE_API_KEY``, ``POE_LSP_BASE_URL``, …) and an
optional ``--settings FILE`` holding a JSON object with the keys of
``initializationOptions``.  Exit codes: 0 done, 1 the job failed (the error
sentence on stderr), 2 usage error, 130 interrupted.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from poe_lsp.core.context import compose_prompt
from poe_lsp.core.errors import ErrorKind, PoeError
from poe_lsp.core.logs import add_secret
from poe_lsp.core.prompts import PromptTooLarge
from poe_lsp.core.settings import PARAMETERS_IGNORED_NOTE, Secrets, Settings, SettingsReader
from poe_lsp.poe.attachments import FileToAttach, Uploader
from poe_lsp.poe.pipeline import AnswerRequest, stream_answer
from poe_lsp.poe.transport import Transport, open_transport

from .ask_target import Target, UsageError, language_of, read_target
from .terminal import EscapedStream, escape, unified_diff

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130
ACTIONS = ("ask", "explain", "refactor", "document")


def build_parser() -> argparse.ArgumentParser:
    """``poe-lsp ask``'s command line."""
    parser = argparse.ArgumentParser(
        prog="poe-lsp ask",
        description="Ask a Poe bot about a file (or some of its lines) and print the answer.",
        epilog="Exit codes: 0 done, 1 the job failed (the reason on stderr), "
        "2 usage error, 130 interrupted.",
    )
    parser.add_argument(
        "file",
        metavar="FILE[:START[-END]]",
        help="the file, '-' for stdin; START-END are 1-based line numbers (END included)",
    )
    parser.add_argument(
        "prompt",
        nargs="?",
        default="",
        help="the question (ask), the instruction (refactor), or extra guidance",
    )
    parser.add_argument("--bot", help="the bot (default: the settings' bot for the action)")
    parser.add_argument(
        "--action",
        choices=ACTIONS,
        default="ask",
        help="ask (default): a free-form prompt; explain; refactor: rewrite the lines; "
        "document: write the doc comment of the definition at START",
    )
    parser.add_argument(
        "--apply",
        action="store_true",
        help="refactor/document/ask: write the edit to FILE and print a diff",
    )
    parser.add_argument(
        "--settings",
        metavar="JSON_FILE",
        help="settings as a JSON object with the keys of initializationOptions",
    )
    parser.add_argument("--language", help="the LSP language id (default: from the extension)")
    return parser


def load_options(path: str | None) -> dict[str, Any]:
    """The ``--settings`` JSON object ({} without the option)."""
    if path is None:
        return {}
    try:
        options = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise UsageError(f"cannot read the settings file {path}: {exc}") from None
    if not isinstance(options, dict):
        raise UsageError(f"the settings file {path} must hold a JSON object.")
    return options


@dataclass
class Plan:
    """What to send and how to turn the answer into the file's new text."""

    action: str
    prompt: str
    trimmed: bool
    span: tuple[int, int]
    render: Any = None
    """``answer -> replacement text`` for --apply."""


def plan(args: argparse.Namespace, settings: Settings, target: Target, language: str) -> Plan:
    """Build the prompt (and, for --apply, the renderer) exactly as the editor does."""
    from poe_lsp.core.prompts import edit_output_hint

    action, text = args.action, target.text
    path = target.path if target.path != "-" else "<stdin>"
    question = args.prompt
    if action == "document":
        return _plan_document(settings, target, language, path, question)
    if action == "ask" and not question.strip():
        raise UsageError('ask needs a prompt, e.g. poe-lsp ask file.py:3-9 "what does this do?"')
    whole = target.lines is None
    if args.apply and action == "explain":
        raise UsageError("--apply writes an edit; explain has none (use refactor or ask).")
    if args.apply and action == "ask" and whole:
        raise UsageError("--apply with ask needs FILE:START-END, the lines to rewrite.")
    suffix = ("\n\n" + edit_output_hint) if action == "ask" and args.apply else ""
    composed = compose_prompt(
        settings,
        action=action,
        text=text,
        language=language,
        path=path,
        start=target.start,
        end=target.end,
        whole_file=whole and action == "ask",
        instruction=question if action in ("ask", "refactor") else "",
        suffix=suffix,
    )
    prompt = composed.prompt
    if action == "explain" and question.strip():
        prompt += f"\n\nThe programmer adds: {question.strip()}"
    render = None
    if args.apply:
        from poe_lsp.core.planning import code_renderer

        line_start = text.rfind("\n", 0, target.start) + 1
        code = code_renderer(text[target.start : target.end], text[line_start : target.start])
        render = lambda answer: code(answer, True)  # noqa: E731
    return Plan(action, prompt, composed.trimmed, (target.start, target.end), render)


def _plan_document(
    settings: Settings, target: Target, language: str, path: str, question: str
) -> Plan:
    from poe_lsp.core.planning import plan_document

    if target.lines is None:
        raise UsageError("--action document needs FILE:LINE, a line inside the definition.")
    text = target.text
    doc_plan = plan_document(text, language, target.start, target.start)
    if doc_plan is None:
        raise UsageError(
            f"no function, method or class at line {target.lines[0]} of {path} "
            f"(language '{language}')."
        )
    instruction = doc_plan.instruction
    if question.strip():
        instruction += f"\n{question.strip()}"
    composed = compose_prompt(
        settings,
        action="document",
        text=text,
        language=language,
        path=path,
        start=doc_plan.prompt_span.start,
        end=doc_plan.prompt_span.end,
        instruction=instruction,
    )
    span = doc_plan.span

    def render(answer: str) -> str | None:
        return doc_plan.render(answer, True)

    return Plan("document", composed.prompt, composed.trimmed, (span.start, span.end), render)


def say(text: str) -> None:
    """One line to stderr, escaped: sentences may quote a bot's own error text."""
    print(escape(text), file=sys.stderr)


class Notices:
    """What was said on stderr, so a sentence repeated by a retry is said once."""

    def __init__(self) -> None:
        self.said: set[str] = set()
        self.retries = 0

    def retry(self, error: PoeError, delay: float) -> None:
        """Called before each wait for a retry."""
        self.retries += 1
        seconds = f"{delay:.1f}".removesuffix(".0")
        if error.message in self.said:
            say(f"Retrying in {seconds} s…")
        else:
            self.said.add(error.message)
            say(f"{error.message} Retrying in {seconds} s…")

    def failed(self, error: PoeError, applying: bool) -> None:
        """The job failed: its sentence, unless a retry notice already said it."""
        if error.message in self.said:
            say(f"Gave up after {self.retries + 1} attempts.")
        elif error.kind is ErrorKind.BOT_FAILED_MID_ANSWER:
            # The server's sentence speaks of undoing a partial edit; here nothing
            # has been written, and without --apply nothing ever is.
            detail = f" ({error.detail})" if error.detail else ""
            after = "The file is unchanged" if applying else "The answer above is incomplete"
            say(f"{error.bot} failed in the middle of its answer{detail}. {after}; try again.")
        else:
            say(error.message)


async def run(args: argparse.Namespace) -> int:
    """Run one job; return the exit code."""
    problems: list[str] = []
    reader = SettingsReader(problems.append)
    # The reader also logs each problem, and here the log is stderr too:
    # each sentence is printed once, below.
    logging.getLogger("poe_lsp.core.settings").setLevel(logging.ERROR)
    options = load_options(args.settings)
    secrets = reader.read_secrets(options)
    add_secret(secrets.api_key)
    settings = reader.read(options, None)
    for problem in problems:
        say(problem)
    if args.apply and args.file.split(":")[0] == "-":
        raise UsageError("--apply writes to FILE; it cannot write to stdin.")
    target = read_target(args.file)
    language = language_of(target, args.language)
    action = args.action
    bot = args.bot or settings.bot_for(action)
    try:
        the_plan = plan(args, settings, target, language)
    except PromptTooLarge as exc:
        say(exc.message)
        return EXIT_FAILED
    parameters = settings.parameters_for(bot)
    if parameters and secrets.transport == "openai":
        say(PARAMETERS_IGNORED_NOTE)
    transport = open_transport(secrets)
    files = _attachments(settings, secrets, target, the_plan)
    request = AnswerRequest.from_settings(settings, bot, the_plan.prompt, parameters, files)
    uploader = Uploader(secrets.api_key, secrets.upload_url, limiter=transport.limiter)
    notices = Notices()
    try:
        answer = await _stream(transport, uploader, request, notices, printing=not args.apply)
    except PoeError as exc:
        notices.failed(exc, args.apply)
        return EXIT_FAILED
    finally:
        await transport.aclose()
    if args.apply:
        return _apply(target, the_plan, answer)
    return EXIT_OK


def _attachments(
    settings: Settings, secrets: Secrets, target: Target, the_plan: Plan
) -> tuple[FileToAttach, ...]:
    """The file itself, when ``context.attachFile`` asks for it."""
    mode = settings.attach_file
    if not (mode == "always" or (mode == "whenTrimmed" and the_plan.trimmed)):
        return ()
    if secrets.transport == "openai":
        say("context.attachFile ignored: transport openai has no attachments.")
        return ()
    name = Path(target.path).name if target.path != "-" else "stdin.txt"
    return (FileToAttach(name, target.text.encode("utf-8"), optional=mode == "whenTrimmed"),)


async def _stream(
    transport: Transport,
    uploader: Uploader,
    request: AnswerRequest,
    notices: Notices,
    *,
    printing: bool,
) -> str:
    """Stream the answer; print it (escaped) as it comes when ``printing``."""
    text = printed = ""
    out = EscapedStream(sys.stdout)
    answers = stream_answer(transport, uploader, request, warn=say, on_retry=notices.retry)
    try:
        async with contextlib.aclosing(answers) as stream:
            async for text in stream:
                if not printing:
                    continue
                if text.startswith(printed):
                    out.write(text[len(printed) :])
                else:
                    # The bot replaced its draft: the final text follows a rule.
                    out.write("\n\n---\n\n" + text)
                printed = text
    finally:
        # Also after a failure: its sentence must start on a line of its own.
        out.finish()
        if printed and not printed.endswith("\n"):
            sys.stdout.write("\n")
            sys.stdout.flush()
    return text


def _apply(target: Target, the_plan: Plan, answer: str) -> int:
    """Write the edit (all or nothing) and print the diff of exactly what was written."""
    from .filewrite import WriteFailed, replace_text

    new_part = the_plan.render(answer) if the_plan.render else None
    if new_part is None:
        say("The bot's answer held no code to write; the file is unchanged.")
        return EXIT_FAILED
    # New lines take the file's line ending; the rest of the file keeps its own.
    new_part = new_part.replace("\r\n", "\n").replace("\n", target.newline)
    start, end = the_plan.span
    old = target.text
    new = old[:start] + new_part + old[end:]
    if new != old:
        try:
            replace_text(target.path, new, expected=old)
        except WriteFailed as exc:
            say(str(exc))
            return EXIT_FAILED
    sys.stdout.write(unified_diff(old, new, Path(target.path).name))
    return EXIT_OK


def main(argv: list[str]) -> int:
    """``poe-lsp ask ...``: parse, run, and map every outcome to an exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)  # exits 2 on a usage error
    try:
        return asyncio.run(run(args))
    except UsageError as exc:
        parser.print_usage(sys.stderr)
        say(f"poe-lsp ask: error: {exc}")
        return EXIT_USAGE
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader went away (``| head``): stop quietly, as other tools do.
        with contextlib.suppress(OSError):
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115
        return EXIT_FAILED
