// The lender console (/lender): sign in with a lender's API key, create a
// request (a statement or a policy), hand its link and QR code to the
// business, and follow every request's state until it is answered.
import { Session, api, APIError, el, facts, say, when, signIn } from "./console.js";

const $ = (id) => document.getElementById(id);
const session = new Session("lender");

// The policy shorthand of POST /v1/challenges: a circuit that answers to
// this name takes a policy document rather than a statement's parameters.
const policyName = "policy";

// Polling: fast while something may change, slower while nothing does,
// never while the tab is hidden.
const poll = { first: 2000, max: 30000, factor: 1.6, delay: 2000, timer: 0 };

let key = "";
const shown = new Map(); // challenge id -> {sig, state, li}
const issuers = new Map(); // trusted issuer key -> name

// --- signing in and out ---

signIn({
  session,
  form: $("signin"),
  input: $("apikey"),
  status: $("signin-status"),
  role: "lender",
  // A lender may list its requests; any other key is refused.
  check: (k) => api(k, "GET", "/v1/challenges?limit=1"),
  onIn: start,
});

$("signout").addEventListener("click", () => signOut(""));

function signOut(message) {
  session.key = "";
  key = "";
  clearTimeout(poll.timer);
  shown.clear();
  $("challenges").replaceChildren();
  $("handover").hidden = true;
  $("console").hidden = true;
  $("signin-panel").hidden = false;
  say($("signin-status"), message, message ? "bad" : "");
  $("apikey").focus();
}

async function start(k) {
  key = k;
  $("signin-panel").hidden = true;
  $("console").hidden = false;
  $("statement").focus();
  try {
    await loadStatements();
    for (const is of await api(key, "GET", "/v1/issuers")) issuers.set(is.key, is.name);
  } catch (err) {
    failed(err, $("ask-status"));
  }
  refresh(true);
}

// failed shows an API error in region, or signs out if the key no longer works.
function failed(err, region) {
  if (err instanceof APIError && err.status === 401) {
    signOut("The service no longer accepts this key. Sign in again.");
    return;
  }
  say(region, err.message, "bad");
}

// --- the form ---

// words puts a statement's short name in words.
function words(name) {
  if (name === "no-default") return "No month in default";
  const late = /^no-late(\d+)$/.exec(name);
  if (late) return "No month " + late[1] + " or more days late";
  return name;
}

async function loadStatements() {
  const circuits = await api(key, "GET", "/v1/circuits");
  const select = $("statement");
  select.replaceChildren();
  let policy = false;
  for (const c of circuits) {
    for (const name of c.names || []) {
      if (name === policyName) {
        policy = true;
        continue;
      }
      select.append(el("option", { value: name, text: words(name) + " (" + name + ")" }));
    }
  }
  $("kind-policy").disabled = !policy;
  if (!policy) $("kind-policy").parentElement.append(el("span", { class: "hint", text: " (this service has no policy keys)" }));
}

for (const radio of document.querySelectorAll('input[name="kind"]')) {
  radio.addEventListener("change", () => {
    const isPolicy = $("kind-policy").checked;
    $("statement-fields").hidden = isPolicy;
    $("policy-fields").hidden = !isPolicy;
  });
}

$("policy-file").addEventListener("change", async () => {
  const f = $("policy-file").files[0];
  if (!f) return;
  if (f.size > 64 * 1024) {
    say($("ask-status"), "This file is too large for a policy (over 64 KiB).", "bad");
    return;
  }
  $("policy").value = await f.text();
  say($("ask-status"), "Loaded " + f.name + ".");
});

$("ask").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const status = $("ask-status");
  for (const id of ["window", "policy", "asof"]) $(id).removeAttribute("aria-invalid");
  const asOf = $("asof").value.trim();
  if (asOf && !/^\d{4}-\d{2}$/.test(asOf)) {
    return invalid("asof", "The as-of month must be written YYYY-MM, such as 2026-11.");
  }
  let body;
  if ($("kind-policy").checked) {
    const text = $("policy").value.trim();
    if (!text) return invalid("policy", "Paste the policy document or choose its file.");
    try {
      JSON.parse(text);
    } catch (e) {
      return invalid("policy", "The policy is not valid JSON: " + e.message);
    }
    // Sent as written: the service checks it strictly (duplicate keys,
    // exact numbers), which a parse and re-encode here would hide.
    body = '{"policy":' + text + (asOf ? ',"asOf":' + JSON.stringify(asOf) : "") + "}";
  } else {
    const w = Number($("window").value);
    if (!Number.isInteger(w) || w < 1 || w > 60) return invalid("window", "Months to look back must be a whole number from 1 to 60.");
    const params = { window: w };
    if (asOf) params.asOf = asOf;
    body = JSON.stringify({ statement: $("statement").value, params });
  }
  const button = $("create");
  button.disabled = true;
  say(status, "Creating the request…");
  try {
    const ch = await api(key, "POST", "/v1/challenges", body);
    say(status, "Request created. Hand the link below to the business.", "good");
    await handOver(ch.id);
    poll.delay = poll.first;
    refresh(true);
  } catch (err) {
    if (err instanceof APIError && err.status === 400) {
      // The service names the field at fault; point at ours.
      const field = /"policy|"credentials|"rules/.test(err.message) ? "policy" : /asOf/.test(err.message) ? "asof" : /window/.test(err.message) ? "window" : "";
      return invalid(field, "The service refused the request: " + err.message);
    }
    failed(err, status);
  } finally {
    button.disabled = false;
  }
});

