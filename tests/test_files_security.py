"""The files the server keeps are the user's alone (issue 17, items 8 and 9).

The start-up code cache holds code that runs at every start: it is created
private whatever the umask, and loaded only from a regular file and a
directory that belong to the user and that nobody else can write, never
through a symbolic link.  Each refusal is proved by a planted cache whose
every entry leaves a marker file when it runs; the control test shows the
same plant does run once it is the user's own private file.

The log quotes text a bot chooses: it is written with control characters
escaped, to a file only the user can read, never through a link, and with
the key redacted even at debug level.
"""

from __future__ import annotations

import marshal
import os
import stat
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from poe_lsp.lsp import startup

from conftest import MakeEditor
from editor import TEST_KEY
from fakepoe import FakePoe

POE_LSP = str(Path(sys.executable).with_name("poe-lsp"))
CACHE_NAME = f"attrs-code-{sys.implementation.cache_tag}.marshal"
MARKER_ENV = "POE_LSP_TEST_MARKER"
# Prepended to every cached entry: when the cache runs, the marker appears.
PLANT = f"open(__import__('os').environ[{MARKER_ENV!r}], 'a').close()\n"
OTHER_UID = 4242


def read_log(path: Path) -> str:
    """The server's log so far (it is flushed line by line)."""
    return path.read_text(encoding="utf-8")


