// The auditor view (/auditor): every circuit the service runs, its
// statement in words, public inputs, constraint count and where the
// constraints go, its digests and key fingerprints, and how its keys were
// made. Any of the service's API keys may read it (GET /v1/circuits).
import { Session, api, APIError, el, facts, say, signIn } from "./console.js";

const $ = (id) => document.getElementById(id);
const session = new Session("auditor");
const svgNS = "http://www.w3.org/2000/svg";

// How keys were made (keys.SetupDevelopment, keys.SetupCeremony).
const development = "development-single-party";
const ceremony = "mpc-ceremony";

signIn({
  session,
  form: $("signin"),
  input: $("apikey"),
  status: $("signin-status"),
  role: "known user",
  check: async (k) => {
    circuits = await api(k, "GET", "/v1/circuits");
  },
  onIn: show,
});

let circuits = [];

$("signout").addEventListener("click", () => {
  session.key = "";
  circuits = [];
  $("circuits").replaceChildren();
  $("toc").replaceChildren();
  $("view").hidden = true;
  $("signin-panel").hidden = false;
  say($("signin-status"), "");
  $("apikey").focus();
});

function show() {
  $("signin-panel").hidden = true;
  $("view").hidden = false;
  const dev = circuits.filter((c) => c.setup && c.setup.kind === development).length;
  $("summary").textContent = circuits.length + (circuits.length === 1 ? " circuit" : " circuits") +
    (dev ? "; " + dev + " with single-party development keys" : "; every one with ceremony keys") + ".";
  $("toc").replaceChildren(...circuits.map((c) => el("li", {}, el("a", { href: "#" + anchor(c.id), text: c.id }))));
  $("circuits").replaceChildren(...circuits.map(section));
}

function anchor(id) {
  return "circuit-" + id.replace(/[^A-Za-z0-9_-]/g, "-");
}

function section(c) {
  const id = anchor(c.id);
  const s = el("section", { class: "panel circuit", id, "aria-labelledby": id + "-h", "data-circuit": c.id });
  s.append(el("h2", { id: id + "-h" }, el("span", { class: "mono", text: c.id })));
  s.append(setup(c));
  s.append(el("h3", { text: "What it proves" }), el("p", { class: "statement", text: c.description }));
  if (c.names && c.names.length) {
    s.append(el("p", { class: "muted" }, "Lenders ask for it as ", ...joined(c.names.map((n) => el("code", { text: n }))), "."));
  }
  s.append(el("h3", { text: "Public inputs, and what a verifier must check about each" }));
  s.append(el("ol", { class: "inputs" }, ...(c.publicInputs || []).map((i) =>
    el("li", {}, el("code", { text: i.name }), " — " + i.check))));
  s.append(el("h3", { text: "Cost" }));
  s.append(el("p", {}, el("strong", { class: "constraints", text: c.constraints.toLocaleString("en-US") }),
    " R1CS constraints (Groth16, BN254)."));
  if (c.breakdown && c.breakdown.length) s.append(chart(c));
  else s.append(el("p", { class: "muted", text: "The service did not compute the breakdown; run tacit circuits explain " + c.id + "." }));
  s.append(el("h3", { text: "Digests and fingerprints" }));
  const files = c.files || {};
  s.append(facts([
    ["Constraint-system digest", hash(c.constraintSystemDigest)],
    ["Verifying key (sha256)", hash(c.verifyingKey && c.verifyingKey.fingerprint)],
    ...Object.keys(files).sort().map((name) => [name + " (sha256)", hash(files[name])]),
  ]));
  return s;
}

function hash(h) {
  return h ? el("span", { class: "mono hash", text: h }) : "";
}

// joined puts nodes in a list with commas and a final "or".
function joined(nodes) {
  const out = [];
  nodes.forEach((n, i) => {
    if (i > 0) out.push(i === nodes.length - 1 ? " or " : ", ");
    out.push(n);
  });
  return out;
}

// setup says how the keys were made: a single-party development setup is
// a warning, a ceremony names its contributors and transcript.
function setup(c) {
  const s = c.setup || {};
  if (s.kind === development) {
    return el("div", { class: "notice warn setup", role: "note" },
      el("p", {}, el("strong", { text: "Warning: development keys." }),
        " A single party made these keys, and whoever ran the setup can forge proofs for this statement." +
        " Its attestations prove nothing to a relying party until the keys come from a multi-party ceremony."),
      c.warning ? el("p", { class: "muted", text: "The service says: " + c.warning }) : "");
  }
  if (s.kind === ceremony) {
    const people = s.contributors || [];
    return el("div", { class: "notice good setup", role: "note" },
      el("p", {}, el("strong", { text: "Ceremony keys." }),
        " Made by a multi-party ceremony: one honest contributor is enough for no one to be able to forge proofs."),
      facts([
        ["Contributors", people.length ? el("ol", { class: "contributors" }, ...people.map((p) => el("li", { text: p }))) : "not listed"],
        ["Transcript hash", hash(s.transcript)],
      ]));
  }
  return el("div", { class: "notice warn setup", role: "note" },
    el("p", {}, el("strong", { text: "Unknown setup." }), " The service does not say how these keys were made (" + (s.kind || "no kind") + ")."));
}

// chart draws the constraint breakdown as a table whose rows carry a bar:
// the numbers are text, the bars (SVG, hidden from screen readers) only
// repeat them.
function chart(c) {
  const total = c.breakdown.reduce((n, b) => n + b.constraints, 0) || 1;
  const table = el("table", { class: "breakdown" },
    el("caption", { text: "Where the " + c.constraints.toLocaleString("en-US") + " constraints go, largest first" }),
    el("thead", {}, el("tr", {},
      el("th", { scope: "col", text: "Block" }),
      el("th", { scope: "col", class: "num", text: "Constraints" }),
      el("th", { scope: "col", class: "num", text: "Share" }),
      el("th", { scope: "col", class: "bar-col" }, el("span", { class: "sr-only", text: "Bar" })))));
  const body = el("tbody");
  for (const b of c.breakdown) {
    const share = (100 * b.constraints) / total;
    // One bar beside the numbers on a wide screen, one under the block's
    // name on a narrow one (console.css shows one of them).
    body.append(el("tr", {},
      el("th", { scope: "row" }, el("span", { text: b.name }), bar(share, "bar bar-inline")),
      el("td", { class: "num", text: b.constraints.toLocaleString("en-US") }),
      el("td", { class: "num", text: share.toFixed(1) + "%" }),
      el("td", { class: "bar-col" }, bar(share, "bar"))));
  }
  table.append(body);
  return el("div", { class: "table-wrap" }, table);
}

// bar is an SVG bar share percent long, hidden from screen readers (the
// row says the numbers).
function bar(share, cls) {
  const svg = document.createElementNS(svgNS, "svg");
  svg.setAttribute("viewBox", "0 0 100 10");
  svg.setAttribute("preserveAspectRatio", "none");
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("focusable", "false");
  svg.setAttribute("class", cls);
  const track = document.createElementNS(svgNS, "rect");
  track.setAttribute("class", "track");
  track.setAttribute("width", "100");
  track.setAttribute("height", "10");
  const fill = document.createElementNS(svgNS, "rect");
  fill.setAttribute("class", "fill");
  fill.setAttribute("width", Math.max(share, 0.5).toFixed(2));
  fill.setAttribute("height", "10");
  svg.append(track, fill);
  return svg;
}

// A key whose sign-in check raised something other than an API error.
window.addEventListener("unhandledrejection", (ev) => {
  if (!(ev.reason instanceof APIError)) say($("signin-status"), "Something went wrong: " + ev.reason, "bad");
});