function invalid(field, message) {
  say($("ask-status"), message, "bad");
  if (field) {
    $(field).setAttribute("aria-invalid", "true");
    $(field).focus();
  }
}

// --- handing the link over ---

async function handOver(id) {
  const ch = await api(key, "GET", "/v1/challenges/" + encodeURIComponent(id));
  $("handover-sentence").textContent = ch.sentence;
  const link = $("handover-link");
  link.href = ch.presentationUrl;
  link.textContent = ch.presentationUrl;
  $("handover-expiry").textContent = "The link expires " + when(ch.expiresAt) + ".";
  $("copy-status").textContent = "";
  const fig = $("qr");
  fig.querySelector("svg")?.remove();
  try {
    fig.prepend(qrImage(await api(key, "GET", "/v1/challenges/" + encodeURIComponent(id) + "/qr")));
  } catch (err) {
    fig.prepend(el("p", { class: "muted", text: "No QR code: " + err.message }));
  }
  const panel = $("handover");
  panel.hidden = false;
  panel.dataset.id = id;
  panel.focus();
}

// qrImage turns the service's QR code SVG into an element, accepting only
// the shapes it draws (no script, no link, nothing else).
function qrImage(text) {
  const doc = new DOMParser().parseFromString(text, "image/svg+xml");
  const svg = doc.documentElement;
  const allowed = new Set(["svg", "rect", "path"]);
  if (svg.localName !== "svg" || [...doc.querySelectorAll("*")].some((n) => !allowed.has(n.localName))) {
    throw new Error("the service's QR code is not a plain SVG drawing");
  }
  const node = document.importNode(svg, true);
  node.setAttribute("role", "img");
  node.setAttribute("aria-label", "QR code of the request link");
  return node;
}

$("copy").addEventListener("click", async () => {
  const link = $("handover-link");
  const status = $("copy-status");
  try {
    await navigator.clipboard.writeText(link.href);
    status.textContent = "Copied.";
  } catch {
    // No clipboard access (an http page on another host): select the link
    // so that the person copies it.
    const range = document.createRange();
    range.selectNodeContents(link);
    const sel = getSelection();
    sel.removeAllRanges();
    sel.addRange(range);
    status.textContent = "Selected: copy it with your keyboard or menu.";
  }
});

// --- the list, live ---

const states = {
  pending: { word: "Waiting", cls: "warn" },
  verified: { word: "Verified", cls: "good" },
  refused: { word: "Refused", cls: "bad" },
  expired: { word: "Expired", cls: "" },
};

$("refresh").addEventListener("click", () => {
  poll.delay = poll.first;
  refresh(true);
});

document.addEventListener("visibilitychange", () => {
  clearTimeout(poll.timer);
  if (!document.hidden && key) {
    poll.delay = poll.first;
    refresh(false);
  }
});

async function refresh(announceNone) {
  clearTimeout(poll.timer);
  if (!key) return;
  let list;
  try {
    list = await api(key, "GET", "/v1/challenges?limit=100");
  } catch (err) {
    if (err instanceof APIError && err.status === 401) return failed(err);
    $("list-status").textContent = "Could not refresh (" + err.message + "); trying again shortly.";
    poll.delay = Math.min(poll.delay * 2, 2 * poll.max);
    schedule();
    return;
  }
  const changed = render(list, announceNone);
  const waiting = list.some((c) => c.state === "pending");
  poll.delay = changed ? poll.first : Math.min(poll.delay * poll.factor, poll.max);
  if (!waiting) poll.delay = poll.max;
  schedule();
}

function schedule() {
  clearTimeout(poll.timer);
  if (document.hidden || !key) return;
  poll.timer = setTimeout(() => refresh(false), poll.delay);
}

