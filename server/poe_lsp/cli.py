"""The ``poe-lsp`` command: the server (stdio or TCP), ``check``, ``demo`` and ``ask``."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from typing import BinaryIO

from . import __version__
from .logs import add_secret, setup_logging
from .settings import SettingsReader, mask


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
    parser.add_argument("--bot", default=None, help="demo/check: the bot to use")
    return parser


def serve_stdio() -> None:
    """Serve LSP on stdio; nothing but LSP frames ever reaches stdout."""
    from .startup import import_lsprotocol

    import_lsprotocol()  # first, with its code cache (start-up time)
    from .server import create_server

    stdin: BinaryIO = sys.stdin.buffer
    stdout: BinaryIO = sys.stdout.buffer
    # Libraries that print (fastapi-poe does on errors) must not corrupt the frames.
    sys.stdout = sys.stderr
    create_server().start_io(stdin, stdout)


def serve_tcp(host: str, port: int, token_file: str | None, log_file: str | None) -> int:
    """Serve one LSP client on a TCP port, once it has sent the token; the exit code."""
    from .tcp import TokenError, is_loopback, resolve_token

    try:
        token, written = resolve_token(port, token_file)
    except TokenError as exc:
        print(f"poe-lsp: {exc}", file=sys.stderr)
        return 2
    add_secret(token)
    if not is_loopback(host):
        warning = (
            f"poe-lsp: listening on {host or 'every interface'}, not only on loopback: "
            "other machines can reach this port (the token is sent unencrypted)."
        )
        print(warning, file=sys.stderr, flush=True)
        if log_file:
            logging.getLogger(__name__).warning("%s", warning)
    if written is not None:
        print(
            f"poe-lsp: the TCP token is in {written}; the client sends it as "
            "initializationOptions.tcpToken.",
            file=sys.stderr,
            flush=True,
        )
    from .startup import import_lsprotocol

    import_lsprotocol()
    from .server import create_server

    try:
        return 0 if create_server().start_tcp(host, port, token) else 1
    finally:
        if written is not None:
            written.unlink(missing_ok=True)


async def check(bot: str | None) -> int:
    """Print the effective configuration (key masked) and probe the bot endpoint."""
    from .poe_client import PoeClient

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
    client = PoeClient(secrets.api_key, secrets.base_url)
    try:
        ok, description = await client.probe(target)
    finally:
        await client.aclose()
    if secrets.api_key:
        print(f"  {target} at {secrets.base_url}{target}: {description}")
    else:
        print(f"  {target} at {secrets.base_url}{target}: not probed. {description}")
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
    if args.verb == "demo":
        from .demo import run_demo

        sys.exit(asyncio.run(run_demo(args.bot)))
    logging.getLogger(__name__).info("poe-lsp %s starting", __version__)
    if args.tcp:
        sys.exit(serve_tcp(args.host, args.port, args.token_file, args.log_file))
    else:
        serve_stdio()
