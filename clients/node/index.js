/**
 * placepix tokens for Node back ends: an image URL whose text (an e-mail address, a price) is
 * encrypted, so it appears in no HTML, URL or log. Implements token format version 2 of
 * docs/token-format.md with Node's own crypto module (HKDF-SHA256, HMAC-SHA256, AES-256-GCM):
 * no dependency, no hand-made cryptography. Node 18 or later.
 *
 *   import { tokenPath } from "placepix-tokens";
 *   const src = "https://img.example.com" +
 *     tokenPath("jane@example.com", process.env.PLACEPIX_SECRET, { width: 300, height: 40 });
 *
 * The secret is the first entry of the server's PLACEPIX_SECRET_KEYS.
 */

import { createCipheriv, createHmac, hkdfSync, randomBytes } from "node:crypto";

/** The token format version minted here. */
export const VERSION = 2;

const SALT = "placepix keys v1";
const INFO = "placepix token-v2";
const NONCE_BYTES = 12;
const FORMATS = ["png", "jpeg", "webp", "gif", "avif", "bmp", "tiff", "ico"];
const ALIASES = { jpg: "jpeg", tif: "tiff" };
const ALIGNMENTS = { left: "left", center: "center", right: "right", centre: "center", middle: "center" };
const OPTIONS = [
  "width", "height", "background", "foreground", "font", "fontSize", "format", "padding",
  "align", "scale", "distort", "ttl", "expires", "deterministic", "nonce",
];
const MAX_SCALE = 3;
const MAX_NUMBER = 999999;

/** Thrown for an option the token can't carry; the message names it. */
export class PlacepixOptionError extends TypeError {}

/**
 * The token for an image of `text`. Options: width and height (required: only the server
 * measures text; the text is fitted into the box unless fontSize is given), background and
 * foreground (hex: "fff", "#ff8800", "11223380"; "transparent"), font ("lato", "Open Sans"),
 * fontSize, format (png, jpeg, webp, gif, avif, bmp, tiff, ico), padding, align (left, center,
 * right), scale (1-3, retina), distort (anti-OCR), ttl (seconds until it expires) or expires
 * (Unix seconds), deterministic (default true: the same text and options give the same token,
 * which CDNs cache).
 */
export function makeToken(text, secret, options = {}) {
  const unknown = Object.keys(options).filter((name) => !OPTIONS.includes(name));
  if (unknown.length) {
    throw new PlacepixOptionError(`unknown option ${unknown[0]}; known: ${OPTIONS.join(", ")}`);
  }
  const plaintext = tokenPlaintext(text, options);
  return sealPlaintext(plaintext, secret, {
    deterministic: options.deterministic ?? true,
    nonce: options.nonce,
  });
}

/** The path the server answers: "/t/<token>", or "/t/<token>.<format>" for another format. */
export function tokenPath(text, secret, options = {}, format = undefined) {
  const token = makeToken(text, secret, options);
  return `/t/${token}` + (format === undefined ? "" : `.${checkFormat(format)}`);
}

/**
 * What a token encrypts: the expiry (Unix seconds, rounded up to the minute; empty for never),
 * a line feed, and the image's canonical URL.
 */
