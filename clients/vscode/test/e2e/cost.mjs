// What the main scenario's jobs cost, and how the runner judges what VS Code
// showed of it (the driver's side is driver/cost.js). Each bot's `points`
// parameter is what the fake Poe charges for its request
// (tests/fakepoe_usage.py), and its usage API is the one poe.usageUrl names.

import { waitFor } from "./wait.mjs";

/** Points the fake charges per request; SlowBot (cancelled) and OutOfPointsBot (out of points) cost nothing. */
export const COST_POINTS = { ExplainBot: 12, FencedCodeBot: 3, ReplaceBot: 5 };

const pointsText = (n) => `${n.toLocaleString("en-US")} point${n === 1 ? "" : "s"}`;

/** The status bar, its tooltip and the panel's footer against what the fake charged. */
export function judgeCost(o, c, expect) {
  const jobs = c.jobPoints || {};
  expect(`the refactor's points are what the fake charged (${jobs.refactor})`, jobs.refactor === COST_POINTS.FencedCodeBot);
  expect(`the docstring's points are what the fake charged (${jobs.document})`, jobs.document === COST_POINTS.ReplaceBot);
  expect(`the explanation's points are what the fake charged (${jobs.explain})`, jobs.explain === COST_POINTS.ExplainBot);
  const session = COST_POINTS.ExplainBot + COST_POINTS.FencedCodeBot + COST_POINTS.ReplaceBot;
  expect(`the status bar shows the session's spend (${c.statusWithCost})`,
    (c.statusWithCost || "").endsWith(` · ${session} pts`));
  expect(`the tooltip gives the session's spend (${c.tooltipWithCost})`,
    (c.tooltipWithCost || "").includes(`This session: ${pointsText(session)}.`));
  expect(`the tooltip gives the fake's balance (${c.fakeBalance})`,
    typeof c.fakeBalance === "number" && (c.tooltipWithCost || "").includes(`Balance: ${pointsText(c.fakeBalance)}.`));
  expect(`the balance fell by the session's spend, no more (${c.balanceBefore} → ${c.fakeBalance})`,
    c.balanceBefore - c.fakeBalance === session);
  expect(`hovering the status bar item shows the spend and the balance (${o.hoverText})`,
    (o.hoverText || "").includes(`This session: ${pointsText(session)}.`) &&
    typeof c.fakeBalance === "number" && (o.hoverText || "").includes(`Balance: ${pointsText(c.fakeBalance)}.`));
  expect("the panel is footed with the explanation's cost",
    (o.webviewText || "").includes(`Cost: ${pointsText(COST_POINTS.ExplainBot)}`));
}

/**
 * Hovers the Poe status bar item as a user would, waits for its tooltip and
 * takes `shot`; the tooltip's text as the page shows it ("" if none came).
 */
export async function hoverStatusBar(page, shot) {
  const item = await page.evaluateHandle(() =>
    [...document.querySelectorAll(".statusbar-item")].find((el) => el.innerText.includes(" pts")));
  if (!item.asElement()) return "";
  await item.asElement().hover();
  const text = await waitFor("the status bar item's tooltip", () =>
    page.evaluate(() => {
      const hover = [...document.querySelectorAll(".workbench-hover, .monaco-hover")]
        .find((el) => el.innerText.includes("Balance:"));
      return hover ? hover.innerText : "";
    }), 10000).catch(() => "");
  await page.screenshot({ path: shot });
  return text;
}
