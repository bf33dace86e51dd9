// scanpay console: small progressive enhancements. Every page works
// without this file; forms post and pages render on the server.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  // A select marked data-autosubmit sends its form when changed.
  for (const el of document.querySelectorAll("select[data-autosubmit]")) {
    el.addEventListener("change", () => el.form.submit());
  }
  // An element with data-poll="URL" is replaced by URL's answer (an HTML
  // fragment) every 1 s while it carries data-poll (a running import).
  for (const el of document.querySelectorAll("[data-poll]")) {
    const tick = async () => {
      const url = el.getAttribute("data-poll");
      if (!url) return;
      try {
        const resp = await fetch(url, { credentials: "same-origin" });
        if (resp.ok) {
          const tpl = document.createElement("template");
          tpl.innerHTML = (await resp.text()).trim();
          const next = tpl.content.firstElementChild;
          if (next) { el.replaceWith(next); pollAgain(next); return; }
        }
      } catch (e) { /* network blip: try again */ }
      setTimeout(tick, 1000);
    };
    setTimeout(tick, 1000);
  }
  // Focus the first field marked data-focus (the exit-check scanner box).
  const f = document.querySelector("[data-focus]");
  if (f) f.focus();
});

function pollAgain(el) {
  if (!el.hasAttribute("data-poll")) return;
  setTimeout(async () => {
    const resp = await fetch(el.getAttribute("data-poll"), { credentials: "same-origin" }).catch(() => null);
    if (resp && resp.ok) {
      const tpl = document.createElement("template");
      tpl.innerHTML = (await resp.text()).trim();
      const next = tpl.content.firstElementChild;
      if (next) { el.replaceWith(next); pollAgain(next); return; }
    }
    pollAgain(el);
  }, 1000);
}
