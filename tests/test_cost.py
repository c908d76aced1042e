"""cost.py on its own: which workspace values raise a job's cost over the user's own.

Oracle: the contract's rule, written out here per setting — a larger number,
a later ``attachFile`` step, or any bot parameter added, changed or removed
(except a number lowered) is a raise; anything else is not.
"""

from __future__ import annotations

from typing import Any

import pytest

from poe_lsp.core.cost import CostConsents, question, raises, without
from poe_lsp.core.settings import Settings, SettingsReader


def settings(options: dict[str, Any] | None) -> Settings:
    problems: list[str] = []
    result = SettingsReader(problems.append).read(options, None)
    assert problems == []
    return result


MINE = settings(
    {
        "botParameters": {"GPT-5": {"thinking_budget": 4096, "web_search": False}},
        "context": {"maxChars": 24000, "linesBefore": 40, "linesAfter": 20},
        "answer": {"maxChars": 200000},
    }
)


def raised(theirs: dict[str, Any], bot: str = "GPT-5") -> list[str]:
    effective = SettingsReader(lambda _: None).read(
        {
            "botParameters": {"GPT-5": {"thinking_budget": 4096, "web_search": False}},
        },
        theirs,
    )
    return [r.describe() for r in raises(MINE, effective, bot)]


@pytest.mark.parametrize(
    "theirs",
    [
        pytest.param({}, id="nothing"),
        pytest.param({"context": {"maxChars": 8000, "linesBefore": 0}}, id="smaller-context"),
        pytest.param({"answer.maxChars": 1000}, id="smaller-answer"),
        pytest.param(
            {"botParameters": {"GPT-5": {"thinking_budget": 16, "web_search": False}}},
            id="lower-budget",
        ),
        pytest.param({"botParameters": {"Other": {"thinking_budget": 10**6}}}, id="other-bot"),
        pytest.param({"context": {"attachFile": "never"}}, id="attach-never"),
        pytest.param(
            {"botParameters": {"GPT-5": {"thinking_budget": 4096, "web_search": False}}},
            id="the-users-own-values",
        ),
    ],
)
def test_lowering_or_repeating_the_users_values_is_no_raise(theirs: dict[str, Any]) -> None:
    assert raised(theirs) == []


@pytest.mark.parametrize(
    ("theirs", "expected"),
    [
        pytest.param(
            {"context": {"maxChars": 500000}},
            ["context.maxChars = 500000 (yours: 24000)"],
            id="max-chars",
        ),
        pytest.param(
            {"context": {"linesBefore": 5000, "linesAfter": 21}},
            [
                "context.linesBefore = 5000 (yours: 40)",
                "context.linesAfter = 21 (yours: 20)",
            ],
            id="lines",
        ),
        pytest.param(
            {"answer": {"maxChars": 10**7}},
            ["answer.maxChars = 10000000 (yours: 200000)"],
            id="answer",
        ),
        pytest.param(
            {"context": {"attachFile": "whenTrimmed"}},
            ['context.attachFile = "whenTrimmed" (yours: "never")'],
            id="attach",
        ),
        pytest.param(
            {"botParameters": {"GPT-5": {"thinking_budget": 10**6, "web_search": True}}},
            [
                'botParameters.GPT-5["thinking_budget"] = 1000000 (yours: 4096)',
                'botParameters.GPT-5["web_search"] = true (yours: false)',
            ],
            id="parameters-raised",
        ),
        pytest.param(
            {"botParameters": {"GPT-5": {"web_search": False, "tools": ["x"]}}},
            [
                'botParameters.GPT-5["thinking_budget"] = (not set) (yours: 4096)',
                'botParameters.GPT-5["tools"] = ["x"] (yours: (not set))',
            ],
            id="parameter-removed-and-added",
        ),
    ],
)
def test_each_raise_is_named_with_both_values(theirs: dict[str, Any], expected: list[str]) -> None:
    assert raised(theirs) == expected


def test_a_workspace_string_is_quoted_into_one_line() -> None:
    (line,) = raised(
        {
            "botParameters": {
                "GPT-5": {"thinking_budget": 4096, "web_search": False, "note\nx": "a\u001b[2Kb"}
            }
        }
    )
    assert "\n" not in line and "\u001b" not in line
    assert '"note\\nx"' in line


def test_a_refused_raise_goes_back_to_the_users_value_and_a_lowered_one_stays() -> None:
    effective = SettingsReader(lambda _: None).read(
        None,
        {
            "botParameters": {"GPT-5": {"thinking_budget": 16, "web_search": True}},
            "context": {"maxChars": 90000, "linesBefore": 3},
        },
    )
    found = raises(MINE, effective, "GPT-5")
    back = without(effective, MINE, "GPT-5", found)
    assert back.parameters_for("GPT-5") == {"thinking_budget": 16, "web_search": False}
    assert back.max_chars == 24000
    assert back.lines_before == 3


def test_answers_are_remembered_per_value_and_a_new_value_asks_again() -> None:
    consents = CostConsents()
    bigger = settings({"context": {"maxChars": 90000}})
    plan = consents.plan(Settings(), bigger, "GPT-5")
    assert [r.setting for r in plan.ask] == ["context.maxChars"]
    assert plan.if_allowed.max_chars == 90000
    assert plan.if_refused.max_chars == 24000
    consents.answer(plan.ask, allowed=False)
    again = consents.plan(Settings(), bigger, "GPT-5")
    assert again.ask == ()
    assert again.if_allowed.max_chars == 24000
    changed = consents.plan(Settings(), settings({"context": {"maxChars": 95000}}), "GPT-5")
    assert len(changed.ask) == 1
    consents.answer(changed.ask, allowed=True)
    allowed = consents.plan(Settings(), settings({"context": {"maxChars": 95000}}), "GPT-5")
    assert allowed.ask == ()
    assert allowed.if_allowed.max_chars == 95000


def test_the_question_names_every_setting_and_value() -> None:
    plan = CostConsents().plan(
        Settings(), settings({"context": {"maxChars": 90000, "attachFile": "always"}}), "GPT-5"
    )
    sentence = question(plan.ask)
    assert "context.maxChars = 90000 (yours: 24000)" in sentence
    assert 'context.attachFile = "always" (yours: "never")' in sentence
    assert "Allow" in sentence and "own values" in sentence