def start_server(
    cache_home: Path, *, marker: Path | None = None, umask: int = 0o022, args: tuple[str, ...] = ()
) -> subprocess.CompletedProcess[str]:
    """Start the real server on stdio and let it end at end of input (the start-up runs whole)."""
    env = {**os.environ, "XDG_CACHE_HOME": str(cache_home), "POE_API_KEY": TEST_KEY}
    env.pop("POE_LSP_NO_CODE_CACHE", None)
    if marker is not None:
        env[MARKER_ENV] = str(marker)
    result = subprocess.run(
        [POE_LSP, *args],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        env=env,
        umask=umask,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """A cache file as the server writes it, with every entry made to leave the marker."""
    home = tmp_path_factory.mktemp("pristine")
    start_server(home)
    header, codes = marshal.loads((home / "poe-lsp" / CACHE_NAME).read_bytes())
    tampered = {}
    for key in codes:
        mode, filename, source = key.split("\0", 2)
        tampered[key] = compile(PLANT + source, filename, mode)
    return marshal.dumps((header, tampered))


def plant(directory: Path, data: bytes) -> Path:
    """``data`` as the cache file of ``directory``: a private directory and file of the user's."""
    directory.mkdir(mode=0o700, parents=True)
    directory.chmod(0o700)
    path = directory / CACHE_NAME
    path.write_bytes(data)
    path.chmod(0o600)
    return path


def test_the_users_own_private_cache_is_used(planted: bytes, tmp_path: Path) -> None:
    # The control for every refusal below: this plant does run when trusted.
    plant(tmp_path / "cache" / "poe-lsp", planted)
    marker = tmp_path / "ran"
    start_server(tmp_path / "cache", marker=marker)
    assert marker.exists()


def _symlinked_file(cache: Path, elsewhere: Path) -> None:
    target = elsewhere / "private.marshal"
    (cache / CACHE_NAME).rename(target)
    (cache / CACHE_NAME).symlink_to(target)


def _symlinked_dir(cache: Path, elsewhere: Path) -> None:
    target = elsewhere / "private-dir"
    cache.rename(target)
    cache.symlink_to(target, target_is_directory=True)


UNTRUSTED: dict[str, Callable[[Path, Path], None]] = {
    "file-writable-by-group": lambda cache, _: (cache / CACHE_NAME).chmod(0o620),
    "file-writable-by-others": lambda cache, _: (cache / CACHE_NAME).chmod(0o602),
    "dir-writable-by-group": lambda cache, _: cache.chmod(0o770),
    "dir-writable-by-everyone": lambda cache, _: cache.chmod(0o777),
    "file-of-another-user": lambda cache, _: os.chown(cache / CACHE_NAME, OTHER_UID, -1),
    "dir-of-another-user": lambda cache, _: os.chown(cache, OTHER_UID, -1),
    "file-is-a-symlink": _symlinked_file,
    "dir-is-a-symlink": _symlinked_dir,
}


@pytest.mark.parametrize("case", list(UNTRUSTED))
def test_a_cache_someone_else_could_write_never_runs(
    planted: bytes, tmp_path: Path, case: str
) -> None:
    if "another-user" in case and os.geteuid() != 0:
        pytest.skip("chown to another user needs root")
    cache = tmp_path / "cache" / "poe-lsp"
    plant(cache, planted)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir(mode=0o700)
    UNTRUSTED[case](cache, elsewhere)
    marker = tmp_path / "ran"
    start_server(tmp_path / "cache", marker=marker)
    assert not marker.exists(), f"the {case} cache was executed"
    # Nothing was written through a link or into another user's directory.
    for path in elsewhere.rglob("*"):
        assert path.is_dir() or path.read_bytes() == planted
    if case == "dir-of-another-user":
        assert (cache / CACHE_NAME).read_bytes() == planted


@pytest.mark.parametrize("existing_dir", [None, 0o775], ids=["fresh", "older-0775-dir"])
def test_the_cache_is_created_private_whatever_the_umask(
    tmp_path: Path, existing_dir: int | None
) -> None:
    cache = tmp_path / "cache" / "poe-lsp"
    if existing_dir is not None:
        cache.mkdir(parents=True)
        cache.chmod(existing_dir)
    start_server(tmp_path / "cache", umask=0o002)
    assert stat.S_IMODE(cache.stat().st_mode) == 0o700
    assert stat.S_IMODE((cache / CACHE_NAME).stat().st_mode) == 0o600
    assert [p.name for p in cache.iterdir()] == [CACHE_NAME], "a temporary file was left"


def test_the_temporary_file_is_never_opened_through_a_link(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The temporary name is random; fixing it here lets the test plant a link on it.
    monkeypatch.setattr(startup.secrets, "token_hex", lambda _n: "fixed")
    cache = tmp_path / "poe-lsp"
    cache.mkdir(mode=0o700)
    victim = tmp_path / "victim.txt"
    victim.write_text("the user's file\n")
    (cache / f".{CACHE_NAME}.fixed.tmp").symlink_to(victim)
    startup._save(cache / CACHE_NAME, {"key": compile("x = 1", "<test>", "exec")})
    assert victim.read_text() == "the user's file\n"
    assert not (cache / CACHE_NAME).exists()


# -- the log ------------------------------------------------------------------------------

SOURCE = "def total(prices):\n    return sum(prices)\n"
# ESC ] 0 ; … BEL retitles the window; U+009B is a one-character CSI (erase display).
EVENT_NAME = "\x1b]0;owned\x07\x9b2J"


async def test_a_bots_unknown_event_name_reaches_the_log_escaped(
    make_editor: MakeEditor, fake: FakePoe, log_file: Path
) -> None:
    editor = await make_editor(init_options={"allowedBots": ["UnknownEventBot"]})
    uri = editor.open("shop.py", SOURCE)
    argument = {
        "uri": uri,
        "range": editor.range_of(uri, "def total(prices):"),
        "bot": "UnknownEventBot",
        "parameters": {"event": EVENT_NAME},
    }
    done = await editor.run("poe.explain", argument)
    assert done["status"] == "done", done
    log = read_log(log_file)
    assert "\\x1b]0;owned\\x07\\x9b2J" in log, "the event name was not logged escaped"
    # Line breaks separate records; any other C0, DEL or C1 character is raw.
    raw = {c for c in log if c != "\n" and (ord(c) < 0x20 or 0x7F <= ord(c) < 0xA0)}
    assert not raw, f"raw control characters in the log: {raw!r}"


@pytest.mark.parametrize("umask", [0o022, 0o002], ids=["umask-022", "umask-002"])
@pytest.mark.parametrize("existing", [None, 0o644], ids=["new", "existing-0644"])
def test_the_log_file_is_readable_by_the_user_alone(
    tmp_path: Path, umask: int, existing: int | None
) -> None:
    log = tmp_path / "logs" / "poe-lsp.log"
    if existing is not None:
        log.parent.mkdir()
        log.write_text("an older log\n")
        log.chmod(existing)
    start_server(tmp_path / "cache", umask=umask, args=("--log-file", str(log)))
    assert stat.S_IMODE(log.stat().st_mode) == 0o600
    assert "starting" in log.read_text()


def test_the_log_is_never_written_through_a_symlink(tmp_path: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("the user's file\n")
    link = tmp_path / "poe-lsp.log"
    link.symlink_to(victim)
    result = start_server(tmp_path / "cache", args=("--log-file", str(link)))
    assert victim.read_text() == "the user's file\n"
    assert f"cannot write the log file {link} (it is a symbolic link)" in result.stderr


async def test_the_debug_log_records_the_code_but_never_the_key(
    make_editor: MakeEditor, log_file: Path
) -> None:
    # tests/editor.py starts every test server at --log-level debug.
    key = "init-key-3e8a5b71-never-in-the-log"
    editor = await make_editor(
        init_options={"allowedBots": ["EchoBot"], "apiKey": key}, env={"POE_API_KEY": None}
    )
    uri = editor.open("shop.py", SOURCE)
    argument = {"uri": uri, "range": editor.range_of(uri, "return sum(prices)"), "bot": "EchoBot"}
    done = await editor.run("poe.explain", argument)
    assert done["status"] == "done", done
    log = read_log(log_file)
    # What the README says debug level records: every message, the user's code included.
    assert "return sum(prices)" in log and "'apiKey': '[redacted]'" in log
    assert key not in log and key[:12] not in log


async def test_the_info_log_records_no_code(make_editor: MakeEditor, log_file: Path) -> None:
    editor = await make_editor(
        init_options={"allowedBots": ["EchoBot", "FencedCodeBot"]}, log_level="info"
    )
    uri = editor.open("shop.py", SOURCE)
    explain = {"uri": uri, "range": editor.range_of(uri, "return sum(prices)"), "bot": "EchoBot"}
    refactor = {**explain, "bot": "FencedCodeBot"}
    assert (await editor.run("poe.explain", explain))["status"] == "done"
    assert (await editor.run("poe.refactor", refactor))["status"] == "done"
    log = read_log(log_file)
    assert "refactor done" in log, "the info log recorded too little"
    assert "sum(prices)" not in log
    assert "def greet" not in log  # FencedCodeBot's code (fakepoe.DEFAULT_CODE)
