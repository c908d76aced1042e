"""User-defined actions: Markdown files whose front matter describes an action
and whose body is its prompt template (README "Your own actions").

A file ``<name>.md`` looks like this::

    ---
    title: Explain like I'm new here
    bot: Claude-Sonnet-4.5
    output: explain
    languages: [python, lua]
    parameters:
      thinking_budget: 1024
    ---
    Explain {selection} from {path} to a newcomer.

YAML is not a dependency, so the front matter is a small strict subset of it,
read by :func:`parse_action`:

* one ``key: value`` per line; blank lines and lines starting with ``#`` are
  skipped; a key appears once; an unknown key is an error (a typo must not
  silently drop a setting);
* a value is plain text to the end of the line, or a JSON string in double
  quotes (for text with a leading ``#``, ``[``, ``{`` or surrounding spaces);
* ``languages`` is a flow list ``[python, lua]`` (words or JSON strings), or
  an empty value followed by indented ``- python`` lines;
* ``parameters`` is a JSON object on the line, or an empty value followed by
  indented ``name: value`` lines whose values are JSON (``1024``, ``true``,
  ``"text"``) or else plain text.

Every problem is a :class:`ActionFileError` naming the line, so that the user
is told where to look; the file is then skipped and the others still load.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from .actions import ACTIONS
from .botnames import BOT_NAME_RULE, is_bot_name
from .prompts import template_problem

Source = Literal["user", "workspace"]
Output = Literal["explain", "edit"]

NAME_RULE = "lowercase letters, digits, '-' and '_', starting with a letter or digit, at most 64"
_NAME_RE = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}\Z")
_LANGUAGE_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.+#-]{0,63}\Z")
_KEY_RE = re.compile(r"([A-Za-z_][A-Za-z0-9_.-]*)\s*:(?:\s+(.*)|\s*)\Z")

RESERVED_NAMES: frozenset[str] = frozenset(ACTIONS) | {
    # The words clients already use for their own commands (``:Poe bot``, …).
    "accept",
    "actions",
    "bot",
    "bots",
    "cancel",
    "close",
    "compare",
    "follow",
    "followup",
    "health",
    "help",
    "last",
    "list",
    "log",
    "reject",
    "run",
    "status",
    "use",
    "usage",
}
"""Names a user action may not take: built-in actions and client subcommands."""

MAX_FILE_BYTES = 32_000
"""A longer action file is refused (the template alone is bounded far below it)."""
MAX_FILES_PER_FOLDER = 100
"""At most this many action files are read from one folder (the first, by name)."""
MAX_LANGUAGES = 64
MAX_PARAMETERS = 32
_KEYS = ("title", "bot", "output", "languages", "parameters")


class ActionFileError(Exception):
    """A malformed action file: ``line`` (1-based) and what is wrong there."""

    def __init__(self, line: int, problem: str) -> None:
        self.line = line
        self.problem = problem
        super().__init__(f"line {line}: {problem}")


@dataclass(frozen=True)
class UserAction:
    """One action read from a file."""

    name: str
    """The file's stem: what ``poe.run`` and ``:Poe <name>`` take."""
    title: str
    output: Output
    template: str
    """The file's body, a prompt template (:mod:`poe_lsp.core.prompts` placeholders)."""
    path: Path
    source: Source
    bot: str | None = None
    """``None``: the default bot of the settings."""
    languages: tuple[str, ...] = ()
    """LSP language ids the action is offered for; empty: every language."""
    parameters: Mapping[str, Any] = field(default_factory=dict)
    """Merged over ``botParameters[bot]``; a command's ``parameters`` go over these."""

    def applies_to(self, language_id: str) -> bool:
        """Whether the action is offered in a document of ``language_id``."""
        return not self.languages or language_id in self.languages

    def describe(self) -> dict[str, Any]:
        """The JSON ``poe.listActions`` answers for this action (``bot`` unresolved)."""
        return {
            "name": self.name,
            "title": self.title,
            "bot": self.bot,
            "output": self.output,
            "languages": list(self.languages),
            "source": self.source,
            "path": str(self.path),
        }


def name_problem(name: str) -> str | None:
    """Why ``name`` (a file stem) cannot name an action, or ``None``."""
    if not _NAME_RE.match(name):
        return f"the file name must be {NAME_RULE} before '.md'"
    if name in RESERVED_NAMES:
        return f"'{name}' is a built-in command name; rename the file"
    return None


