"""The ``poe-lsp`` command: the server (stdio or TCP), ``check``, ``demo`` and ``ask``."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys

from poe_lsp import __version__
from poe_lsp.core.logs import setup_logging
from poe_lsp.core.settings import SettingsReader, mask


def build_parser() -> argparse.ArgumentParser:
    """The command line, as documented in the README."""
    parser = argparse.ArgumentParser(
        prog="poe-lsp",
        description="A language server that sends your selection to a Poe bot and streams "
        "the answer back into the editor.",
    )
    parser.add_argument(
        "verb",
        nargs="?",
        choices=["demo", "check", "ask"],
        help="demo: show the server at work on a sample file; "
        "check: print the effective configuration and probe the bot endpoint; "
        "ask: one job from the command line (poe-lsp ask --help)",
    )
    parser.add_argument("--version", action="version", version=f"poe-lsp {__version__}")
    parser.add_argument(
        "--stdio",
        action="store_true",
        help="serve on stdio (the default; accepted because many clients pass it)",
    )
    parser.add_argument("--tcp", action="store_true", help="serve on TCP instead of stdio")
    parser.add_argument("--host", default="127.0.0.1", help="TCP host (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=2087, help="TCP port (default 2087)")
    parser.add_argument("--log-file", help="write the log to this file")
    parser.add_argument(
        "--log-level",
        default=None,
        choices=["debug", "info", "warning", "error"],
        help="log level (default: info with --log-file, warning otherwise)",
    )
    parser.add_argument("--bot", default=None, help="demo/check: the bot to use")
    parser.add_argument(
        "--serve",
        type=int,
        metavar="PORT",
        default=None,
        help="demo: only serve the local demo bot on 127.0.0.1:PORT (0: any free port), "
        "for trying an editor client without a key",
    )
    return parser


async def check(bot: str | None) -> int:
    """Print the effective configuration (key masked) and probe the bot endpoint."""
    from poe_lsp.poe.transport import open_transport

    problems: list[str] = []
    reader = SettingsReader(problems.append)
    secrets = reader.read_secrets({})
    settings = reader.read({}, None)
    target = bot or settings.bot
    print(f"poe-lsp {__version__} (Python {sys.version.split()[0]})")
    print(f"  API key:       {mask(secrets.api_key)} (from POE_API_KEY)")
    print(f"  bot endpoint:  {secrets.base_url}")
    print(f"  upload:        {secrets.upload_url}")
    if secrets.transport == "openai":
        print(f"  transport:     openai, {secrets.openai_base_url} (chat completions)")
    else:
        print("  transport:     poe (bot protocol)")
    print(f"  default bot:   {settings.bot}")
    print(
        f"  context:       {settings.lines_before} lines before, {settings.lines_after} "
        f"after, at most {settings.max_chars} characters"
    )
    print(f"  edits:         {settings.edits_mode}")
    for problem in problems:
        print(f"  problem:       {problem}")
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
        print(f"  {target} at {where}: {description}")
    else:
        print(f"  {target} at {where}: not probed. {description}")
    return 0 if ok else 1


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``poe-lsp`` console script and ``python -m poe_lsp``."""
    raw = sys.argv[1:] if argv is None else argv
    if raw[:1] == ["ask"]:
        from .ask import main as ask_main

        secret = os.environ.get("POE_API_KEY", "")
        setup_logging(None, "warning", secrets=[secret] if secret else [])
        sys.exit(ask_main(raw[1:]))
    args = build_parser().parse_args(argv)
    level = args.log_level or ("info" if args.log_file else "warning")
    secret = os.environ.get("POE_API_KEY", "")
    setup_logging(args.log_file, level, secrets=[secret] if secret else [])
    if args.verb == "check":
        sys.exit(asyncio.run(check(args.bot)))
    if args.verb == "demo" and args.serve is not None:
        from .demo_bot import serve_forever

        try:
            sys.exit(asyncio.run(serve_forever(args.serve)))
        except KeyboardInterrupt:
            sys.exit(0)
    if args.verb == "demo":
        from .demo import run_demo

        sys.exit(asyncio.run(run_demo(args.bot)))
    logging.getLogger(__name__).info("poe-lsp %s starting", __version__)
    if args.tcp:
        from poe_lsp.lsp import serve_tcp

        serve_tcp(args.host, args.port)
    else:
        from poe_lsp.lsp import serve_stdio

        serve_stdio()