// render updates the list in place (an entry is rebuilt only when it
// changed, so that focus and selection survive) and says aloud which
// requests were answered. It returns whether anything changed.
function render(list, announceNone) {
  const ol = $("challenges");
  const news = [];
  let changed = false;
  const order = [];
  for (const c of list) {
    const sig = c.state + "|" + (c.answeredAt || "");
    const had = shown.get(c.id);
    if (!had || had.sig !== sig) {
      const li = entry(c);
      if (had) {
        had.li.replaceWith(li);
        if (had.state === "pending" && c.state !== "pending") news.push(states[c.state].word + ": " + c.sentence);
      }
      shown.set(c.id, { sig, state: c.state, li });
      changed = true;
    }
    order.push(shown.get(c.id).li);
  }
  const current = [...ol.children];
  if (current.length !== order.length || current.some((li, i) => li !== order[i])) {
    ol.replaceChildren(...order);
    changed = true;
  }
  $("list-empty").hidden = list.length > 0;
  const status = $("list-status");
  if (news.length) status.textContent = "Answered: " + news.join("; ");
  else if (announceNone || status.textContent.startsWith("Could not")) status.textContent = "Updated " + when(new Date().toISOString()) + ".";
  return changed;
}

// entry is one request in the list: what it asks, its state in words and,
// once answered, the verdict and the attestation to download.
function entry(c) {
  const st = states[c.state] || { word: c.state, cls: "" };
  const li = el("li", { class: "challenge", "data-id": c.id, "data-state": c.state });
  li.append(
    el("p", { class: "challenge-head" },
      el("span", { class: "state " + st.cls, text: st.word }),
      " ",
      el("span", { class: "sentence", text: c.sentence })),
  );
  li.append(verdict(c));
  li.append(facts([
    ["Statement", c.statement],
    ["As of", c.asOf],
    ["Created", when(c.createdAt)],
    [c.state === "pending" ? "Expires" : "Expired", c.state === "pending" || c.state === "expired" ? when(c.expiresAt) : ""],
    ["Answered", c.answeredAt ? when(c.answeredAt) : ""],
  ]));
  const actions = el("div", { class: "actions" });
  if (c.state === "pending") {
    const show = el("button", { type: "button", class: "secondary", text: "Show link and QR code" });
    show.addEventListener("click", () => handOver(c.id).catch((err) => failed(err, $("list-status"))));
    actions.append(show);
  }
  if (c.attestation) {
    const dl = el("button", { type: "button", class: "secondary", text: "Download the attestation (JSON)" });
    dl.addEventListener("click", () => download("attestation-" + c.id + ".json", c.attestation));
    actions.append(dl);
  }
  if (actions.childElementCount) li.append(actions);
  return li;
}

// verdict puts a request's outcome in words.
function verdict(c) {
  const v = c.verdict || {};
  switch (c.state) {
    case "verified": {
      const p = el("div", { class: "verdict" },
        el("p", {}, el("strong", { text: "Yes." }), " The business proved it, and the proof checked out. Its records stayed with it."));
      if (v.rules && v.rules.length) {
        p.append(el("p", { text: "Rules met:" }), el("ul", {}, ...v.rules.map((r) => el("li", { text: r }))));
      }
      p.append(facts([
        ["Pseudonym", el("span", { class: "mono hash", text: v.pseudonym || "" })],
        ["Issuer", v.issuer ? issuerName(v.issuer) : ""],
      ]));
      p.append(el("p", { class: "muted", text: "The same business answering you again has the same pseudonym; another lender sees another one." }));
      return p;
    }
    case "refused":
      return el("div", { class: "verdict" },
        el("p", {}, "The answer was refused: ", el("strong", { text: (v.message || "the attestation did not verify").replace(/^[a-z]+: /, "") }),
          v.code ? el("span", { class: "muted", text: " (" + v.code + ")" }) : ""),
        el("p", { class: "muted", text: "A refused request is used up. Create a new one if the business should try again." }));
    case "expired":
      return el("p", { class: "verdict muted", text: "No answer arrived in time. Create a new request if you still need one." });
  }
  return el("p", { class: "verdict muted", text: "Waiting for the business to open the link and answer." });
}

// issuerName is a trusted issuer's name and key, or its key alone.
function issuerName(hex) {
  const name = issuers.get(hex);
  const keyEl = el("span", { class: "mono hash", text: hex });
  return name ? el("span", {}, name + " ", el("span", { class: "muted" }, "(", keyEl, ")")) : keyEl;
}

// download saves value as a JSON file.
function download(name, value) {
  const blob = new Blob([JSON.stringify(value, null, 2) + "\n"], { type: "application/json" });
  const url = URL.createObjectURL(blob);
  const a = el("a", { href: url, download: name, hidden: true });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}
