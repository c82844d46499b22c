// placepix playground, Avatars tab: builds ui-avatars.com-style URLs (/api/?name=…) from a form,
// previews them live and shows names in every script. Plain browser JavaScript, no build step.
// It adds a tab bar in front of the placeholder playground (#playground) and this tab's section
// (#avatars in index.html); everything else on the page is playground.js's.
"use strict";

(() => {
  const $ = (id) => document.getElementById(id);
  const DEBOUNCE_MS = 250;
  const FORMATS = ["png", "svg", "webp", "avif", "auto", "jpeg", "gif"];
  // [name, label, input type, default, extra attributes]: the order of the path form.
  const FIELDS = [
    ["name", "Name", "text", "John Doe", { maxlength: "200" }],
    ["size", "Size (px)", "number", "128", { min: "1", step: "1" }],
    ["background", "Background (hex or random)", "text", "random", { maxlength: "9" }],
    ["color", "Text colour (hex)", "text", "222222", { maxlength: "9" }],
    ["length", "Initials", "number", "2", { min: "1", step: "1", max: "8" }],
    ["font-size", "Font size (share of the size)", "number", "0.4375", { min: "0.05", max: "1", step: "0.05" }],
    ["rounded", "Rounded", "checkbox", true, {}],
    ["uppercase", "Uppercase", "checkbox", true, {}],
    ["bold", "Bold", "checkbox", false, {}],
    ["format", "Format", "select", "png", {}],
  ];
  const DEFAULTS = { size: "64", background: "ddd", color: "222", length: "2", "font-size": "0.4375" };
  const SCRIPTS = [
    "Ada Lovelace", "Иван Петров", "Γιώργος Παπαδόπουλος", "山田 太郎", "张伟", "김민준",
    "محمد علي", "דוד כהן", "Zoë Ünal", "Jean-Luc Picard",
  ];
  // This tab's few styles, here rather than in playground.css (the page's own stylesheet).
  const STYLE = `
    .tabs { display: flex; gap: 0.5rem; margin: 0 0 1rem; }
    .tabs [role=tab][aria-selected=false] { background: transparent; color: inherit;
      border: 1px solid currentColor; }
    .field.check { flex-direction: row; align-items: center; gap: 0.4rem; }
    #avatar-gallery { grid-template-columns: repeat(auto-fill, minmax(7rem, 1fr)); }
    #avatar-gallery figcaption { text-align: center; }`;
  let timer = 0;

  async function start() {
    const info = await fetch("/info.json").then((r) => r.json()).catch(() => ({}));
    if (info.require_signature) return; // unsigned URLs are refused: no avatar tab either
    document.head.append(element("style", { textContent: STYLE }));
    buildForm();
    addTabs();
    showGallery();
    update();
  }

  function addTabs() {
    const bar = element("div", { className: "tabs", role: "tablist", id: "tabs" });
    const tabs = [["playground", "Placeholders"], ["avatars", "Avatars"]].map(([id, label]) => {
      const tab = element("button", { type: "button", role: "tab", id: `tab-${id}`, textContent: label });
      tab.setAttribute("aria-controls", id);
      tab.addEventListener("click", () => select(id));
      return tab;
    });
    bar.append(...tabs);
    $("playground").before(bar);
    select(location.hash === "#avatars" ? "avatars" : "playground");
  }

  /** Show one tab. The placeholder section is shown by playground.js once it has started, so
   * it is hidden here with a style, which wins over its `hidden = false`. */
  function select(id) {
    $("playground").style.display = id === "avatars" ? "none" : "";
    $("avatars").hidden = id !== "avatars";
    for (const tab of document.querySelectorAll("#tabs [role=tab]")) {
      tab.setAttribute("aria-selected", String(tab.id === `tab-${id}`));
    }
    // The hash names the tab; the query keeps the image playground's settings.
    const here = location.pathname + location.search;
    if (id === "avatars") history.replaceState(null, "", `${here}#avatars`);
    else if (location.hash === "#avatars") history.replaceState(null, "", here);
  }

  function buildForm() {
    const form = $("avatar-form");
    const row = element("div", { className: "row" });
    for (const [name, label, type, value, attributes] of FIELDS) {
      const id = `avatar-${name}`;
      const field = element("div", { className: type === "checkbox" ? "field check" : "field" });
      let input;
      if (type === "select") {
        input = element("select", { id, name });
        for (const format of FORMATS) input.append(element("option", { value: format, textContent: format }));
        input.value = value;
      } else {
        input = element("input", { id, name, type });
        if (type === "checkbox") input.checked = value;
        else input.value = value;
        for (const [key, attribute] of Object.entries(attributes)) input.setAttribute(key, attribute);
      }
      const caption = element("label", { htmlFor: id, textContent: label });
      if (type === "checkbox") field.append(input, caption);
      else field.append(caption, input);
      (name === "name" ? form : row).append(field);
    }
    form.append(row);
    form.addEventListener("submit", (event) => event.preventDefault());
    form.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(update, DEBOUNCE_MS);
    });
    form.addEventListener("change", update);
    $("avatar-copy").addEventListener("click", () => copy($("avatar-url").textContent));
  }

  function state() {
    const value = (name) => $(`avatar-${name}`);
    const result = {};
    for (const [name, , type] of FIELDS) {
      result[name] = type === "checkbox" ? value(name).checked : value(name).value.trim();
    }
    return result;
  }

  /** The query form, with only what differs from ui-avatars' defaults. */
  function queryFor(s) {
    const params = [["name", s.name]];
    for (const key of ["size", "background", "color", "length", "font-size"]) {
      const value = s[key].replace(/^#/, "");
      if (value !== "" && normal(value) !== normal(DEFAULTS[key])) params.push([key, value]);
    }
    if (s.rounded) params.push(["rounded", "true"]);
    if (!s.uppercase) params.push(["uppercase", "false"]);
    if (s.bold) params.push(["bold", "true"]);
    if (s.format !== "png") params.push(["format", s.format]);
    return "/api/?" + params.map(([k, v]) => `${k}=${encodeURIComponent(v).replace(/%20/g, "+")}`).join("&");
  }

  /** A value as compared with its default: 3-digit hex as 6 digits, lower case. */
  function normal(value) {
    const v = value.toLowerCase();
    return /^[0-9a-f]{3}$/.test(v) ? v.replace(/./g, "$&$&") : v;
  }

  function pathFor(s) {
    const part = (v) => encodeURIComponent(v.replace(/^#/, "")).replace(/%20/g, "+");
    const segments = [s.name, s.size, s.background, s.color, s.length, s["font-size"]].map(part);
    segments.push(String(s.rounded), String(s.uppercase), String(s.bold), s.format);
    return "/api/" + segments.join("/");
  }

  function update() {
    const s = state();
    const problem = problemWith(s);
    $("avatar-problem").hidden = !problem;
    $("avatar-problem").textContent = problem || "";
    if (problem) return;
    const url = queryFor(s);
    const link = $("avatar-url");
    link.textContent = location.origin + url;
    link.href = url;
    const path = $("avatar-path-url");
    path.textContent = location.origin + pathFor(s);
    path.href = pathFor(s);
    const preview = $("avatar-preview");
    preview.dataset.state = "loading";
    preview.onload = () => {
      preview.dataset.state = "loaded";
      $("avatar-info").textContent = `${preview.naturalWidth} × ${preview.naturalHeight}`;
    };
    preview.onerror = async () => {
      preview.dataset.state = "failed";
      const answer = await fetch(url).then((r) => r.text()).catch(() => "");
      $("avatar-problem").hidden = false;
      $("avatar-problem").textContent = answer.trim() || "This avatar could not be loaded.";
    };
    preview.src = url;
  }

  function problemWith(s) {
    if (!/^\d+$/.test(s.size) || Number(s.size) < 1) return "Size: a whole number of pixels, at least 1.";
    if (!/^\d+$/.test(s.length)) return "Initials: a whole number.";
    const share = Number(s["font-size"]);
    if (!(share > 0)) return "Font size: a share of the size, more than 0 (0.5 is half).";
    return "";
  }

  function showGallery() {
    const gallery = $("avatar-gallery");
    for (const name of SCRIPTS) {
      const url = `/api/?name=${encodeURIComponent(name)}&size=96&rounded=true&background=random`;
      const img = element("img", { src: url, alt: `Avatar of ${name}`, width: 96, height: 96, loading: "lazy" });
      const caption = element("figcaption");
      caption.append(element("a", { href: url, textContent: name }));
      gallery.append(element("figure", { className: "example" }, [img, caption]));
    }
  }

  async function copy(text) {
    try {
      await navigator.clipboard.writeText(text);
      $("avatar-copy").textContent = "Copied";
    } catch {
      $("avatar-copy").textContent = "Copy failed";
    }
    setTimeout(() => ($("avatar-copy").textContent = "Copy"), 1500);
  }

  function element(tag, properties = {}, children = []) {
    const node = Object.assign(document.createElement(tag), properties);
    if (properties.role) node.setAttribute("role", properties.role);
    node.append(...children);
    return node;
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
