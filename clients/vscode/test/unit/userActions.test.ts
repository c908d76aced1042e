import assert from "node:assert/strict";
import { test } from "node:test";

import { actionPickItems, findAction, type ListedAction } from "../../src/core/userActions";

const LISTED: ListedAction[] = [
  { name: "eli5", title: "Explain simply", bot: "GPT-5", output: "explain", source: "user", path: "/u/eli5.md" },
  { name: "typed", title: "Add types", bot: "Claude", output: "edit", source: "workspace" },
];

test("each action reads as in the lightbulb and says what it does and whose it is", () => {
  const items = actionPickItems(LISTED);
  assert.deepEqual(
    items.map((i) => [i.label, i.description, i.detail]),
    [
      ["Explain simply with GPT-5", "eli5 · explains", "/u/eli5.md"],
      ["Add types with Claude", "typed · rewrites the selection · from this workspace", undefined],
    ],
  );
  assert.equal(items[1].action, LISTED[1]);
});

test("a name finds its action; an unknown or missing name finds none", () => {
  assert.equal(findAction(LISTED, "typed"), LISTED[1]);
  assert.equal(findAction(LISTED, "nope"), undefined);
  assert.equal(findAction(LISTED, undefined), undefined);
});
