"""What a job cost, in real Neovim 0.11.4: the float's footer, ``:Poe usage`` and
``:checkhealth poe``, against the real server and the fake Poe's usage API.

The fake charges each request the points its ``points`` parameter names (here
17, through ``botParameters``), so the number shown can only come from the
job's own entry in the fake's history.
"""

from __future__ import annotations

import re
from pathlib import Path

from test_neovim import Start, bots, lua, open_sample, sample, start  # noqa: F401


def test_the_float_footer_poe_usage_and_checkhealth_show_the_cost(
    start: Start,  # noqa: F811
    sample: Path,  # noqa: F811
) -> None:
    nvim = start(bots(explain=("ExplainBot", {"answer": "Adds two numbers.", "points": 17})))
    open_sample(nvim, sample)
    lua(nvim, "vim.cmd('1,3Poe explain')")
    assert lua(nvim, "return T.wait_done(1).status") == "done"
    lua(
        nvim,
        "T.wait(15000, function() local f = T.float() "
        "return f and f.footer and f.footer:find('17 points', 1, true) ~= nil end, 'the cost')",
    )
    assert lua(nvim, "return T.float().footer") == " 17 points · q closes "

    lua(nvim, "vim.cmd('Poe usage')")
    [shown] = lua(nvim, "return T.wait_notify(1)")
    message = shown["msg"] if isinstance(shown, dict) else str(shown)
    assert re.search(r"this session: 17 points · balance: -?\d+ points", message), message
    assert re.search(r"poe-\S+ \(ExplainBot\): 17 points", message), message

    report = lua(nvim, "return T.checkhealth()")
    assert re.search(r"Poe usage: this session: 17 points · balance: -?\d+ points", report)
    assert "ERROR" not in report
