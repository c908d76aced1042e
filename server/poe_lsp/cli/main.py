"""The ``poe-lsp`` command: the server (stdio or TCP), ``check``, ``demo`` and ``ask``."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from typing import Any

from poe_lsp import __version__
from poe_lsp.core.logs import setup_logging
from poe_lsp.core.settings import SettingsReader, mask

from .terminal import escape


def _add_bot(parser: argparse.ArgumentParser, default: Any) -> None:
    parser.add_argument("--bot", default=default, help="the bot to use (default: GPT-5)")


def build_parser() -> argparse.ArgumentParser:
    """The command line, as documented in the README: serve, or one of the verbs."""
    parser = argparse.ArgumentParser(
        prog="poe-lsp",
        description="A language server that sends your selection to a Poe bot and streams "
        "the answer back into the editor. Without a verb it serves LSP (stdio by default).",
    )
    parser.add_argument("--version", action="version", version=f"poe-lsp {__version__}")
    parser.add_argument(
        "--stdio",
        action="store_true",
        help="serve on stdio (the default; accepted because many clients pass it)",
    )
    parser.add_argument(
        "--tcp",
        action="store_true",
        help="serve one client on TCP instead of stdio; it must send the token as "
        "initializationOptions.tcpToken",
    )
    parser.add_argument("--host", default="127.0.0.1", help="TCP host (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=2087, help="TCP port (default 2087)")
    parser.add_argument(
        "--token-file",
        metavar="PATH",
        help="TCP: read the token from this file (yours, mode 600); otherwise from "
        "POE_LSP_TCP_TOKEN, otherwise a new one is written to a file named on stderr",
    )
    parser.add_argument("--log-file", help="write the log to this file")
    parser.add_argument(
        "--log-level",
        default=None,
        choices=["debug", "info", "warning", "error"],
        help="log level (default: info with --log-file, warning otherwise)",
    )
    # Accepted before the verb too (poe-lsp --bot X demo), as it always was.
    _add_bot(parser, None)
    verbs = parser.add_subparsers(dest="verb", metavar="{demo,check,ask}")
    demo = verbs.add_parser(
        "demo",
        help="show the server at work on a sample file",
        description="Run the language server on a copy of a bundled sample file: explain, "
        "refactor and document one function, printing what streams back. Without "
        "POE_API_KEY a local demo bot answers and nothing leaves this machine; with it, "
        "the steps spend Poe points.",
    )
    check = verbs.add_parser(
        "check",
        help="print the effective configuration and probe the bot endpoint",
        description="Print the configuration the server would use (the API key masked) "
        "and ask the bot endpoint whether the bot answers (no points are spent). "
        "Exits 0 when a key is set and the bot answers, 1 otherwise.",
    )
    for verb in (demo, check):
        # SUPPRESS: an absent --bot after the verb keeps the one given before it.
        _add_bot(verb, argparse.SUPPRESS)
    demo.add_argument(
        "--serve",
        type=int,
        metavar="PORT",
        default=None,
        help="only serve the local demo bot on 127.0.0.1:PORT (0: any free port), "
        "for trying an editor client without a key",
    )
    verbs.add_parser(
        "ask", help="one job from the command line (poe-lsp ask --help)", add_help=False
    )
    return parser


def _say(text: str = "") -> None:
    # Settings and endpoint sentences quote values from outside: escaped.
    print(escape(text))


async def check(bot: str | None, log_file: str | None = None) -> int:
    """Print the effective configuration (key masked) and probe the bot endpoint."""
    from poe_lsp.poe.transport import open_transport

    problems: list[str] = []
    reader = SettingsReader(problems.append)
    if not log_file:
        # The reader logs each problem too; on stderr that would say it twice.
        logging.getLogger("poe_lsp.core.settings").setLevel(logging.ERROR)
    secrets = reader.read_secrets({})
    settings = reader.read({}, None)
    target = bot or settings.bot
    _say(f"poe-lsp {__version__} (Python {sys.version.split()[0]})")
    _say(f"  API key:       {mask(secrets.api_key)} (from POE_API_KEY)")
    _say(f"  bot endpoint:  {secrets.base_url}")
    _say(f"  upload:        {secrets.upload_url}")
    if secrets.transport == "openai":
        _say(f"  transport:     openai, {secrets.openai_base_url} (chat completions)")
    else:
        _say("  transport:     poe (bot protocol)")
    _say(f"  default bot:   {settings.bot}")
    _say(
        f"  context:       {settings.lines_before} lines before, {settings.lines_after} "
        f"after, at most {settings.max_chars} characters"
    )
    _say(f"  edits:         {settings.edits_mode}")
    for problem in problems:
        _say(f"  problem:       {problem}")
    # Without a key the probe answers the no-key sentence and sends nothing:
    # a made-up bearer token would tell nothing true about the endpoint.
    transport = open_transport(secrets)
    try:
        ok, description = await transport.probe(target)
    finally:
        await transport.aclose()
    where = (
        f"{secrets.openai_base_url}/models"
        if secrets.transport == "openai"
        else f"{secrets.base_url}{target}"
    )
    if secrets.api_key:
        _say(f"  {target} at {where}: {description}")
    else:
        _say(f"  {target} at {where}: not probed. {description}")
    return 0 if ok else 1


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``poe-lsp`` console script and ``python -m poe_lsp``."""
    raw = sys.argv[1:] if argv is None else argv
    if raw[:1] == ["ask"]:
        from poe_lsp.cli.ask import main as ask_main

        secret = os.environ.get("POE_API_KEY", "")
        setup_logging(None, "warning", secrets=[secret] if secret else [])
        sys.exit(ask_main(raw[1:]))
    parser = build_parser()
    args, extra = parser.parse_known_args(raw)
    if args.verb == "ask":
        parser.error('ask comes first, its options after it: poe-lsp ask FILE "prompt" ...')
    if extra:
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    level = args.log_level or ("info" if args.log_file else "warning")
    secret = os.environ.get("POE_API_KEY", "")
    setup_logging(args.log_file, level, secrets=[secret] if secret else [])
    if args.verb == "check":
        sys.exit(asyncio.run(check(args.bot, args.log_file)))
    if args.verb == "demo" and getattr(args, "serve", None) is not None:
        from poe_lsp.cli.demo_bot import serve_forever

        try:
            sys.exit(asyncio.run(serve_forever(args.serve)))
        except KeyboardInterrupt:
            sys.exit(0)
    if args.verb == "demo":
        from poe_lsp.cli.demo import run_demo

        sys.exit(asyncio.run(run_demo(args.bot)))
    logging.getLogger(__name__).info("poe-lsp %s starting", __version__)
    if args.tcp:
        from poe_lsp.lsp import serve_tcp

        sys.exit(serve_tcp(args.host, args.port, args.token_file, args.log_file))
    else:
        from poe_lsp.lsp import serve_stdio

        serve_stdio()
