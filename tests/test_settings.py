"""settings.py on its own: defaults, merging, validation, secrets and the bot list."""

from __future__ import annotations

import dataclasses
import logging
from typing import Any

import pytest
from lsprotocol import types

from poe_lsp.core.actions import ACTIONS
from poe_lsp.core.botnames import is_bot_name
from poe_lsp.core.endpoints import DEFAULT_BASE_URL, DEFAULT_UPLOAD_URL, PROJECT_URL
from poe_lsp.core.settings import (
    Secrets,
    Settings,
    SettingsReader,
    bot_list,
    bots_named_by_user,
)

from conftest import MakeEditor
from fakepoe import FakePoe


class Reports(list[str]):
    """The report callback: remembers every problem shown to the user."""

    def __call__(self, message: str) -> None:
        self.append(message)


def reader() -> tuple[SettingsReader, Reports]:
    reports = Reports()
    return SettingsReader(reports), reports


def read(init: dict[str, Any] | None = None, workspace: dict[str, Any] | None = None) -> Settings:
    settings_reader, reports = reader()
    settings = settings_reader.read(init, workspace)
    assert reports == [], reports
    return settings


def test_defaults_equal_the_contract_table() -> None:
    settings = read()
    assert settings.bot == "GPT-5"
    assert all(settings.bot_for(action) == "GPT-5" for action in ACTIONS)
    assert all(settings.template_for(action) is None for action in ACTIONS)
    assert settings.bot_parameters == {}
    assert settings.lines_before == 40
    assert settings.lines_after == 20
    assert settings.max_chars == 24000
    assert settings.edits_mode == "review"
    assert settings.app_title == "poe-lsp"
    assert settings.app_referer == PROJECT_URL
    assert settings == Settings()


def test_nested_and_dotted_keys_set_the_same_values() -> None:
    nested = read(
        {
            "context": {"maxChars": 1000, "linesBefore": 3},
            "edits": {"mode": "final"},
            "actions": {"refactor": {"bot": "Claude-Sonnet-4.5", "prompt": "Do {selection}"}},
            "app": {"title": "mine"},
        }
    )
    dotted = read(
        {
            "context.maxChars": 1000,
            "context.linesBefore": 3,
            "edits.mode": "final",
            "actions.refactor.bot": "Claude-Sonnet-4.5",
            "actions.refactor.prompt": "Do {selection}",
            "app.title": "mine",
        }
    )
    assert nested == dotted
    assert nested.max_chars == 1000
    assert nested.lines_before == 3
    assert nested.edits_mode == "final"
    assert nested.bot_for("refactor") == "Claude-Sonnet-4.5"
    assert nested.bot_for("explain") == "GPT-5"
    assert nested.template_for("refactor") == "Do {selection}"
    assert nested.app_title == "mine"


def test_bot_names_with_dots_survive_in_bot_parameters() -> None:
    settings = read({"botParameters": {"Claude-Sonnet-4.5": {"thinking_budget": 4096}}})
    assert settings.parameters_for("Claude-Sonnet-4.5") == {"thinking_budget": 4096}
    assert settings.parameters_for("GPT-5") == {}


def test_workspace_configuration_wins_over_initialization_options() -> None:
    settings = read(
        {"bot": "InitBot", "context": {"linesAfter": 5, "linesBefore": 7}},
        {"bot": "WorkspaceBot", "context.linesAfter": 9},
    )
    assert settings.bot == "WorkspaceBot"
    assert settings.lines_after == 9
    assert settings.lines_before == 7


def test_secret_keys_from_the_workspace_are_ignored() -> None:
    settings_reader, reports = reader()
    init = {"bot": "Mine", "allowedBots": ["Trusted"]}
    workspace = {
        "apiKey": "workspace-key",
        "baseUrl": "https://evil.example/",
        "uploadUrl": "https://evil.example/upload/",
        "allowedBots": ["Evil"],
    }
    settings = settings_reader.read(init, workspace)
    secrets = settings_reader.read_secrets(init, environ={})
    assert reports == []
    assert settings.bot == "Mine"
    assert secrets.api_key == ""
    assert secrets.base_url == DEFAULT_BASE_URL
    assert secrets.allowed_bots == frozenset({"Trusted"})
    names = {entry["name"] for entry in bot_list(settings, secrets)}
    assert "Evil" not in names
    assert "Evil" not in bots_named_by_user(settings, secrets)