export function tokenPlaintext(text, options, now = Date.now() / 1000) {
  if (options.ttl != null && options.expires != null) {
    throw new PlacepixOptionError("give ttl or expires, not both");
  }
  let expires = null;
  if (options.ttl != null) {
    expires = Math.floor(now) + integer(options.ttl, "ttl", -Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
  } else if (options.expires != null) {
    expires = integer(options.expires, "expires", 0, Number.MAX_SAFE_INTEGER);
  }
  if (expires !== null && expires < 0) {
    throw new PlacepixOptionError("the expiry must not be before 1970");
  }
  const expiry = expires === null ? "" : String(Math.ceil(expires / 60) * 60);
  return `${expiry}\n${canonicalUrl(text, options)}`;
}

/** The image's URL in placepix's canonical form, as ImageSpec.canonical() writes it. */
export function canonicalUrl(text, options) {
  if (options.width == null || options.height == null) {
    throw new PlacepixOptionError("width and height are required (only the server can measure text)");
  }
  const width = integer(options.width, "width", 1);
  const height = integer(options.height, "height", 1);
  const scale = integer(options.scale ?? 1, "scale", 1, MAX_SCALE);
  const background = colour(String(options.background ?? "ffffff"), "background");
  const foreground = colour(String(options.foreground ?? "000000"), "foreground");
  const format = checkFormat(String(options.format ?? "png"));
  const retina = scale !== 1 ? `@${scale}x` : "";
  const path = `/${width}x${height}${retina}/${background}/${foreground}.${format}`;
  const align = checkAlign(String(options.align ?? "center"));
  const params = [
    ["text", normaliseText(String(text))],
    ["font", options.font != null ? font(String(options.font)) : null],
    ["font_size", options.fontSize != null ? integer(options.fontSize, "fontSize", 1) : null],
    ["align", align === "center" ? null : align],
    ["padding", options.padding != null ? integer(options.padding, "padding", 0) : null],
    ["distort", options.distort ? 1 : null],
  ];
  const query = params
    .filter(([, value]) => value !== null)
    .map(([name, value]) => `${name}=${quote(String(value))}`)
    .join("&");
  return `${path}?${query}`;
}

/**
 * Seal a plaintext (see tokenPlaintext) into a token: AES-256-GCM under an HKDF-SHA256 key,
 * with a nonce that is HMAC-SHA256 of header and plaintext (deterministic) or random. `nonce`
 * (12 bytes, hex) is for test vectors only.
 */
export function sealPlaintext(plaintext, secret, { deterministic = true, nonce = undefined } = {}) {
  if (typeof secret !== "string" || secret === "") {
    throw new PlacepixOptionError("the secret must be a non-empty string");
  }
  const keys = Buffer.from(hkdfSync("sha256", Buffer.from(secret, "utf8"), SALT, INFO, 64));
  const nonceKey = keys.subarray(0, 32);
  const aeadKey = keys.subarray(32, 64);
  const header = Buffer.from([VERSION, deterministic ? 0 : 1]);
  const message = Buffer.from(plaintext, "utf8");
  let iv;
  if (deterministic) {
    iv = createHmac("sha256", nonceKey).update(header).update(message).digest().subarray(0, NONCE_BYTES);
  } else if (nonce !== undefined && nonce !== null) {
    iv = Buffer.from(nonce, "hex");
    if (iv.length !== NONCE_BYTES || nonce.length !== 2 * NONCE_BYTES) {
      throw new PlacepixOptionError("nonce must be 12 bytes in hex");
    }
  } else {
    iv = randomBytes(NONCE_BYTES);
  }
  const cipher = createCipheriv("aes-256-gcm", aeadKey, iv, { authTagLength: 16 });
  cipher.setAAD(header);
  const sealed = Buffer.concat([cipher.update(message), cipher.final(), cipher.getAuthTag()]);
  return Buffer.concat([header, iv, sealed]).toString("base64url");
}

/** RFC 3986 percent-encoding of everything but A-Z a-z 0-9 - . _ ~, as Python's quote(safe=""). */
function quote(value) {
  return encodeURIComponent(value)
    .replace(/[!'()*]/g, (c) => "%" + c.charCodeAt(0).toString(16).toUpperCase())
    .replaceAll("%5Cn", "%5C%6E"); // a literal backslash-n, not a line break
}

/** The text as the server stores it: line breaks unified, tabs as spaces, NFC, no control characters. */
function normaliseText(text) {
  if (/\p{Cs}/u.test(text)) {
    throw new PlacepixOptionError("text is not valid Unicode (lone surrogate)");
  }
  const unified = text
    .replaceAll("\r\n", "\n")
    .replaceAll("\t", " ")
    .replaceAll("\u2028", "\n")
    .replaceAll("\u2029", "\n")
    .normalize("NFC");
  return unified.replace(/(?!\n)\p{Cc}|[\uFFFE\uFFFF]/gu, "");
}

function colour(value, name) {
  if (value.toLowerCase() === "transparent") return "00000000";
  const match = /^#?([0-9a-fA-F]{3,4}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})$/.exec(value);
  if (!match) {
    throw new PlacepixOptionError(`${name} must be a hex colour like ff8800, #fff or 11223380 (or transparent)`);
  }
  let digits = match[1].toLowerCase();
  if (digits.length <= 4) digits = [...digits].map((d) => d + d).join("");
  return digits.length === 8 && digits.endsWith("ff") ? digits.slice(0, 6) : digits;
}

function checkFormat(value) {
  let name = value.toLowerCase();
  name = ALIASES[name] ?? name;
  if (name === "svg") {
    throw new PlacepixOptionError("tokens render raster formats only: SVG would carry the text as text");
  }
  if (!FORMATS.includes(name)) {
    throw new PlacepixOptionError(`unknown format ${value}; choose one of ${FORMATS.join(", ")}`);
  }
  return name;
}

function font(value) {
  const name = value.trim().toLowerCase().replaceAll(" ", "-").replaceAll("_", "-");
  if (!/^[a-z0-9][a-z0-9-]{0,63}$/.test(name)) {
    throw new PlacepixOptionError("font names are letters, digits and hyphens, like open-sans");
  }
  return name;
}

function checkAlign(value) {
  const align = Object.hasOwn(ALIGNMENTS, value.toLowerCase()) ? ALIGNMENTS[value.toLowerCase()] : undefined;
  if (!align) throw new PlacepixOptionError("align must be one of left, center, right");
  return align;
}

function integer(value, name, min, max = MAX_NUMBER) {
  const number = typeof value === "string" && /^-?\d{1,15}$/.test(value) ? Number(value) : value;
  if (!Number.isInteger(number) || number < min || number > max) {
    throw new PlacepixOptionError(`${name} must be a whole number from ${min} to ${max}`);
  }
  return number;
}
