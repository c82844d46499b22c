/**
 * A contact page whose e-mail address and phone number are images from placepix tokens.
 * Plain Node, no dependency:
 *
 *   PLACEPIX_URL=http://127.0.0.1:8000 PLACEPIX_SECRET='a long random secret' \
 *     node examples/contact-page.js        # then open http://127.0.0.1:3000/contact
 *
 * PLACEPIX_SECRET is the first entry of the placepix server's PLACEPIX_SECRET_KEYS.
 */

import { createServer } from "node:http";
import { tokenPath } from "../index.js";

const base = process.env.PLACEPIX_URL ?? "http://127.0.0.1:8000";
const secret = process.env.PLACEPIX_SECRET;
if (!secret) throw new Error("set PLACEPIX_SECRET to the server's first secret key");

/** An <img> of `text`; `alt` says what it is without repeating it. */
function textImage(text, alt, width, height) {
  const src = base + tokenPath(text, secret, { width, height, foreground: "222222", fontSize: 18 });
  return `<img src="${src}" width="${width}" height="${height}" alt="${alt}" referrerpolicy="no-referrer">`;
}

createServer((request, response) => {
  if (request.url !== "/contact") {
    response.writeHead(404).end("not found\n");
    return;
  }
  response.writeHead(200, { "content-type": "text/html; charset=utf-8" });
  response.end(`<!doctype html><title>Contact</title>
<p>Write to ${textImage("jane@example.com", "our e-mail address", 200, 28)}</p>
<p>Call ${textImage("+44 20 7946 0000", "our phone number", 170, 28)}</p>`);
}).listen(3000, "127.0.0.1");
