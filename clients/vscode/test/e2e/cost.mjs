// What the main scenario's jobs cost, and how the runner judges what VS Code
// showed of it (the driver's side is driver/cost.js). Each bot's `points`
// parameter is what the fake Poe charges for its request
// (tests/fakepoe_usage.py), and its usage API is the one poe.usageUrl names.

/** Points the fake charges per request; SlowBot (cancelled) and OutOfPointsBot (402) are never charged. */
export const COST_POINTS = { ExplainBot: 12, FencedCodeBot: 3, ReplaceBot: 5 };

const pointsText = (n) => `${n.toLocaleString("en-US")} point${n === 1 ? "" : "s"}`;

/** The status bar, its tooltip and the panel's footer against what the fake charged. */
export function judgeCost(o, c, expect) {
  const jobs = c.jobPoints || {};
  expect(o, `the refactor's points are what the fake charged (${jobs.refactor})`, jobs.refactor === COST_POINTS.FencedCodeBot);
  expect(o, `the docstring's points are what the fake charged (${jobs.document})`, jobs.document === COST_POINTS.ReplaceBot);
  expect(o, `the explanation's points are what the fake charged (${jobs.explain})`, jobs.explain === COST_POINTS.ExplainBot);
  const session = COST_POINTS.ExplainBot + COST_POINTS.FencedCodeBot + COST_POINTS.ReplaceBot;
  expect(o, `the status bar shows the session's spend (${c.statusWithCost})`,
    (c.statusWithCost || "").endsWith(` · ${session} pts`));
  expect(o, `the tooltip gives the session's spend (${c.tooltipWithCost})`,
    (c.tooltipWithCost || "").includes(`This session: ${pointsText(session)}.`));
  expect(o, `the tooltip gives the fake's balance (${c.fakeBalance})`,
    typeof c.fakeBalance === "number" && (c.tooltipWithCost || "").includes(`Balance: ${pointsText(c.fakeBalance)}.`));
  expect(o, `the balance fell by the session's spend, no more (${c.balanceBefore} → ${c.fakeBalance})`,
    c.balanceBefore - c.fakeBalance === session);
  expect(o, "the panel is footed with the explanation's cost",
    (o.webviewText || "").includes(`Cost: ${pointsText(COST_POINTS.ExplainBot)}`));
}
