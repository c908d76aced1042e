"""User-defined actions (contract §10): files in the user's config directory and
in each workspace folder, offered as code actions and run with ``poe.run``.

* Sources, in this order: ``$XDG_CONFIG_HOME/poe-lsp/actions/*.md`` (the
  user's), then each workspace folder's ``.poe/actions/*.md``.  The first file
  to define a name keeps it: a repository cannot replace one of the user's own
  actions (its same-named file is reported and skipped).
* Reloaded when the files change: ``workspace/didChangeWatchedFiles`` where the
  client registers watchers at run time, and in every case a cheap re-scan
  (one ``stat`` per file, at most :data:`~poe_lsp.core.useractions.MAX_FILES_PER_FOLDER`
  files a folder) before each code-action request and command, which reads the
  files again only when one of them changed.
* A malformed file is reported once (``window/showMessage``, its path and line)
  and skipped; the others still load.
* Bots: a bot that one of the user's own files names is the user's choice, like
  a bot of their own settings.  Any other bot (a workspace file's, or the
  workspace's default) needs the usual consent (:mod:`poe_lsp.lsp.consent`)
  before anything is sent.

``poe.run {name, uri, range, instruction?, bot?, parameters?}`` runs one with
the file's template (``{instruction}`` is the optional ``instruction``), as an
``explain`` or an ``ask`` (edit) job; ``poe.listActions {uri?}`` lists them (for ``uri``, those
offered in that document's language).
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Mapping, Sequence
from functools import partial
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.uris import to_fs_path

from poe_lsp.core.prompts import edit_output_hint
from poe_lsp.core.settings import Settings, bots_named_by_user
from poe_lsp.core.useractions import (
    Loaded,
    Source,
    Stamp,
    UserAction,
    load,
    scan,
    stamps,
    user_actions_dir,
)

from . import config, watched
from .arguments import invalid, open_document, optional_text, parse_range, shown, the_argument
from .code_actions import REFACTOR_KIND
from .commands import start_job
from .jobs import JobManager
from .positions import range_json
from .server import PoeServer

log = logging.getLogger(__name__)

WORKSPACE_FOLDER = Path(".poe") / "actions"


class Catalogue:
    """The user actions in force, re-read when their files change."""

    def __init__(self, server: PoeServer) -> None:
        self.server = server
        self.loaded = Loaded()
        self._seen: tuple[tuple[str, ...], tuple[Stamp, ...]] | None = None
        self._reported: set[tuple[str, str]] = set()

    def folders(self) -> list[tuple[Source, Path]]:
        """Where actions are read from, the user's folder first."""
        found: list[tuple[Source, Path]] = [("user", user_actions_dir())]
        roots: list[str] = []
        try:
            workspace = self.server.workspace
            roots = [f.uri for f in workspace.folders.values()] or (
                [workspace.root_uri] if workspace.root_uri else []
            )
        except RuntimeError:
            pass
        for uri in roots:
            path = to_fs_path(uri)
            if path:
                found.append(("workspace", Path(path) / WORKSPACE_FOLDER))
        return found

    def refresh(self) -> Loaded:
        """The actions, read again if a file or folder changed since the last look."""
        folders = self.folders()
        files = scan(folders)
        seen = (tuple(str(p) for _, p in folders), stamps(files))
        if seen != self._seen:
            self._seen = seen
            self.loaded = load(files)
            self._report(self.loaded)
            self._trust_user_bots(self.loaded)
            log.info("user actions: %s", ", ".join(sorted(self.loaded.actions)) or "none")
        return self.loaded

    def _report(self, loaded: Loaded) -> None:
        for path, problem in loaded.problems:
            key = (str(path), problem)
            log.warning("user action file %s skipped: %s", path, problem)
            if key in self._reported:
                continue
            self._reported.add(key)
            self.server.show_warning(f"poe-lsp: the action file {path} is skipped: {problem}.")

    def _trust_user_bots(self, loaded: Loaded) -> None:
        """The bots the user's own files name need no consent; a workspace's do."""
        server = self.server
        own = {a.bot for a in loaded.actions.values() if a.source == "user" and a.bot}
        server.user_bots = bots_named_by_user(server.user_settings, server.secrets) | own

    def bot_for(self, action: UserAction) -> str:
        """The file's bot, else the default bot of the settings."""
        return action.bot or self.server.settings.bot


def code_actions(
    catalogue: Catalogue, server: PoeServer, params: types.CodeActionParams
) -> list[types.CodeAction]:
    """One code action per user action offered in the document's language, for a
    non-empty selection: "<title> with <bot>", running ``poe.run``."""
    rng = params.range
    if (rng.start.line, rng.start.character) >= (rng.end.line, rng.end.character):
        return []
    uri = params.text_document.uri
    doc = server.documents.get(uri)
    if doc is None:
        return []
    found = []
    for action in catalogue.refresh().actions.values():
        if not action.applies_to(doc.language_id):
            continue
        bot = catalogue.bot_for(action)
        title = f"{action.title} with {bot}"
        argument = {"name": action.name, "uri": uri, "range": range_json(rng), "bot": bot}
        found.append(
            types.CodeAction(
                title=title,
                kind=REFACTOR_KIND,
                command=types.Command(title=title, command="poe.run", arguments=[argument]),
            )
        )
    return found


