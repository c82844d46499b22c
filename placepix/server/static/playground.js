// placepix playground: builds image URLs from a form, previews them live, and shows a gallery of
// every URL form this instance understands. Plain browser JavaScript, no build step, no CDN.
"use strict";

(() => {
  const $ = (id) => document.getElementById(id);

  // Used when /info.json cannot be read, so the page still works against an older server.
  const FALLBACK_INFO = {
    version: "",
    default_format: "png",
    formats: ["png", "jpeg", "webp", "gif", "avif", "svg", "bmp", "tiff", "ico"],
    fonts: ["lato"],
    default_font: "lato",
    named_sizes: {},
    colour_names: [],
    limits: {},
    tokens: false,
    require_signature: false,
  };
  // Formats with a side limit of their own (docs/url-grammar.md, "Format").
  const FORMAT_MAX_SIDE = { webp: 16383, jpeg: 65500, gif: 65535, ico: 256 };
  // Formats that common browsers cannot display in an <img>: shown as a download instead.
  const NOT_DISPLAYABLE = new Set(["tiff"]);
  const HEX = /^#?([0-9a-f]{3}|[0-9a-f]{4}|[0-9a-f]{6}|[0-9a-f]{8})$/i;
  const WITH_ALPHA = /^(.+),(\d{1,3})$/; // fakeimg.pl's colour,alpha
  // Ratios of the size menu: the height follows the width, rounded half up as the server does.
  const RATIOS = ["1:1", "4:3", "3:2", "16:9", "21:9", "3:4", "2:3", "9:16"];
  // The form's defaults: a page URL names only what differs from them.
  const DEFAULTS = {
    width: "600", height: "400", scale: "1", bg: "dddddd", fg: "999999", text: "",
    font_size: "", align: "center", padding: "",
  };
  const DEBOUNCE_MS = 250;

  let info = FALLBACK_INFO;
  let previewTimer = 0;

  // ---- start --------------------------------------------------------------------------------

  async function start() {
    const fontLabels = loadFontLabels(); // in parallel with /info.json
    info = await loadInfo();
    showInstance();
    if (info.require_signature) {
      showLocked();
      return; // unsigned URLs would all be refused: offer none
    }
    fillSelect($("font"), info.fonts, info.default_font, await fontLabels);
    fillSelect($("format"), info.formats, info.default_format);
    fillPresets(info.named_sizes || {});
    restoreState(new URLSearchParams(location.search));
    wireForm();
    $("playground").hidden = false;
    showGallery();
    $("gallery-section").hidden = false;
    update(true);
  }

  /** Locked mode: explain signing, and unlink the one unsigned example in the intro. */
  function showLocked() {
    $("locked").hidden = false;
    $("intro-live").hidden = true;
    const example = $("intro-example");
    example.replaceWith(...example.childNodes);
  }

  /** This instance's formats, fonts, limits and modes; the fallback if the request fails. */
  async function loadInfo() {
    try {
      const response = await fetch("/info.json", { headers: { Accept: "application/json" } });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      return { ...FALLBACK_INFO, ...(await response.json()) };
    } catch (error) {
      say(`Could not read /info.json (${error.message}); using default settings.`);
      return FALLBACK_INFO;
    }
  }

  /** "name — Family (also alias, …)" for each font in /fonts; none if it cannot be read (the
   * menu then shows the names alone). A stand-in alias (museo) says so. */
  async function loadFontLabels() {
    try {
      const response = await fetch("/fonts", { headers: { Accept: "application/json" } });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      const described = await response.json();
      const standIns = described.stand_ins || {};
      return Object.fromEntries(described.fonts.map((font) => {
        const aliases = (font.aliases || []).map((alias) => (alias in standIns ? `${alias}, a stand-in` : alias));
        const also = aliases.length ? ` (also ${aliases.join(", ")})` : "";
        return [font.name, `${font.name} — ${font.family}${also}`];
      }));
    } catch (error) {
      return {};
    }
  }

  function fillSelect(select, values, selected, labels = {}) {
    select.replaceChildren(
      ...values.map((value) => new Option(labels[value] || value, value, value === selected, value === selected)),
    );
  }

  // ---- the form -----------------------------------------------------------------------------

  function wireForm() {
    const form = $("form");
    form.addEventListener("submit", (event) => event.preventDefault());
    form.addEventListener("input", (event) => {
      syncColour(event.target);
      followPreset(event.target);
      update(false);
    });
    form.addEventListener("change", () => update(false));
    $("copy").addEventListener("click", () => copy($("url").textContent, $("copy")));
  }

  // ---- the page URL: every setting, so that a reload or a shared link shows the same -------

  /** Fill the form from the page's query (?width=300&bg=000&text=Hi…); unknown values of a
   * menu are left at its default. */
  function restoreState(params) {
    const fields = {
      width: "width", height: "height", scale: "scale", bg: "bg-hex", fg: "fg-hex", text: "text",
      font: "font", format: "format", font_size: "font-size", align: "align", padding: "padding",
    };
    for (const [name, id] of Object.entries(fields)) {
      const value = params.get(name);
      const field = $(id);
      if (value === null) continue;
      if (field.tagName === "SELECT" && ![...field.options].some((o) => o.value === value)) continue;
      field.value = value;
    }
    $("distort").checked = params.get("distort") === "1";
    for (const name of ["bg", "fg"]) syncColour($(`${name}-hex`));
    const ratio = params.get("ratio");
    $("preset").value = ratio && RATIOS.includes(ratio) ? `ratio:${ratio}` : namedPreset();
    if (["font_size", "align", "padding"].some((name) => params.has(name))) {
      document.querySelector("details.more").open = true; // show what the link set
    }
  }

  /** Write the form into the page's query, without a new history entry per keystroke. */
  function saveState() {
    const params = new URLSearchParams();
    const values = {
      width: $("width").value, height: $("height").value, scale: $("scale").value,
      bg: $("bg-hex").value.trim(), fg: $("fg-hex").value.trim(), text: $("text").value,
      font: $("font").value === info.default_font ? "" : $("font").value,
      format: $("format").value === info.default_format ? "" : $("format").value,
      font_size: $("font-size").value, align: $("align").value, padding: $("padding").value,
    };
    for (const [name, value] of Object.entries(values)) {
      if (value !== "" && value !== DEFAULTS[name]) params.set(name, value);
    }
    if ($("distort").checked) params.set("distort", "1");
    if ($("preset").value.startsWith("ratio:")) params.set("ratio", $("preset").value.slice(6));
    const query = params.toString();
    history.replaceState(null, "", (query ? `?${query}` : location.pathname) + location.hash); // the tab stays
  }

  // ---- named sizes and ratios ---------------------------------------------------------------

  function fillPresets(sizes) {
    const select = $("preset");
    const ratios = element("optgroup", { label: "Ratios (height follows width)" });
    ratios.append(...RATIOS.map((ratio) => new Option(ratio, `ratio:${ratio}`)));
    const named = element("optgroup", { label: "Named sizes" });
    named.append(
      ...Object.entries(sizes).map(([name, size]) => new Option(`${name} — ${size.replace("x", " × ")}`, `size:${name}`)),
    );
    select.append(ratios);
    if (named.children.length) select.append(named);
  }

  /** A chosen preset sets the size; with a ratio, the height follows the width. Typing a
   * size the preset does not make goes back to "custom". */
  function followPreset(target) {
    const preset = $("preset").value;
    if (target === $("preset") && preset.startsWith("size:")) {
      const [width, height] = info.named_sizes[preset.slice(5)].split("x");
      $("width").value = width;
      $("height").value = height;
    } else if (preset.startsWith("ratio:") && (target === $("preset") || target === $("width"))) {
      const [across, down] = preset.slice(6).split(":").map(Number);
      const width = wholeNumber($("width").value);
      if (width >= 1) $("height").value = String(Math.floor((2 * width * down + across) / (2 * across)));
    } else if (target === $("width") || target === $("height")) {
      $("preset").value = namedPreset();
    }
  }

  /** The named size the width and height make, as a menu value, or "" (custom). */
  function namedPreset() {
    const size = `${$("width").value}x${$("height").value}`;
    const name = Object.keys(info.named_sizes || {}).find((key) => info.named_sizes[key] === size);
    return name ? `size:${name}` : "";
  }

  /** Keep each colour's picker, text field and opacity slider showing one colour: the
   * picker sets the colour and keeps the alpha, the slider sets the alpha and keeps the colour
   * (a name stays a name: `red,128`), and a colour typed in the field moves both. */
  function syncColour(target) {
    for (const name of ["bg", "fg"]) {
      const picker = $(`${name}-picker`);
      const field = $(`${name}-hex`);
      const alpha = $(`${name}-alpha`);
      const colour = parseColour(field.value);
      if (target === picker) {
        field.value = withAlpha(picker.value.slice(1), Number(alpha.value));
      } else if (target === alpha && colour) {
        field.value = withAlpha(colour.base, Number(alpha.value));
      } else if (target === field && colour) {
        picker.value = colour.rgb;
        alpha.value = String(colour.alpha);
      }
    }
  }

  /** A colour as the URL writes it: hex, a CSS name, `transparent`, or `colour,alpha`. Returns
   * {base: the colour without its alpha, rgb: "#rrggbb" for a picker, alpha: 0-255}, or null
   * for anything the server would refuse. */
  function parseColour(text) {
    let value = text.trim().toLowerCase().replace(/^#/, "");
    let alpha = null;
    const comma = WITH_ALPHA.exec(value);
    if (comma) {
      [value, alpha] = [comma[1], Number(comma[2])];
      if (alpha > 255) return null;
    }
    if (HEX.test(value)) {
      let digits = value;
      if (digits.length <= 4) digits = [...digits].map((d) => d + d).join("");
      const own = digits.length === 8 ? parseInt(digits.slice(6), 16) : 255;
      return { base: digits.slice(0, 6), rgb: `#${digits.slice(0, 6)}`, alpha: alpha ?? own };
    }
    if (value === "transparent") return { base: "000000", rgb: "#000000", alpha: alpha ?? 0 };
    if (!(info.colour_names || []).includes(value)) return null;
    return { base: value, rgb: cssRgb(value), alpha: alpha ?? 255 };
  }

  /** `#rrggbb` of a CSS colour name, as the browser itself reads it. */
  function cssRgb(name) {
    const context = document.createElement("canvas").getContext("2d");
    context.fillStyle = name;
    return context.fillStyle;
  }

  /** `base` with `alpha`: rrggbb + aa for hex, name,alpha for a name; none when opaque. */
  function withAlpha(base, alpha) {
    if (/^[0-9a-f]{6}$/.test(base)) return alpha >= 255 ? base : base + alpha.toString(16).padStart(2, "0");
    return alpha >= 255 ? base : `${base},${alpha}`;
  }

  function readState() {
    return {
      width: wholeNumber($("width").value),
      height: wholeNumber($("height").value),
      scale: Number($("scale").value),
      bg: $("bg-hex").value.trim().replace("#", "").toLowerCase(),
      fg: $("fg-hex").value.trim().replace("#", "").toLowerCase(),
      distort: $("distort").checked,
      text: $("text").value,
      font: $("font").value,
      format: $("format").value,
      fontSize: wholeNumber($("font-size").value),
      align: $("align").value,
      padding: wholeNumber($("padding").value),
    };
  }

  function wholeNumber(value) {
    const text = String(value).trim();
    return /^\d+$/.test(text) ? Number(text) : text === "" ? null : NaN;
  }

  /** Recompute URL and snippets now; reload the preview now or after the debounce delay. */
  function update(immediately) {
    const state = readState();
    clearTimeout(previewTimer);
    markInvalidColours();
    saveState();
    const problem = problemWith(state);
    showProblem(problem);
    showDownload(problem ? null : state);
    if (problem) return;
    const path = pathFor(state);
    showUrl(path, state);
    if (immediately) showPreview(path, state);
    else previewTimer = setTimeout(() => showPreview(path, state), DEBOUNCE_MS);
  }

  function markInvalidColours() {
    for (const id of ["bg-hex", "fg-hex"]) {
      const field = $(id);
      if (parseColour(field.value)) field.removeAttribute("aria-invalid");
      else field.setAttribute("aria-invalid", "true");
    }
  }

  // ---- URLs ---------------------------------------------------------------------------------

  /** The canonical placepix path for a form state (docs/url-grammar.md). */
  function pathFor(state, scale = state.scale) {
    const retina = scale > 1 ? `@${scale}x` : "";
    const path = `/${state.width}x${state.height}${retina}/${state.bg}/${state.fg}.${state.format}`;
    const params = [];
    if (state.text !== "") params.push(`text=${encodeText(state.text)}`);
    if (state.font && state.font !== info.default_font) params.push(`font=${state.font}`);
    if (state.fontSize !== null) params.push(`font_size=${state.fontSize}`);
    if (state.align !== "center") params.push(`align=${state.align}`);
    if (state.padding !== null) params.push(`padding=${state.padding}`);
    if (state.distort) params.push("distort=1");
    return params.length ? `${path}?${params.join("&")}` : path;
  }

  /** Query-encode text: newlines as the two characters `\n`, spaces as `+`, brackets escaped
   * so the URL also survives Markdown. */
  function encodeText(text) {
    return text
      .split(/\r\n|\r|\n/)
      .map((line) =>
        encodeURIComponent(line)
          .replace(/%20/g, "+")
          .replace(/[()]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`),
      )
      .join("\\n");
  }

  const absolute = (path) => location.origin + path;

  /** The first limit this state breaks, as a sentence, or "" (the server has the last word). */
  function problemWith(state) {
    const limits = info.limits || {};
    if (!(state.width >= 1) || !(state.height >= 1)) return "Width and height must be whole numbers of at least 1.";
    if (!parseColour(state.bg) || !parseColour(state.fg))
      return "Colours are hex (ff8800, f808), a CSS name (rebeccapurple), transparent, or a colour and its alpha (red,128).";
    if (state.distort && state.format === "svg")
      return "Distortion is for raster formats: SVG carries its text as text. Choose another format.";
    if (Number.isNaN(state.fontSize) || state.fontSize === 0) return "Font size must be a whole number of at least 1.";
    if (Number.isNaN(state.padding)) return "Padding must be a whole number.";
    const width = state.width * state.scale;
    const height = state.height * state.scale;
    if (limits.max_side && Math.max(width, height) > limits.max_side)
      return `Image too large: ${width} × ${height} pixels; max_side is ${limits.max_side}.`;
    if (limits.max_pixels && width * height > limits.max_pixels)
      return `Image too large: ${width * height} pixels; max_pixels is ${limits.max_pixels}.`;
    if (state.format === "avif" && limits.max_avif_pixels && width * height > limits.max_avif_pixels)
      return `AVIF images can be at most ${limits.max_avif_pixels} pixels (max_avif_pixels); WebP or PNG can be larger.`;
    const formatSide = FORMAT_MAX_SIDE[state.format];
    if (formatSide && Math.max(width, height) > formatSide)
      return `${state.format} images can be at most ${formatSide} pixels a side.`;
    if (limits.max_text_length && [...state.text].length > limits.max_text_length)
      return `Text too long: max_text_length is ${limits.max_text_length} characters.`;
    if (limits.max_font_size && state.fontSize > limits.max_font_size)
      return `Font size too large: max_font_size is ${limits.max_font_size}.`;
    if (limits.max_url_length && pathFor(state).length > limits.max_url_length)
      return `URL too long: max_url_length is ${limits.max_url_length} characters.`;
    return "";
  }

  // ---- output -------------------------------------------------------------------------------

  function showProblem(message) {
    const box = $("problem");
    box.textContent = message;
    box.hidden = !message;
  }

  function showUrl(path, state) {
    const url = absolute(path);
    const link = $("url");
    link.href = path;
    link.textContent = url;
    showSnippets(snippetsFor(state, url));
  }

  function snippetsFor(state, url) {
    const alt = state.text.trim() ? state.text.trim().replace(/\s+/g, " ") : "placeholder";
    const [x1, x2, x3] = [1, 2, 3].map((scale) => attr(absolute(pathFor(state, scale))));
    const size = `width="${state.width}" height="${state.height}"`;
    return [
      ["HTML <img>", `<img src="${attr(url)}" ${size} alt="${attr(alt)}">`],
      [
        "HTML <img srcset> (1x, 2x, 3x)",
        `<img\n  src="${x1}"\n  srcset="${x1} 1x,\n    ${x2} 2x,\n    ${x3} 3x"\n  ${size} alt="${attr(alt)}">`,
      ],
      ["HTML <picture> (AVIF, WebP, then a fallback)", pictureSnippet(state, size, alt)],
      ["Markdown", `![${alt.replace(/[[\]\\]/g, "\\$&")}](${url})`],
      [
        "CSS background-image",
        `.placeholder {\n  width: ${state.width}px;\n  height: ${state.height}px;\n` +
          `  background-image: url("${url.replace(/["\\]/g, "\\$&")}");\n  background-size: cover;\n}`,
      ],
    ];
  }

  /** AVIF and WebP sources for browsers that take them, then an <img> in the chosen format
   * (PNG when that is AVIF or WebP). AVIF is left out above max_avif_pixels. */
  function pictureSnippet(state, size, alt) {
    const url = (format) => attr(absolute(pathFor({ ...state, format })));
    const pixels = state.width * state.height * state.scale ** 2;
    const avif = !info.limits.max_avif_pixels || pixels <= info.limits.max_avif_pixels;
    const fallback = ["avif", "webp"].includes(state.format) ? "png" : state.format;
    const sources = [
      ...(avif ? [`  <source type="image/avif" srcset="${url("avif")}">`] : []),
      `  <source type="image/webp" srcset="${url("webp")}">`,
    ];
    return `<picture>\n${sources.join("\n")}\n  <img src="${url(fallback)}" ${size} alt="${attr(alt)}">\n</picture>`;
  }

  /** The download button: the image of the current state, under a file name from its size. */
  function showDownload(state) {
    const link = $("download");
    if (!state) {
      link.removeAttribute("href");
      link.setAttribute("aria-disabled", "true");
      return;
    }
    const path = pathFor(state);
    const retina = state.scale > 1 ? `@${state.scale}x` : "";
    const extension = { jpeg: "jpg" }[state.format] || state.format;
    link.href = path;
    link.download = `placeholder-${state.width}x${state.height}${retina}.${extension}`;
    link.removeAttribute("aria-disabled");
  }

  function attr(text) {
    return text.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;");
  }

  function showSnippets(snippets) {
    const list = $("snippets");
    list.replaceChildren(
      ...snippets.map(([title, code]) => {
        const box = element("div", { className: "snippet" });
        const head = element("div", { className: "snippet-head" });
        const name = element("h4", { textContent: title });
        const button = element("button", { type: "button", className: "copy-snippet", textContent: "Copy" });
        button.setAttribute("aria-label", `Copy the ${title} snippet`);
        button.addEventListener("click", () => copy(code, button));
        head.append(name, button);
        const pre = element("pre", { tabIndex: 0 }); // focusable, so it scrolls by keyboard
        pre.setAttribute("aria-label", `${title} snippet`);
        pre.append(element("code", { textContent: code }));
        box.append(head, pre);
        return box;
      }),
    );
  }

  /** Load `path` into the preview; on failure show the server's one-line message. */
  function showPreview(path, state) {
    const image = $("preview");
    const caption = $("preview-info");
    if (image.getAttribute("src") === path && image.dataset.state !== "loading") return;
    image.dataset.state = "loading";
    caption.textContent = "Loading…";
    image.onload = () => {
      if (image.getAttribute("src") !== path) return;
      image.width = state.width; // logical size: a 2x image shows crisp at its CSS size
      image.height = state.height;
      image.dataset.state = "loaded";
      image.alt = `Preview: ${state.width} × ${state.height} ${state.format} placeholder`;
      caption.textContent =
        `${state.width} × ${state.height} logical, ${image.naturalWidth} × ${image.naturalHeight} pixels, ${state.format}`;
    };
    image.onerror = () => {
      if (image.getAttribute("src") !== path) return;
      image.dataset.state = "error";
      caption.textContent = "";
      explainFailure(path, state.format);
    };
    image.setAttribute("src", path);
  }

  async function explainFailure(path, format) {
    try {
      const response = await fetch(path);
      if (response.ok && NOT_DISPLAYABLE.has(format)) {
        const size = (await response.blob()).size;
        showProblem(`The server made it (${response.headers.get("content-type")}, ${size} bytes), but this browser cannot show ${format}. Open the URL to download it.`);
      } else if (response.ok) {
        showProblem("The server made the image, but this browser could not display it.");
      } else {
        showProblem(`${response.status}: ${(await response.text()).trim()}`);
      }
    } catch (error) {
      showProblem(`The image could not be loaded: ${error.message}`);
    }
  }

  /** Put `text` on the clipboard; fall back to a hidden textarea where the Clipboard API is
   * missing (plain http on a LAN address is not a secure context). */
  async function copy(text, button) {
    let done = false;
    try {
      if (navigator.clipboard && window.isSecureContext) {
        await navigator.clipboard.writeText(text);
        done = true;
      } else {
        done = legacyCopy(text);
      }
    } catch (error) {
      done = legacyCopy(text);
    }
    button.textContent = done ? "Copied" : "Copy failed";
    say(done ? "Copied to the clipboard." : "Could not copy: select the text and copy it by hand.");
    setTimeout(() => (button.textContent = "Copy"), 1500);
  }

  function legacyCopy(text) {
    const area = element("textarea", { value: text });
    area.setAttribute("readonly", "");
    area.className = "offscreen";
    document.body.append(area);
    area.select();
    let done = false;
    try {
      done = document.execCommand("copy");
    } catch (error) {
      done = false;
    }
    area.remove();
    return done;
  }

  function say(message) {
    $("status").textContent = message;
  }

  function element(tag, properties = {}) {
    return Object.assign(document.createElement(tag), properties);
  }

  // ---- the gallery --------------------------------------------------------------------------

  /** [heading, note, [[path, what it shows, display width or undefined], ...]] */
  function galleryGroups() {
    const fonts = info.fonts.map((name) => [`/300x80/fff/222?text=${name}&font=${name}`, `font=${name}`]);
    const font = info.fonts.includes("roboto") ? "roboto" : info.default_font;
    // The three places a format may go, in turn: the last colour, its own segment, the size.
    const formatForms = [(f) => `/240x160/456/fff.${f}`, (f) => `/240x160/456/fff/${f}`, (f) => `/240x160.${f}`];
    const formats = info.formats.map((format, index) => [
      `${formatForms[index % formatForms.length](format)}?text=${format}`,
      `${format}${format === info.default_format ? " (the default)" : ""}`,
    ]);
    return [
      ["placehold.co forms", "placepix's own grammar.", [
        ["/600x400", "size only: grey, with its size as the text"],
        ["/300", "one number: a square"],
        ["/600x400@2x.png", "retina: 1200 × 800 pixels, text as on 600 × 400", 600],
        [`/600x400/000/fff.webp?text=Hi&font=${font}`, "background, text colour, format, text, font"],
        ["/600x400/png", "the format as its own segment"],
        ["/600x400/000/fff/avif", "the format after both colours"],
        ["/300x200?text=Hello+World", "+ is a space"],
        ["/300x200/333/fff?text=Line+1\\nLine+2", "\\n breaks the line"],
        ["/300x200/rebeccapurple/fff?text=CSS+names", "CSS colour names"],
        ["/300x200/f008/000.png?text=4-digit+hex", "4 or 8 hex digits carry alpha"],
        ["/300x200/transparent/000.png?text=transparent", "transparent background"],
        ["/300x200/%23ff8800/fff?text=%23+is+%2523", "a # must be sent as %23 (or left out)"],
        ["/300x200/fff/333?text=Left&font_size=40&align=left&padding=10", "font_size, align and padding"],
      ]],
      ["dummyimage.com forms", "Text in the path after &, | as a line break, named ad sizes.", [
        ["/600x400/000/fff.png&text=hi", "&text= in the path"],
        ["/300x200/09f/fff.gif&text=Line+1|Line+2", "| breaks the line"],
        ["/320x4:3/09f/fff.png&text=ratio", "a ratio with path text"],
        ["/640x480/ccc/000.jpg", "jpg is jpeg"],
        ["/leaderboard", "named size: leaderboard, 728 × 90"],
        ["/mediumrectangle", "named size: mediumrectangle, 300 × 250"],
      ]],
      ["fakeimg.pl forms", "Alpha after a comma, ?retina=1, a file name, a trailing slash.", [
        ["/300x200/ff0000,128/000,255/", "colour,alpha (0–255) and a trailing slash"],
        ["/300x200?retina=1", "?retina=1 is @2x", 300],
        ["/300x200/img.webp", "a file name: only its extension counts"],
        ["/300x200/", "one trailing slash is allowed"],
      ]],
      ["Named sizes", "Case-insensitive; the full list is under “This instance”.", [
        ["/vga", "vga, 640 × 480"],
        ["/og.png", "og (Open Graph), 1200 × 630"],
        ["/hd720", "hd720, 1280 × 720"],
        ["/avatar.webp", "avatar, 256 × 256"],
        ["/microbar", "microbar, 88 × 31"],
        ["/favicon.ico", "favicon: a real 32 × 32 icon"],
      ]],
      ["Ratio sizes", "One side and a ratio; the other side is rounded half up.", [
        ["/640x4:3", "width 640, ratio 4:3: 640 × 480"],
        ["/16:9x360", "ratio 16:9, height 360: 640 × 360"],
        ["/100x3:2", "100 × 67 (66.67 rounds up)"],
      ]],
      ["Formats", "An extension on the size or the last colour, or a segment of its own.", formats],
      ["Text in any script", "Per-glyph font fallback, colour emoji, right-to-left runs.", [
        ["/300x200/fff/000?text=🐱 🚀 🎉", "colour emoji"],
        ["/300x200/fff/000?text=占位图像", "Chinese"],
        ["/300x200/fff/000?text=こんにちは\\n안녕하세요", "Japanese and Korean"],
        ["/300x200/fff/000?text=مرحبا بالعالم", "Arabic, right to left"],
        ["/300x200/fff/000?text=שלום · नमस्ते · สวัสดี", "Hebrew, Devanagari, Thai"],
        ["/300x200/fff/000?text=Mixed: café ☕ 東京", "mixed scripts in one line"],
      ]],
      ["Fonts", "Every font this instance has (see /fonts).", fonts],
    ];
  }

  function showGallery() {
    const gallery = $("gallery");
    for (const [heading, note, examples] of galleryGroups()) {
      const group = element("section", { className: "group" });
      group.append(element("h3", { textContent: heading }), element("p", { className: "hint", textContent: note }));
      const grid = element("div", { className: "grid" });
      grid.append(...examples.map(([path, what, width]) => figure(path, what, width)));
      group.append(grid);
      gallery.append(group);
    }
  }

  function figure(path, what, width) {
    const box = element("figure", { className: "example" });
    const format = formatOf(path);
    if (NOT_DISPLAYABLE.has(format)) {
      box.append(downloadCard(path, format));
    } else {
      const image = element("img", { src: path, alt: `${what} (${path})`, decoding: "async" });
      if (width) image.width = width;
      box.append(image);
    }
    const caption = element("figcaption");
    const link = element("a", { href: path });
    link.append(element("code", { textContent: path }));
    caption.append(link, document.createTextNode(` ${what}`));
    box.append(caption);
    return box;
  }

  /** The format a path asks for by extension or segment ("" for the default). */
  function formatOf(path) {
    const found = path.split("?")[0].match(/[./](tiff?|png|jpe?g|webp|gif|avif|svg|bmp|ico)(?=[/&]|$)/gi) || [];
    const last = found.length ? found[found.length - 1].slice(1).toLowerCase() : "";
    return { tif: "tiff", jpg: "jpeg" }[last] || last;
  }

  /** A card for a format browsers cannot show: proves the server made it, offers the file. */
  function downloadCard(path, format) {
    const card = element("p", { className: "card", textContent: `Browsers other than Safari cannot show ${format}; open the link to download it.` });
    fetch(path)
      .then(async (response) => {
        const size = (await response.blob()).size;
        card.textContent = `${response.status} ${response.headers.get("content-type")}, ${size} bytes. ` + card.textContent;
      })
      .catch(() => {});
    return card;
  }

  // ---- this instance ------------------------------------------------------------------------

  function showInstance() {
    const limits = info.limits || {};
    const rows = [
      ["Formats", `${info.formats.join(", ")} (default ${info.default_format})`],
      ["Fonts", `${info.fonts.join(", ")} (default ${info.default_font})`],
      ["Largest side", limit(limits.max_side, "pixels, after retina scaling")],
      ["Most pixels", limit(limits.max_pixels, "pixels in all")],
      ["Most AVIF pixels", limit(limits.max_avif_pixels, "pixels")],
      ["Longest text", limit(limits.max_text_length, "characters")],
      ["Largest font size", limit(limits.max_font_size, "pixels")],
      ["Longest URL", limit(limits.max_url_length, "characters (longer: 414)")],
      ["Encrypted text tokens (/t/…)", info.tokens ? "on" : "off"],
      ["Locked mode (signed URLs only)", info.require_signature ? "on: use placepix sign" : "off"],
    ];
    $("limits").replaceChildren(
      ...rows.flatMap(([name, value]) => [element("dt", { textContent: name }), element("dd", { textContent: value })]),
    );
    showNamedSizes(info.named_sizes || {});
    if (info.version) $("version").textContent = `placepix ${info.version}`;
  }

  function limit(value, unit) {
    return value === undefined ? "unknown" : `${Number(value).toLocaleString("en")} ${unit}`;
  }

  function showNamedSizes(sizes) {
    const items = Object.entries(sizes).map(([name, size]) => {
      const item = element("li");
      const label = element("code", { textContent: `/${name}` });
      // In locked mode an unsigned link would only give an error: show the name alone.
      const holder = info.require_signature ? item : item.appendChild(element("a", { href: `/${name}` }));
      holder.append(label);
      item.append(document.createTextNode(` ${size.replace("x", " × ")}`));
      return item;
    });
    $("named-sizes").replaceChildren(...items);
    $("named-sizes-box").hidden = items.length === 0;
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