def test_a_wrongly_typed_value_is_reported_once_and_replaced_by_its_default() -> None:
    settings_reader, reports = reader()
    bad = {"context": {"maxChars": "lots"}}
    first = settings_reader.read(bad, None)
    second = settings_reader.read(bad, None)
    assert first.max_chars == second.max_chars == 24000
    assert len(reports) == 1
    assert "poe.context.maxChars" in reports[0]
    assert "24000" in reports[0]


def test_each_kind_of_wrong_value_falls_back_to_its_default() -> None:
    settings_reader, reports = reader()
    settings = settings_reader.read(
        {
            "bot": "",
            "context": {"linesBefore": True, "linesAfter": -1, "maxChars": 10},
            "edits": {"mode": "fast"},
            "botParameters": ["not", "a", "map"],
            "actions": {"explain": {"bot": 42}},
            "app": {"title": 3},
        },
        None,
    )
    assert dataclasses.replace(settings, actions={}) == Settings()
    assert settings.bot_for("explain") == "GPT-5"
    assert len(reports) == 8
    assert all("\n" not in report for report in reports)


def test_the_retired_confirm_mode_is_read_as_review_without_a_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    settings_reader, reports = reader()
    with caplog.at_level(logging.INFO, logger="poe_lsp.core.settings"):
        first = settings_reader.read({"edits": {"mode": "confirm"}}, None)
        second = settings_reader.read(None, {"edits.mode": "confirm"})
    assert first.edits_mode == second.edits_mode == "review"
    assert reports == []
    assert [r.getMessage() for r in caplog.records] == [
        "setting poe.edits.mode 'confirm' is retired; read as 'review'"
    ]


def test_unknown_keys_are_ignored_without_a_report() -> None:
    settings_reader, reports = reader()
    settings = settings_reader.read(
        {
            "colour": "blue",
            "context": {"linesAround": 3},
            "actions": {"translate": {"bot": "X"}, "explain": {"temperature": 1}},
        },
        {"somethingElse": 1},
    )
    assert settings == Settings()
    assert reports == []


def test_read_secrets_prefers_the_environment_over_initialization_options() -> None:
    settings_reader, reports = reader()
    init = {
        "apiKey": "from-options",
        "baseUrl": "http://options.example/bot/",
        "uploadUrl": "http://options.example/upload/",
    }
    env = {
        "POE_API_KEY": "from-env",
        "POE_LSP_BASE_URL": "http://env.example/bot/",
        "POE_LSP_UPLOAD_URL": "http://env.example/upload/",
    }
    secrets = settings_reader.read_secrets(init, environ=env)
    assert secrets.api_key == "from-env"
    assert secrets.base_url == "http://env.example/bot/"
    assert secrets.upload_url == "http://env.example/upload/"
    assert reports == []


def test_read_secrets_falls_back_to_initialization_options_then_defaults() -> None:
    settings_reader, _ = reader()
    from_options = settings_reader.read_secrets(
        {"apiKey": "from-options", "baseUrl": "http://options.example/bot/"},
        environ={"POE_API_KEY": ""},
    )
    assert from_options.api_key == "from-options"
    assert from_options.base_url == "http://options.example/bot/"
    defaults = settings_reader.read_secrets(None, environ={})
    assert defaults == Secrets()
    assert defaults.base_url == DEFAULT_BASE_URL
    assert defaults.upload_url == DEFAULT_UPLOAD_URL