def _named(catalogue: Catalogue, command: str, arg: Mapping[str, Any]) -> UserAction:
    name = arg.get("name")
    actions = catalogue.refresh().actions
    listed = ", ".join(sorted(actions)) or "none is defined"
    if not isinstance(name, str) or not name:
        raise invalid(f"{command} needs a 'name': one of the user actions ({listed}).")
    action = actions.get(name)
    if action is None:
        raise invalid(f"{command}: no user action is named '{shown(name, 64)}' ({listed}).")
    return action


async def run(
    server: PoeServer,
    params: types.ExecuteCommandParams,
    *,
    jobs: JobManager,
    catalogue: Catalogue,
) -> dict[str, str]:
    """``poe.run {name, uri, range, instruction?, bot?, parameters?}``."""
    command = "poe.run"
    arg = the_argument(command, params)
    await server.ready()
    action = _named(catalogue, command, arg)
    doc = open_document(server, command, arg)
    span = parse_range(server, command, doc, arg.get("range"))
    if span.start == span.end:
        raise invalid(f"{command} needs a non-empty selection; select some code first.")
    if not action.applies_to(doc.language_id):
        raise invalid(
            f"{command}: the action '{action.name}' is for {', '.join(action.languages)}, "
            f"not {shown(doc.language_id, 64)}."
        )
    extra = arg.get("parameters")
    if extra is not None and not isinstance(extra, Mapping):
        raise invalid(f"{command}: 'parameters' must be an object of bot parameters.")
    bot = arg["bot"] if arg.get("bot") is not None else catalogue.bot_for(action)
    edit = action.output == "edit"
    mine = action.source == "user"
    return start_job(
        server,
        jobs,
        params,
        {
            **arg,
            "bot": bot,
            "parameters": {**(action.parameters if mine else {}), **(extra or {})},
        },
        # Clients render a job by its action: an explanation streams into their
        # panel or float and stays for hover, like Explain's; an edit is Ask's.
        action="ask" if edit else "explain",
        doc=doc,
        span=span,
        edits=edit,
        instruction=optional_text(command, arg, "instruction"),
        suffix=("\n\n" + edit_output_hint) if edit else "",
        template=action.template,
        title=action.title,
        command=command,
        # A workspace file's parameters are the workspace's settings: what they
        # raise over the user's own is asked about first, like botParameters.
        settings=None
        if mine or not isinstance(bot, str)
        else _with_parameters(server, bot, action),
    )


def _with_parameters(server: PoeServer, bot: str, action: UserAction) -> Settings:
    """The settings in force with the action's parameters over ``botParameters[bot]``."""
    settings = server.settings
    if not action.parameters:
        return settings
    merged = {**settings.parameters_for(bot), **action.parameters}
    return dataclasses.replace(settings, bot_parameters={**settings.bot_parameters, bot: merged})


async def list_actions(
    server: PoeServer, params: types.ExecuteCommandParams, *, catalogue: Catalogue
) -> list[dict[str, Any]]:
    """``poe.listActions {uri?}``: the user actions (those for the document's language)."""
    command = "poe.listActions"
    arg = the_argument(command, params) if params.arguments else {}
    await server.ready()
    language = open_document(server, command, arg).language_id if "uri" in arg else None
    return [
        {**action.describe(), "bot": catalogue.bot_for(action)}
        for action in catalogue.refresh().actions.values()
        if language is None or action.applies_to(language)
    ]


def _patterns(server: PoeServer) -> Sequence[types.GlobPattern]:
    user = user_actions_dir()
    if watched.relative_patterns(server):
        mine: types.GlobPattern = types.RelativePattern(base_uri=user.as_uri(), pattern="*.md")
    else:
        mine = f"{user.as_posix()}/*.md"
    return [f"**/{WORKSPACE_FOLDER.as_posix()}/*.md", mine]


def setup(server: PoeServer, jobs: JobManager) -> Catalogue:
    """Register ``poe.run``, ``poe.listActions`` and the file watching; the
    returned catalogue's code actions are for :mod:`poe_lsp.lsp.code_actions`."""
    catalogue = Catalogue(server)
    server.register_command("poe.run", partial(run, jobs=jobs, catalogue=catalogue))
    server.register_command("poe.listActions", partial(list_actions, catalogue=catalogue))

    def changed(ls: PoeServer, _changes: Sequence[types.FileEvent]) -> None:
        # The stamps decide whether anything is read again.
        catalogue.refresh()

    watched.subscribe(server, changed)

    async def start(ls: PoeServer) -> None:
        await ls.ready()
        catalogue.refresh()
        await watched.register_watchers(ls, "user-actions", _patterns(ls))

    config.when_initialized(server, lambda ls: ls.run_task(start(ls), "load user actions"))
    return catalogue
