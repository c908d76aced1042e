import assert from "node:assert/strict";
import { test } from "node:test";

import { calledNames } from "../../src/core/calledNames";

test("the names a selection calls, in order, once each, keywords left out", () => {
  const text = "if (ok) { total = circleArea(r) + geo.perimeter (r) + circleArea(2); }";
  assert.deepEqual(calledNames(text, 5), [
    { name: "circleArea", offset: text.indexOf("circleArea") },
    { name: "perimeter", offset: text.indexOf("perimeter") },
  ]);
});

test("at most the limit", () => {
  assert.deepEqual(
    calledNames("a() b() c()", 2).map((n) => n.name),
    ["a", "b"],
  );
});
