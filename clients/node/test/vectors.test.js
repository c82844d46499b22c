/** The helper against docs/token-vectors.json, which the Python implementation makes. */

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { makeToken, tokenPath, PlacepixOptionError } from "../index.js";

// PLACEPIX_VECTORS: the vector file, for a copy of this folder outside the repository
const file = process.env.PLACEPIX_VECTORS ?? new URL("../../../docs/token-vectors.json", import.meta.url);
const vectors = JSON.parse(readFileSync(file));
const camel = (name) => name.replace(/_([a-z])/g, (_, letter) => letter.toUpperCase());

for (const v of vectors.mint) {
  test(`mints the vector: ${v.name}`, () => {
    const options = Object.fromEntries(Object.entries(v.options).map(([k, value]) => [camel(k), value]));
    if (v.expires != null) options.expires = v.expires;
    if (v.nonce != null) options.nonce = v.nonce;
    options.deterministic = v.deterministic;
    assert.equal(makeToken(v.text, v.secret, options), v.token);
  });
}

test("random tokens differ every time", () => {
  const options = { width: 100, height: 20, deterministic: false };
  assert.notEqual(makeToken("x", "s", options), makeToken("x", "s", options));
});

test("bad options are refused with a message naming them", () => {
  assert.throws(() => makeToken("x", "s", { width: 10 }), /width and height are required/);
  assert.throws(() => makeToken("x", "s", { width: 10, height: 10, format: "svg" }), PlacepixOptionError);
  assert.throws(() => makeToken("x", "s", { width: 10, height: 10, fontsize: 3 }), /unknown option fontsize/);
  assert.equal(tokenPath("x", "s", { width: 10, height: 10 }, "jpg").slice(-5), ".jpeg");
});