def test_base_url_gets_a_trailing_slash() -> None:
    settings_reader, _ = reader()
    from_env = settings_reader.read_secrets({}, environ={"POE_LSP_BASE_URL": "http://h:1/bot"})
    from_options = settings_reader.read_secrets({"baseUrl": "http://h:2/bot"}, environ={})
    assert from_env.base_url == "http://h:1/bot/"
    assert from_options.base_url == "http://h:2/bot/"


def test_wrongly_typed_secrets_are_reported_and_ignored() -> None:
    settings_reader, reports = reader()
    secrets = settings_reader.read_secrets({"apiKey": 12345, "allowedBots": "GPT-5"}, environ={})
    assert secrets.api_key == ""
    assert secrets.allowed_bots == frozenset()
    assert len(reports) == 2
    assert not any("12345" in report for report in reports)


def test_secrets_repr_never_shows_the_key() -> None:
    assert "sekrit-key" not in repr(Secrets(api_key="sekrit-key"))


def test_bots_named_by_user_are_the_configured_and_the_allowed() -> None:
    settings = read({"bot": "Mine", "actions": {"fix": {"bot": "Fixer"}}})
    secrets = Secrets(allowed_bots=frozenset({"Trusted"}))
    assert bots_named_by_user(settings, secrets) == frozenset({"Mine", "Fixer", "Trusted"})


def test_the_built_in_default_bot_is_the_users_only_while_they_name_no_other() -> None:
    assert "GPT-5" in bots_named_by_user(read({}), Secrets())
    assert "GPT-5" not in bots_named_by_user(read({"bot": "Mine"}), Secrets())


def test_bot_list_for_default_settings_is_one_bot_with_every_action() -> None:
    assert bot_list(Settings(), Secrets()) == [{"name": "GPT-5", "actions": list(ACTIONS)}]


def test_bot_list_names_per_action_allowed_and_parameterised_bots() -> None:
    settings = read(
        {
            "bot": "Main",
            "actions": {"refactor": {"bot": "Coder"}, "fix": {"bot": "Coder"}},
            "botParameters": {"Thinker": {"thinking_budget": 1}},
        }
    )
    secrets = Secrets(allowed_bots=frozenset({"Zeta", "Alpha"}))
    assert bot_list(settings, secrets) == [
        {"name": "Main", "actions": ["explain", "document", "ask"]},
        {"name": "Coder", "actions": ["refactor", "fix"]},
        {"name": "Alpha", "actions": []},
        {"name": "Zeta", "actions": []},
        {"name": "Thinker", "actions": []},
    ]


# -- bot names: one rule wherever a name enters ----------------------------------------

REAL_NAMES = ["GPT-5", "Claude-Sonnet-4.5", "Gemini-2.5-Pro", "o3-mini", "Llama-3.1-405B", "a_b"]
BAD_NAMES = [
    "../ExplainBot",
    "EchoBot/../ExplainBot",
    "EchoBot?x=1",
    "EchoBot#frag",
    "GPT-5\n",
    "GPT\n-5",
    "with space",
    "",
    ".hidden",
    "-flag",
    "é-bot",
    "x" * 65,
]


@pytest.mark.parametrize("name", REAL_NAMES)
def test_real_poe_bot_names_keep_the_rule(name: str) -> None:
    assert is_bot_name(name)
    assert read({"bot": name}).bot == name


@pytest.mark.parametrize("name", BAD_NAMES)
def test_names_with_paths_queries_or_control_characters_break_the_rule(name: str) -> None:
    assert not is_bot_name(name)


def test_a_bad_workspace_bot_name_is_reported_once_and_the_users_own_stays() -> None:
    settings_reader, reports = reader()
    init = {"bot": "Mine", "actions": {"fix": {"bot": "Fixer"}}}
    workspace = {
        "bot": "../Mine?x=1",
        "actions": {"fix": {"bot": "Fixer\nSecond line"}},
        "botParameters": {"EchoBot#x": {"thinking_budget": 1}, "Good": {"a": 1}},
    }
    for _ in range(3):
        settings = settings_reader.read(init, workspace)
        assert settings.bot == "Mine"
        assert settings.bot_for("fix") == "Fixer"
        assert dict(settings.bot_parameters) == {"Good": {"a": 1}}
    assert len(reports) == 3, reports
    settings_named = ["poe.bot", "poe.actions.fix.bot", "poe.botParameters"]
    for report, setting in zip(reports, settings_named, strict=True):
        assert setting in report and "not a bot name" in report, report
        assert "\n" not in report, report


