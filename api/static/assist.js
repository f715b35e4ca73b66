// The agent sidebar: a client of the live-assist WebSocket (api/live.py documents the protocol).
// Plain DOM, no framework. Text from the server or the knowledge base is only ever inserted as
// text nodes, never parsed as HTML.
"use strict";

(() => {
  const params = new URLSearchParams(location.search);
  const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  const MAX_CARDS = 50;

  const state = {
    ws: null,
    retries: 0,
    everConnected: false,
    sessionId: null,
    kb: params.get("kb") || "default",
    asOf: null,
    cards: new Map(), // suggestion id → {data, node}
    lines: new Map(), // "speaker:utterance" → line node
    playing: null, // {recording, duration, speed, since} while a recording plays
    playRequested: false, // a play was sent and neither `playing` nor an error came back yet
    searchPending: false,
    speed: 1,
    progressTimer: null,
  };

  const $ = (id) => document.getElementById(id);

  // ------------------------------------------------------------------------------ DOM helpers

  /** el("p", {class: "x", "data-testid": "y"}, "text", node…): children are text or nodes. */
  function el(tag, attrs = {}, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs)) {
      if (value === null || value === undefined || value === false) continue;
      if (key === "class") node.className = value;
      else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value === true ? "" : String(value));
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  /** Text with **bold** spans as <strong>; `bold` carries the state across calls. */
  function appendInline(parent, text, bold) {
    const parts = text.split("**");
    parts.forEach((part, i) => {
      if (i > 0) bold.on = !bold.on;
      if (part) parent.append(bold.on ? el("strong", {}, part) : document.createTextNode(part));
    });
  }

  /** Hard-wrapped source lines joined up; list lines and blank lines keep their breaks. Replaces
   *  one character by one, so highlight offsets stay valid. */
  function unwrap(text) {
    return text.replace(/(?<![\n])\n(?![\n\s]*(?:[-*]|\d+[.)])\s)(?!\n)/g, " ");
  }

  /** The snippet with [start, end) marked. Offsets count code points (they come from Python). */
  function snippetNode(snippet, highlight, cls) {
    const chars = Array.from(unwrap(snippet || ""));
    let [start, end] = Array.isArray(highlight) ? highlight : [0, 0];
    start = Math.max(0, Math.min(chars.length, start | 0));
    end = Math.max(start, Math.min(chars.length, end | 0));
    const node = el("p", { class: cls, "data-testid": "snippet" });
    const bold = { on: false };
    appendInline(node, chars.slice(0, start).join(""), bold);
    if (end > start) {
      const mark = el("mark");
      appendInline(mark, chars.slice(start, end).join(""), bold);
      node.append(mark);
    }
    appendInline(node, chars.slice(end).join(""), bold);
    return node;
  }

  /** A knowledge document's text (Markdown-ish: # headings, - lists, **bold**) as safe DOM. */
  function articleNode(doc) {
    const box = el("div", { class: "article", "data-testid": "article" });
    if (doc.format !== "md" && doc.format !== "html") {
      // Plain text and PDF pages have no markup: their own line breaks are the structure.
      box.append(el("p", { class: "plain" }, String(doc.text || "")));
      if (doc.source) box.append(el("p", { class: "small muted" }, `Source: ${doc.source}`));
      return box;
    }
    let list = null;
    let block = null; // the paragraph or list item that wrapped lines continue
    const flush = () => {
      if (block) appendInline(block.node, block.text.join(" "), { on: false });
      block = null;
    };
    for (const raw of String(doc.text || "").split("\n")) {
      const line = raw.trim();
      const heading = /^#{1,6}\s+(.*)$/.exec(line);
      const item = /^(?:[-*]|\d+[.)])\s+(.*)$/.exec(line);
      if (!line || heading || item) flush();
      if (!line || heading) list = null;
      if (heading) {
        box.append(el("h4", {}, heading[1]));
      } else if (item) {
        if (!list) box.append((list = el("ul")));
        block = { node: el("li"), text: [item[1]] };
        list.append(block.node);
      } else if (line) {
        if (!block) {
          block = { node: el("p"), text: [] };
          box.append(block.node);
        }
        block.text.push(line);
      }
    }
    flush();
    if (doc.source) box.append(el("p", { class: "small muted" }, `Source: ${doc.source}`));
    return box;
  }

  function formatDate(iso) {
    const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(iso || "");
    return m ? `${+m[3]} ${MONTHS[+m[2] - 1]} ${m[1]}` : "";
  }

  function formatSeconds(s) {
    const total = Math.max(0, Math.floor(s));
    return `${Math.floor(total / 60)}:${String(total % 60).padStart(2, "0")}`;
  }

  // ---------------------------------------------------------------------------- errors

  function showError(message) {
    $("error-message").textContent = message;
    $("error-banner").hidden = false;
  }

  $("error-dismiss").addEventListener("click", () => {
    $("error-banner").hidden = true;
  });

  // ------------------------------------------------------------------------- WebSocket

  function send(message) {
    if (state.ws && state.ws.readyState === WebSocket.OPEN) {
      state.ws.send(JSON.stringify(message));
      return true;
    }
    showError("Not connected to the server: try again in a moment.");
    return false;
  }

  function setConnection(kind, text) {
    const node = $("connection");
    node.dataset.state = kind;
    node.querySelector(".conn-text").textContent = text;
  }

  function connect() {
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    const ws = new WebSocket(`${scheme}//${location.host}/api/assist/ws`);
    state.ws = ws;
    setConnection("connecting", state.everConnected ? "reconnecting…" : "connecting…");

    ws.addEventListener("open", () => {
      state.retries = 0;
      setConnection("open", "connected");
      // After a dropped connection, take the same session back (its transcript, cards and
      // de-duplication); otherwise a new session gets the query-string options.
      if (state.sessionId && state.resumeToken) {
        ws.send(JSON.stringify({ type: "resume", session_id: state.sessionId, token: state.resumeToken }));
      } else {
        sendStartOptions(ws);
      }
      // Autoplay only once: a reconnect must not restart the call.
      if (!state.everConnected && params.get("autoplay") === "1" && params.get("recording")) {
        startPlaying(params.get("recording"));
      }
      state.everConnected = true;
    });
    ws.addEventListener("message", (event) => {
      if (typeof event.data !== "string") return;
      let message;
      try {
        message = JSON.parse(event.data);
      } catch {
        return;
      }
      const handler = handlers[message.type];
      if (handler) handler(message);
    });
    ws.addEventListener("close", () => {
      if (state.ws !== ws) return;
      stopProgress("disconnected");
      // Exponential backoff with jitter, capped, so a restarting server is not hammered.
      const delay = Math.min(15000, 500 * 2 ** state.retries) * (0.75 + Math.random() * 0.5);
      state.retries += 1;
      setConnection("closed", `offline · retrying in ${Math.ceil(delay / 1000)} s`);
      setTimeout(connect, delay);
    });
  }

  function sendStartOptions(ws) {
    if (params.get("kb") || params.get("as_of")) {
      ws.send(JSON.stringify({ type: "start", kb: params.get("kb") || undefined,
        as_of: params.get("as_of") || undefined }));
    }
  }

  const handlers = {
    resumed(m) {
      handlers.ready(m);
      for (const suggestion of m.suggestions || []) addCard(suggestion); // cards not on the page yet
    },
    ready(m) {
      state.sessionId = m.session_id;
      state.resumeToken = m.resume_token;
      state.kb = m.kb;
      state.asOf = m.as_of;
      document.body.dataset.sessionId = m.session_id;
      $("kb-name").textContent = m.kb;
      $("as-of").textContent = formatDate(m.as_of);
      $("as-of").setAttribute("datetime", m.as_of);
      $("answer-pane").hidden = !m.answers;
    },
    transcript: onTranscript,
    suggestion: (m) => addCard(m.suggestion),
    results: showResults,
    playing(m) {
      clearTranscript(); // a recording is a new call
      state.playRequested = false;
      state.playing = { recording: m.recording, duration: m.duration || 0, speed: state.speed,
        since: performance.now() };
      $("playback-progress").max = Math.max(m.duration || 0, 0.001);
      $("playback-progress").value = 0;
      setPlayButton(true);
      clearInterval(state.progressTimer);
      state.progressTimer = setInterval(tickProgress, 250);
      tickProgress();
    },
    played(m) {
      const duration = state.playing ? state.playing.duration : 0;
      $("playback-progress").value = $("playback-progress").max;
      stopProgress(`played ${m.recording} (${formatSeconds(duration)})`);
    },
    feedback_saved: onFeedbackSaved,
    answer: showAnswer,
    error(m) {
      if (m.code === "resume_failed") {
        // The old session is gone (expired): a fresh one follows; give it the page's options.
        state.sessionId = null;
        state.resumeToken = null;
        sendStartOptions(state.ws);
        return;
      }
      showError(m.message);
      $("answer-button").disabled = false;
      // Errors carry no reference to the request; clear whatever was left waiting.
      if (state.playRequested) {
        state.playRequested = false;
        stopProgress("not played");
      }
      if (state.searchPending) {
        state.searchPending = false;
        $("search-summary").textContent = "";
      }
    },
  };

  // ------------------------------------------------------------------------ transcript

  function clearTranscript() {
    state.lines.clear();
    $("transcript").replaceChildren(el("li", { class: "empty muted" }, "Waiting for the call…"));
  }

  function onTranscript(m) {
    const list = $("transcript");
    const key = `${m.speaker}:${m.utterance}`;
    let line = state.lines.get(key);
    if (!line) {
      list.querySelector(".empty")?.remove();
      line = el("li", { class: `line ${m.speaker}`, "data-testid": "transcript-line",
        "data-speaker": m.speaker, "data-utterance": m.utterance, "data-start": m.start },
        el("span", { class: "who" }, m.speaker),
        el("span", { class: "confirmed" }), el("span", { class: "tentative" }));
      state.lines.set(key, line);
      // Both parties' utterances interleave: keep the pane in order of start time.
      const later = [...list.children].find((n) => Number(n.dataset.start) > m.start);
      list.insertBefore(line, later || null);
    }
    if (line.dataset.final === "true") return; // a late partial never undoes a final
    const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
    line.querySelector(".confirmed").textContent = m.confirmed;
    line.querySelector(".tentative").textContent = m.final ? "" : m.tentative;
    line.dataset.final = String(Boolean(m.final));
    if (atBottom) list.scrollTop = list.scrollHeight;
  }

  // ----------------------------------------------------------------------- suggestions

  function validityText(s) {
    if (s.valid_from && state.asOf && s.valid_from > state.asOf) {
      return `starts ${formatDate(s.valid_from)}`;
    }
    return s.valid_to ? `valid until ${formatDate(s.valid_to)}` : "";
  }

  function whyNode(why) {
    if (!why) return null;
    const parts = [];
    if (why.matched_terms && why.matched_terms.length) parts.push(`matched ${why.matched_terms.join(", ")}`);
    const context = why.context_used || [];
    if (context.length) {
      parts.push(`used ${context.length} earlier turn${context.length > 1 ? "s" : ""} for context`);
    }
    if (!parts.length && why.query) parts.push(`query “${why.query}”`);
    return el("p", { class: "why small muted", "data-testid": "why",
      title: [why.query && `query: ${why.query}`, ...context].filter(Boolean).join("\n") },
      "Why: ", parts.join(" · "));
  }

  function addCard(s) {
    if (!s || state.cards.has(s.id)) return;
    $("suggestions-empty").hidden = true;
    const titleId = `card-${s.id}`;
    const validity = validityText(s);
    // The heading repeats the title before its section path: show only the section.
    const section = s.heading && s.heading.startsWith(`${s.title} › `)
      ? s.heading.slice(s.title.length + 3) : s.heading !== s.title ? s.heading : "";
    const feedbackButton = (action, label) => el("button", { type: "button", class: "feedback",
      "data-testid": `feedback-${action.replace("_", "-")}`, "data-action": action,
      "aria-pressed": "false", onclick: () => sendFeedback(s, action) }, label);

    const node = el("li", { class: `card kind-${s.kind}`, "data-testid": "suggestion",
      "data-doc-id": s.doc_id, "data-suggestion-id": s.id, "aria-labelledby": titleId },
      el("div", { class: "card-head" },
        el("span", { class: `badge kind-${s.kind}`, "data-testid": "kind" }, s.kind),
        el("h3", { id: titleId, "data-testid": "title" }, s.title),
        el("span", { class: "confidence", title: "How sure the match is",
          "data-testid": "confidence" }, `${Math.round((s.confidence || 0) * 100)}%`)),
      validity ? el("p", { class: "validity small", "data-testid": "validity" }, validity) : null,
      section ? el("p", { class: "heading small muted", "data-testid": "section" }, section) : null,
      snippetNode(s.snippet, s.highlight, "snippet"),
      whyNode(s.why),
      el("div", { class: "actions" },
        feedbackButton("useful", "Useful"),
        feedbackButton("not_useful", "Not useful"),
        el("button", { type: "button", "data-testid": "copy", onclick: (e) => copySentence(s, e.currentTarget) },
          "Copy"),
        el("button", { type: "button", "data-testid": "open-article", "aria-expanded": "false",
          onclick: (e) => toggleArticle(s.doc_id, e.currentTarget, node, true) }, "Open article")));

    state.cards.set(s.id, { data: s, node });
    const list = $("suggestions");
    // Newest turn on top; the cards one turn earned arrive best first and keep that order.
    let before = list.firstElementChild;
    while (before && before.dataset.session === state.sessionId && before.dataset.turn === String(s.turn)) {
      before = before.nextElementSibling;
    }
    node.dataset.session = state.sessionId;
    node.dataset.turn = String(s.turn);
    list.insertBefore(node, before);
    while (list.children.length > MAX_CARDS) {
      const last = list.lastElementChild;
      state.cards.delete(last.dataset.suggestionId);
      last.remove();
    }
  }

  function sendFeedback(s, action) {
    const entry = state.cards.get(s.id);
    entry?.node.querySelectorAll(`button[data-action="${action}"]`).forEach((b) => {
      b.dataset.pending = "true";
    });
    // doc_id and query go along so feedback still counts after a reconnect (a new session
    // does not know this card's id).
    send({ type: "feedback", suggestion_id: s.id, doc_id: s.doc_id, query: s.why?.query || "", action });
  }

  function onFeedbackSaved(m) {
    let entry = m.suggestion_id ? state.cards.get(m.suggestion_id) : null;
    if (!entry) entry = [...state.cards.values()].find((c) => c.data.doc_id === m.doc_id);
    if (!entry || (m.action !== "useful" && m.action !== "not_useful")) return;
    entry.node.querySelectorAll("button.feedback").forEach((b) => {
      const chosen = b.dataset.action === m.action;
      b.setAttribute("aria-pressed", String(chosen));
      b.classList.toggle("chosen", chosen);
      delete b.dataset.pending;
    });
    entry.node.dataset.feedback = m.action;
  }

  async function copySentence(s, button) {
    const chars = Array.from(s.snippet || "");
    const text = (s.sentence || chars.slice(s.highlight[0], s.highlight[1]).join("") || s.snippet)
      .replaceAll("**", "");
    let copied = false;
    try {
      await navigator.clipboard.writeText(text);
      copied = true;
    } catch {
      // Clipboard API refused (permissions, insecure origin): fall back to a selection copy.
      const area = el("textarea", { class: "visually-hidden", "aria-hidden": "true" });
      area.value = text;
      document.body.append(area);
      area.select();
      try {
        copied = document.execCommand("copy");
      } catch {
        copied = false;
      }
      area.remove();
    }
    button.textContent = copied ? "Copied" : "Copy blocked";
    setTimeout(() => {
      button.textContent = "Copy";
    }, 1500);
    if (copied) send({ type: "feedback", suggestion_id: s.id, doc_id: s.doc_id, action: "copied" });
  }

  async function toggleArticle(docId, button, container, reportOpen) {
    const existing = container.querySelector(".article");
    if (existing) {
      const open = existing.hidden;
      existing.hidden = !open;
      button.setAttribute("aria-expanded", String(open));
      button.textContent = open ? "Hide article" : button.dataset.label || "Open article";
      return;
    }
    button.dataset.label = button.textContent;
    button.disabled = true;
    try {
      const path = docId.split("/").map(encodeURIComponent).join("/");
      const response = await fetch(`/api/kb/${encodeURIComponent(state.kb)}/documents/${path}`);
      const body = await response.json().catch(() => ({}));
      if (!response.ok) throw new Error(body.detail || `the server answered ${response.status}`);
      container.append(articleNode(body));
      button.setAttribute("aria-expanded", "true");
      button.textContent = "Hide article";
      if (reportOpen) {
        const card = state.cards.get(container.dataset.suggestionId);
        if (card) send({ type: "feedback", suggestion_id: card.data.id, doc_id: docId, action: "opened" });
      }
    } catch (err) {
      showError(`Could not open ${docId}: ${err.message}`);
    } finally {
      button.disabled = false;
    }
  }

  // -------------------------------------------------------------------------- answer

  $("answer-button").addEventListener("click", () => {
    if (!send({ type: "answer" })) return;
    $("answer-button").disabled = true;
    const box = $("answer");
    box.hidden = false;
    box.replaceChildren(el("p", { class: "muted" }, "Asking the model…"));
  });

  function showAnswer(m) {
    $("answer-button").disabled = false;
    const box = $("answer");
    box.hidden = false;
    box.replaceChildren(
      el("p", { "data-testid": "answer-text" }, m.text),
      el("p", { class: "small muted" },
        m.cited && m.cited.length ? `Cites: ${m.cited.join(", ")}` : "",
        m.grounded ? "" : "Not grounded in the suggestions: check before reading it out."));
  }

  // -------------------------------------------------------------------------- search

  $("search-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const text = $("search-input").value.trim();
    if (!text) return;
    if (send({ type: "search", text, k: 5 })) {
      state.searchPending = true;
      $("search-summary").textContent = "Searching…";
    }
  });

  document.addEventListener("keydown", (event) => {
    const typing = event.target.closest?.("input, textarea, select, [contenteditable]");
    if (event.key === "/" && !typing) {
      event.preventDefault();
      $("search-input").focus();
    }
  });

  function showResults(m) {
    state.searchPending = false;
    const hits = m.hits || [];
    $("search-summary").textContent = hits.length
      ? `${hits.length} result${hits.length > 1 ? "s" : ""} for “${m.query}”`
      : `Nothing found for “${m.query}”.`;
    $("search-results").replaceChildren(...hits.map((h) => {
      const item = el("li", { class: `result kind-${h.kind}`, "data-testid": "search-result",
        "data-doc-id": h.doc_id, "data-confident": String(Boolean(h.confident)) },
        el("div", { class: "card-head" },
          el("span", { class: `badge kind-${h.kind}` }, h.kind),
          el("h3", {}, h.title),
          el("span", { class: `confidence ${h.confident ? "" : "low"}`,
            title: h.confident ? "Confident match" : "Below the confidence threshold" },
            h.confident ? "confident" : "unsure")),
        snippetNode(h.snippet, h.highlight, "snippet"));
      item.append(el("div", { class: "actions" }, el("button", { type: "button", "data-testid": "result-open",
        "aria-expanded": "false", onclick: (e) => toggleArticle(h.doc_id, e.currentTarget, item, false) },
      "Open")));
      return item;
    }));
  }

  // ----------------------------------------------------------------------- playback

  function setPlayButton(playing) {
    const button = $("play");
    button.textContent = playing ? "Stop" : "Play";
    button.dataset.state = playing ? "playing" : "idle";
    button.setAttribute("aria-label", playing ? "Stop playing the recording" : "Play the recording as a live call");
    $("recording-select").disabled = playing;
  }

  function tickProgress() {
    const p = state.playing;
    if (!p) return;
    const elapsed = Math.min(p.duration, ((performance.now() - p.since) / 1000) * p.speed);
    $("playback-progress").value = elapsed;
    $("playback-status").textContent = `playing ${formatSeconds(elapsed)} / ${formatSeconds(p.duration)}`;
  }

  function stopProgress(text) {
    clearInterval(state.progressTimer);
    state.progressTimer = null;
    state.playing = null;
    setPlayButton(false);
    if (text) $("playback-status").textContent = text;
  }

  function startPlaying(name) {
    const speed = Number(params.get("speed") || 1) || 1;
    state.speed = speed;
    if (send({ type: "play", recording: name, speed })) {
      state.playRequested = true;
      $("playback-status").textContent = "starting…";
    }
  }

  $("play").addEventListener("click", () => {
    if (state.playing || $("play").dataset.state === "playing") {
      if (send({ type: "stop" })) {
        $("playback-progress").value = 0;
        stopProgress("stopped");
      }
      return;
    }
    const name = $("recording-select").value;
    if (name) startPlaying(name);
  });

  async function loadRecordings() {
    const select = $("recording-select");
    try {
      const response = await fetch("/api/assist/recordings");
      if (!response.ok) throw new Error(`the server answered ${response.status}`);
      const { recordings } = await response.json();
      const wanted = params.get("recording");
      select.replaceChildren(...recordings.map((r) => el("option", { value: r.name,
        selected: r.name === wanted }, `${r.name}  (${r.folder})`)));
      if (!recordings.length) select.append(el("option", { value: "" }, "No recordings found"));
      $("play").disabled = !recordings.length;
    } catch (err) {
      select.replaceChildren(el("option", { value: "" }, "Recordings unavailable"));
      showError(`Could not list recordings: ${err.message}`);
    }
  }

  loadRecordings();
  connect();
})();