def _scalar(raw: str, line: int, key: str) -> str:
    if raw.startswith('"'):
        try:
            value = json.loads(raw)
        except ValueError:
            raise ActionFileError(line, f"{key}: the quoted text is not a valid string") from None
        if not isinstance(value, str):
            raise ActionFileError(line, f"{key}: expected text")
        return value
    if raw[:1] in ("[", "{", "'", "|", ">", "&", "*", "!"):
        raise ActionFileError(line, f"{key}: write plain text, or quote it in double quotes")
    return raw.strip()


def _word(raw: str, line: int, key: str) -> str:
    raw = raw.strip()
    return _scalar(raw, line, key) if raw.startswith('"') else raw


def _languages(raw: str | None, items: list[tuple[int, str]], line: int) -> tuple[str, ...]:
    if raw:
        if not (raw.startswith("[") and raw.endswith("]")):
            raise ActionFileError(line, "languages: write a list such as [python, lua]")
        inner = raw[1:-1].strip()
        words = [_word(part, line, "languages") for part in inner.split(",")] if inner else []
        found = [(line, word) for word in words]
    else:
        found = []
        for at, item in items:
            if not item.startswith("- "):
                raise ActionFileError(at, "languages: each item is a line '- <language id>'")
            found.append((at, _word(item[2:], at, "languages")))
    if len(found) > MAX_LANGUAGES:
        raise ActionFileError(line, f"languages: at most {MAX_LANGUAGES} languages")
    for at, word in found:
        if not _LANGUAGE_RE.match(word):
            raise ActionFileError(at, f"languages: {word!r} is not a language id such as python")
    return tuple(word for _, word in found)


def _json_or_text(raw: str) -> Any:
    try:
        return json.loads(raw)
    except ValueError:
        return raw


def _parameters(raw: str | None, items: list[tuple[int, str]], line: int) -> dict[str, Any]:
    if raw:
        try:
            value = json.loads(raw)
        except ValueError:
            value = None
        if not isinstance(value, dict):
            raise ActionFileError(line, 'parameters: write a JSON object such as {"n": 1}')
        parameters: dict[str, Any] = value
    else:
        parameters = {}
        for at, item in items:
            match = _KEY_RE.match(item)
            if not match or not match.group(2):
                raise ActionFileError(at, "parameters: each item is a line '<name>: <value>'")
            if match.group(1) in parameters:
                raise ActionFileError(at, f"parameters: {match.group(1)} is given twice")
            parameters[match.group(1)] = _json_or_text(match.group(2).strip())
    if len(parameters) > MAX_PARAMETERS:
        raise ActionFileError(line, f"parameters: at most {MAX_PARAMETERS} parameters")
    return parameters


_Values = dict[str, tuple[int, str | None]]
_Items = dict[str, list[tuple[int, str]]]


def _front_matter(lines: list[str]) -> tuple[_Values, _Items, int]:
    """The keys (line, inline value), their indented items, and the body's first line index."""
    if not lines or lines[0].rstrip() != "---":
        raise ActionFileError(1, "the file must start with a '---' line opening the front matter")
    values: _Values = {}
    items: _Items = {}
    current: str | None = None
    for index in range(1, len(lines)):
        text = lines[index].rstrip()
        number = index + 1
        if text == "---":
            return values, items, index + 1
        if not text.strip() or text.lstrip().startswith("#"):
            continue
        if text[0] in " \t":
            if current is None or values[current][1] is not None:
                raise ActionFileError(number, "an indented line belongs to no key")
            items[current].append((number, text.strip()))
            continue
        match = _KEY_RE.match(text)
        if not match:
            raise ActionFileError(number, "expected a line '<key>: <value>'")
        key, raw = match.group(1), match.group(2)
        if key not in _KEYS:
            raise ActionFileError(number, f"unknown key {key!r}; the keys are {', '.join(_KEYS)}")
        if key in values:
            raise ActionFileError(number, f"{key} is given twice")
        values[key] = (number, raw.strip() if raw and raw.strip() else None)
        items[key] = []
        current = key
    last = len(lines) - (lines[-1] == "")  # the last line, not the empty piece after it
    raise ActionFileError(last, "the front matter has no closing '---' line")