def test_a_bad_bot_name_in_the_users_own_settings_falls_back_to_the_default() -> None:
    settings_reader, reports = reader()
    settings = settings_reader.read({"bot": "a/b", "actions": {"ask": {"bot": "c?d"}}}, None)
    secrets = settings_reader.read_secrets({"allowedBots": ["Fine", "../evil"]}, environ={})
    assert settings.bot == "GPT-5"
    assert settings.bot_for("ask") == "GPT-5"
    assert secrets.allowed_bots == frozenset({"Fine"})
    assert len(reports) == 3 and all("not a bot name" in r for r in reports), reports


def test_bot_parameters_merge_bot_by_bot() -> None:
    settings = read(
        {"botParameters": {"Mine": {"thinking_budget": 512}, "Other": {"x": 1}}},
        {"botParameters": {"Other": {"x": 2}, "Theirs": {"y": 3}}},
    )
    assert dict(settings.bot_parameters) == {
        "Mine": {"thinking_budget": 512},
        "Other": {"x": 2},
        "Theirs": {"y": 3},
    }


# -- prompt templates are bounded ------------------------------------------------------


@pytest.mark.parametrize(
    ("template", "words"),
    [
        pytest.param("x" * 8001, "8,001 characters", id="too-long"),
        pytest.param("{context}" * 5, "{context} 5 times", id="one-placeholder-too-often"),
        pytest.param(
            "{language}{path}{before}{after}{instruction}" * 4,
            "20 placeholders",
            id="too-many-placeholders",
        ),
    ],
)
def test_an_oversized_template_is_reported_once_and_the_built_in_one_is_used(
    template: str, words: str
) -> None:
    settings_reader, reports = reader()
    for _ in range(2):
        settings = settings_reader.read(None, {"actions": {"ask": {"prompt": template}}})
        assert settings.template_for("ask") is None
    (report,) = reports
    assert "poe.actions.ask.prompt" in report and words in report, report
    assert "built-in prompt" in report


def test_a_template_within_the_bounds_is_kept() -> None:
    unit = "{selection}{context}{before}{after}"
    template = unit * 4 + "y" * (8000 - 4 * len(unit))
    assert len(template) == 8000
    assert read(None, {"actions.refactor.prompt": template}).template_for("refactor") == template


async def test_a_wrongly_typed_workspace_setting_is_shown_once_and_its_default_used(
    make_editor: MakeEditor, fake: FakePoe
) -> None:
    """End to end: the real server reads ``workspace/configuration`` from the editor."""
    editor = await make_editor(
        init_options={"bot": "EchoBot"}, workspace={"context": {"maxChars": "lots"}}
    )
    source = "import os\n\n\ndef here():\n    return os.getcwd()\n"
    uri = editor.open("here.py", source)
    selection = editor.range_of(uri, "    return os.getcwd()")
    await editor.code_actions(uri, selection)  # answered once the settings are read

    def complaints() -> list[types.ShowMessageParams]:
        return [m for m in editor.client.messages if "context.maxChars" in m.message]

    (shown,) = complaints()
    assert shown.type == types.MessageType.Warning
    assert "'lots'" in shown.message and "24000" in shown.message
    assert "\n" not in shown.message
    # Read again after didChangeConfiguration: the same problem is not shown twice.
    editor.client.workspace_did_change_configuration(
        types.DidChangeConfigurationParams(settings=None)
    )
    await editor.code_actions(uri, selection)
    assert len(complaints()) == 1
    # The default budget is in force: the whole small file goes with the selection.
    done = await editor.run("poe.explain", {"uri": uri, "range": selection})
    assert done["status"] == "done", done
    assert "import os" in fake.requests[-1].prompt
