// Shared helpers of the QA workspace pages. Plain DOM, no framework: text from the server is only
// ever inserted as text nodes (el() and textContent), never parsed as HTML.
"use strict";

window.QA = (() => {
  const $ = (id) => document.getElementById(id);

  /** el("p", {class: "x", "data-testid": "y", onclick: fn}, "text", node…): children are text or nodes. */
  function el(tag, attrs = {}, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs)) {
      if (value === null || value === undefined || value === false) continue;
      if (key === "class") node.className = value;
      else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else if (key === "value") node.value = value;
      else node.setAttribute(key, value === true ? "" : String(value));
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  /** fetch + JSON; a failed request throws an Error carrying the server's `detail`. */
  async function api(path, options = {}) {
    const init = { headers: {}, ...options };
    if (init.body !== undefined && !(init.body instanceof FormData)) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(init.body);
    }
    const response = await fetch(path, init);
    if (response.status === 204) return null;
    let data = null;
    try {
      data = await response.json();
    } catch (_) {
      data = null;
    }
    if (!response.ok) {
      let detail = data && data.detail !== undefined ? data.detail : response.statusText;
      if (Array.isArray(detail)) {
        detail = detail.map((d) => `${(d.loc || []).slice(1).join(".")}: ${d.msg}`).join("; ");
      }
      throw new Error(String(detail || `request failed (${response.status})`));
    }
    return data;
  }

  function showError(err) {
    const banner = $("error-banner");
    if (!banner) return;
    $("error-message").textContent = err instanceof Error ? err.message : String(err);
    banner.hidden = false;
  }

  function clearError() {
    const banner = $("error-banner");
    if (banner) banner.hidden = true;
  }

  /** Run an async action, showing its error in the banner. */
  async function guard(action) {
    try {
      clearError();
      return await action();
    } catch (err) {
      showError(err);
      return undefined;
    }
  }

  /** A name field remembered in localStorage (evaluator, agent, reviewer). */
  function remembered(input, key, fallback = "") {
    if (!input) return;
    input.value = localStorage.getItem(key) || fallback;
    input.addEventListener("change", () => localStorage.setItem(key, input.value.trim()));
    input.addEventListener("input", () => localStorage.setItem(key, input.value.trim()));
  }

  function clock(seconds) {
    if (seconds === null || seconds === undefined || Number.isNaN(seconds)) return "";
    const s = Math.max(0, Math.floor(seconds));
    const h = Math.floor(s / 3600);
    const m = Math.floor((s % 3600) / 60);
    const r = String(s % 60).padStart(2, "0");
    return h ? `${h}:${String(m).padStart(2, "0")}:${r}` : `${m}:${r}`;
  }

  function when(iso) {
    if (!iso) return "";
    const d = new Date(iso);
    if (Number.isNaN(d.getTime())) return iso;
    return d.toISOString().replace("T", " ").slice(0, 16) + " UTC";
  }

  function percent(value) {
    return value === null || value === undefined ? "n/a" : `${Math.round(value * 10) / 10}%`;
  }

  function passBadge(passed, testid) {
    if (passed === null || passed === undefined) return el("span", { class: "badge", "data-testid": testid }, "n/a");
    return el(
      "span",
      { class: `badge ${passed ? "pass" : "fail"}`, "data-testid": testid, "data-passed": String(passed) },
      passed ? "pass" : "fail",
    );
  }

  function answerText(answer) {
    return answer === null || answer === undefined ? "—" : answer;
  }

  function callLink(callId) {
    return el("a", { href: `/qa/calls/${encodeURIComponent(callId)}`, "data-testid": "call-link" }, callId);
  }

  /** The signed-in user and a sign-out button, at the right of the top bar. */
  async function showUser() {
    const bar = document.querySelector(".topbar");
    if (!bar) return;
    let me;
    try {
      me = await api("/api/auth/me");
    } catch (_) {
      return;
    }
    const form = el("form", { method: "post", action: "/logout", class: "signout" },
      el("span", { "data-testid": "signed-in-as" }, `${me.username} (${me.role})`), " ",
      el("button", { type: "submit", "data-testid": "sign-out" }, "Sign out"));
    let who = bar.querySelector(".who");
    if (!who) {
      who = el("div", { class: "who" });
      bar.append(who);
    }
    who.append(form);
  }

  document.addEventListener("DOMContentLoaded", () => {
    const dismiss = $("error-dismiss");
    if (dismiss) dismiss.addEventListener("click", clearError);
    showUser();
  });

  return { $, el, api, guard, showError, clearError, remembered, clock, when, percent, passBadge, answerText, callLink };
})();