def parse_action(name: str, text: str, path: Path, source: Source) -> UserAction:
    """Read one action file; raises :class:`ActionFileError` naming the line."""
    lines = text.split("\n")
    values, items, body_start = _front_matter(lines)
    end = body_start  # the closing '---' is line ``body_start``

    def required(key: str) -> tuple[int, str]:
        if key not in values or values[key][1] is None:
            at = values[key][0] if key in values else end
            raise ActionFileError(at, f"'{key}' is required")
        at, raw = values[key]
        assert raw is not None
        return at, _scalar(raw, at, key)

    title_line, title = required("title")
    if not title or len(title) > 100 or not title.isprintable():
        raise ActionFileError(title_line, "title: one line of at most 100 printable characters")
    output_line, output = required("output")
    if output not in ("explain", "edit"):
        raise ActionFileError(output_line, 'output: must be "explain" or "edit"')
    bot: str | None = None
    if "bot" in values:
        bot_line, raw_bot = values["bot"]
        bot = _scalar(raw_bot, bot_line, "bot") if raw_bot else ""
        if not is_bot_name(bot):
            raise ActionFileError(bot_line, f"bot: a Poe bot name is {BOT_NAME_RULE} characters")
    languages: tuple[str, ...] = ()
    if "languages" in values:
        at, raw = values["languages"]
        languages = _languages(raw, items["languages"], at)
    parameters: dict[str, Any] = {}
    if "parameters" in values:
        at, raw = values["parameters"]
        parameters = _parameters(raw, items["parameters"], at)
    for key in ("title", "output", "bot"):
        if key in values and items[key]:
            raise ActionFileError(items[key][0][0], f"{key}: takes one line, not a list")
    template = "\n".join(lines[body_start:]).strip("\n")
    if not template.strip():
        raise ActionFileError(body_start, "the prompt template after the front matter is empty")
    if problem := template_problem(template):
        raise ActionFileError(body_start + 1, f"the prompt template {problem}")
    return UserAction(
        name=name,
        title=title,
        output=output,  # type: ignore[arg-type]
        template=template,
        path=path,
        source=source,
        bot=bot,
        languages=languages,
        parameters=parameters,
    )


def user_actions_dir(env: Mapping[str, str] | None = None) -> Path:
    """``$XDG_CONFIG_HOME/poe-lsp/actions`` (``~/.config`` when unset)."""
    env = os.environ if env is None else env
    base = env.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    return Path(base) / "poe-lsp" / "actions"


Stamp = tuple[str, int, int, int]
"""A file as last seen: path, size, modification time (ns), inode."""


def scan(folders: Iterable[tuple[Source, Path]]) -> tuple[tuple[Source, Path, os.stat_result], ...]:
    """The action files of each folder (at most :data:`MAX_FILES_PER_FOLDER`, by
    name), with their ``stat``; a missing or unreadable folder has none."""
    found: list[tuple[Source, Path, os.stat_result]] = []
    for source, folder in folders:
        try:
            with os.scandir(folder) as entries:
                names = sorted(e.name for e in entries if e.name.endswith(".md"))
        except OSError:
            continue
        for name in names[:MAX_FILES_PER_FOLDER]:
            path = folder / name
            try:
                st = path.stat()
            except OSError:
                continue
            if not path.is_file():
                continue
            found.append((source, path, st))
    return tuple(found)


def stamps(files: Iterable[tuple[Source, Path, os.stat_result]]) -> tuple[Stamp, ...]:
    """What decides whether a re-scan found anything new."""
    return tuple((str(p), st.st_size, st.st_mtime_ns, st.st_ino) for _, p, st in files)


@dataclass
class Loaded:
    """The actions in force, and the problems found reading them."""

    actions: dict[str, UserAction] = field(default_factory=dict)
    problems: list[tuple[Path, str]] = field(default_factory=list)
    """(file, one sentence) for each file skipped."""


def load(files: Iterable[tuple[Source, Path, os.stat_result]]) -> Loaded:
    """Read the files in order; the first file to define a name keeps it.

    Callers list the user's folder first: an action of the user's own cannot
    be replaced by a repository's file of the same name (which would then run
    the repository's prompt under the user's title).
    """
    loaded = Loaded()
    for source, path, st in files:
        name = path.name[: -len(".md")]
        try:
            if problem := name_problem(name):
                raise ActionFileError(1, problem)
            if st.st_size > MAX_FILE_BYTES:
                raise ActionFileError(1, f"the file is over {MAX_FILE_BYTES:,} bytes")
            try:
                text = path.read_bytes().decode("utf-8")
            except UnicodeDecodeError:
                raise ActionFileError(1, "the file is not UTF-8 text") from None
            action = parse_action(name, text.replace("\r\n", "\n"), path, source)
        except ActionFileError as exc:
            loaded.problems.append((path, f"line {exc.line}: {exc.problem}"))
            continue
        except OSError as exc:
            loaded.problems.append((path, f"cannot be read ({exc.strerror or exc})"))
            continue
        if name in loaded.actions:
            first = loaded.actions[name]
            loaded.problems.append(
                (path, f"line 1: the action '{name}' is already defined by {first.path}")
            )
            continue
        loaded.actions[name] = action
    return loaded
