/**
 * Mints the tokens a JSON list of cases on standard input asks for and prints them as a JSON
 * list, one token or {"error": message} per case: how tests/test_clients.py drives this helper
 * on docs/token-vectors.json and on tokens for a real server. A case is
 * {secret, text, options, expires, deterministic, nonce} as in the vector file, options with
 * Python's names (font_size), which become this helper's (fontSize).
 */

import { readFileSync } from "node:fs";
import { makeToken, PlacepixOptionError } from "../index.js";

const cases = JSON.parse(readFileSync(0, "utf8"));
const out = cases.map((c) => {
  const options = {};
  for (const [name, value] of Object.entries(c.options ?? {})) {
    options[name.replace(/_([a-z])/g, (_, letter) => letter.toUpperCase())] = value;
  }
  for (const name of ["expires", "deterministic", "nonce"]) {
    if (c[name] != null) options[name] = c[name];
  }
  try {
    return makeToken(c.text, c.secret, options);
  } catch (error) {
    if (error instanceof PlacepixOptionError) return { error: error.message };
    throw error;
  }
});
process.stdout.write(JSON.stringify(out) + "\n");
