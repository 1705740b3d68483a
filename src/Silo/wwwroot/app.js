// The page's controller: submit a document, follow its job (progress, streamed text, statistics), cancel it, and
// after a reload pick the same job up again from its first event, so the text is rebuilt without duplicates.
import { ApiError, cancelJob, follow, getJob, getKey, setKey, submit } from "./api.js";
import { SourceView } from "./source-view.js";
import { SummaryView } from "./summary-view.js";

const $ = (id) => document.getElementById(id);
const JOB_ITEM = "summarizer.job";

const source = new SourceView($("source"));
const summary = new SummaryView($("summary"), (sentence) => source.highlight(sentence?.spans));
let uploaded = null; // the exact text of an uploaded file (CRLF kept), until the text area is edited
let current = null; // {id, abort, submittedAt, firstTokenAt, tokens}

function showKeyState() {
  $("key-state").textContent = getKey() ? "key set for this tab" : "";
}

function needKey(message) {
  const notice = $("key-needed");
  notice.hidden = false;
  if (message) notice.firstChild.textContent = message + " ";
  $("api-key").focus();
}

function describe(error) {
  if (error instanceof ApiError) {
    const field = error.problem?.option || error.problem?.field;
    return (field ? `${field}: ` : "") + error.message;
  }
  return String(error?.message || error);
}

function options() {
  const number = (id) => {
    const value = $(id).value.trim();
    return value === "" ? undefined : Number(value);
  };
  const result = { beams: number("beams"), maxNewTokens: number("max-new-tokens") };
  if ($("mode").value === "sparse") result.topKShards = number("top-k");
  if ($("attribution").checked) result.attribution = true;
  return result;
}

function setStatus(text, kind) {
  const status = $("job-status");
  status.textContent = text;
  status.dataset.state = kind;
}

function resetJobView() {
  summary.reset();
  $("progress").max = 1;
  $("progress").value = 0;
  $("progress-text").textContent = "";
  for (const id of ["stat-shards", "stat-encoder-runs", "stat-ttft", "stat-tps"]) $(id).textContent = "–";
  $("stat-tokens").textContent = "0";
  $("job-error").textContent = "";
  $("attribution-hint").hidden = true;
  $("cancel").hidden = false;
  $("cancel").disabled = false;
  $("new-job").hidden = true;
}

function showStatistics(statistics) {
  if (!statistics) return;
  $("stat-shards").textContent = String(statistics.shardCount);
  $("stat-encoder-runs").textContent = String(statistics.encoderRuns);
  $("stat-ttft").textContent = `${Math.round(statistics.timeToFirstTokenMs)} ms`;
  $("stat-tps").textContent = statistics.tokensPerSecond.toFixed(1);
  $("stat-tokens").textContent = String(statistics.tokens);
}

function finish(state) {
  $("cancel").hidden = true;
  $("new-job").hidden = false;
  setStatus(state, state);
}

function onEvent(kind, e) {
  if (kind === "progress") {
    $("progress").max = Math.max(1, e.shardsTotal);
    $("progress").value = e.shardsDone;
    $("progress-text").textContent = `${e.shardsDone} of ${e.shardsTotal} shards`;
    $("stat-shards").textContent = String(e.shardsTotal);
    setStatus(e.shardsDone < e.shardsTotal ? "encoding" : "decoding", "running");
  } else if (kind === "delta") {
    const now = performance.now();
    current.firstTokenAt ??= now;
    current.tokens += e.tokenIds?.length || 0;
    summary.append(e.text);
    setStatus("decoding", "running");
    $("stat-tokens").textContent = String(current.tokens);
    $("stat-ttft").textContent = `${Math.round(current.firstTokenAt - current.submittedAt)} ms`;
    const seconds = (now - current.firstTokenAt) / 1000;
    if (seconds > 0.2) $("stat-tps").textContent = (current.tokens / seconds).toFixed(1);
  } else if (kind === "done") {
    const hint = $("attribution-hint");
    if (e.attribution?.length) {
      summary.setAttribution(e.text, e.attribution);
      hint.textContent = "Select a sentence (click, or Tab and Enter) to highlight the passages it came from.";
      hint.hidden = !source.text;
    } else {
      summary.setText(e.text);
      // Asked for but not given (a job decoded in distributed mode): the service says why.
      hint.textContent = e.attributionUnavailable || "";
      hint.hidden = !e.attributionUnavailable;
    }
    showStatistics(e.statistics);
    finish("completed");
  } else if (kind === "error") {
    const cancelled = e.error === "cancelled";
    $("job-error").textContent = cancelled ? "" : e.error;
    finish(cancelled ? "cancelled" : "failed");
  }
}

async function run(id, text, submittedAt) {
  current?.abort.abort();
  const abort = new AbortController();
  current = { id, abort, submittedAt, firstTokenAt: null, tokens: 0 };
  resetJobView();
  $("job-panel").hidden = false;
  setStatus("queued", "running");
  if (text !== null) {
    $("source-panel").hidden = false;
    source.setText(text);
  } else $("source-panel").hidden = true;
  try {
    await follow(id, 0, (kind, e) => { if (current?.id === id) onEvent(kind, e); }, {
      signal: abort.signal,
      onConnection: (state) => { if (state === "reconnecting") setStatus("reconnecting…", "running"); },
    });
  } catch (error) {
    if (abort.signal.aborted) return;
    if (error instanceof ApiError && error.status === 401) needKey();
    $("job-error").textContent = describe(error);
    finish("failed");
  }
}

function remember(id, text) {
  try {
    sessionStorage.setItem(JOB_ITEM, JSON.stringify({ id, text }));
  } catch {
    // Over the storage quota (a very long document): keep the job, not its text.
    sessionStorage.setItem(JOB_ITEM, JSON.stringify({ id, text: null }));
  }
}

async function onSubmit(event) {
  event.preventDefault();
  $("submit-error").textContent = "";
  const text = uploaded ?? $("document").value;
  if (!text.trim()) {
    $("submit-error").textContent = "text: paste a document or choose a file first.";
    $("document").focus();
    return;
  }
  const button = $("submit");
  button.disabled = true;
  const submittedAt = performance.now();
  try {
    const id = await submit(text, options());
    $("key-needed").hidden = true;
    remember(id, text);
    history.replaceState(null, "", `#job=${encodeURIComponent(id)}`);
    run(id, text, submittedAt);
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) needKey();
    $("submit-error").textContent = describe(error);
  } finally {
    button.disabled = false;
  }
}

async function onCancel() {
  if (!current) return;
  $("cancel").disabled = true;
  try {
    await cancelJob(current.id);
  } catch (error) {
    $("job-error").textContent = describe(error);
    $("cancel").disabled = false;
  }
}

function onFile() {
  const file = $("file").files[0];
  if (!file) return;
  const reader = new FileReader();
  reader.onload = () => {
    uploaded = String(reader.result);
    $("document").value = uploaded.length > 200000 ? uploaded.slice(0, 200000) + "\n…" : uploaded;
    $("document").readOnly = uploaded.length > 200000;
    $("doc-size").textContent = `${file.name}: ${uploaded.length.toLocaleString()} characters`;
    // The whole file is shown in the source view (lazily), not in the text area, however long it is.
    $("source-panel").hidden = false;
    source.setText(uploaded);
  };
  reader.onerror = () => { $("submit-error").textContent = "file: could not be read as text."; };
  reader.readAsText(file);
}

function wire() {
  $("api-key").value = "";
  showKeyState();
  $("key-form").addEventListener("submit", (e) => {
    e.preventDefault();
    setKey($("api-key").value.trim());
    $("api-key").value = "";
    $("key-needed").hidden = true;
    showKeyState();
  });
  $("submit-form").addEventListener("submit", onSubmit);
  $("cancel").addEventListener("click", onCancel);
  $("new-job").addEventListener("click", () => {
    current?.abort.abort();
    current = null;
    sessionStorage.removeItem(JOB_ITEM);
    history.replaceState(null, "", location.pathname);
    $("job-panel").hidden = true;
    $("source-panel").hidden = true;
    $("document").focus();
  });
  $("file").addEventListener("change", onFile);
  $("document").addEventListener("input", () => {
    uploaded = null;
    $("document").readOnly = false;
    $("doc-size").textContent = `${$("document").value.length.toLocaleString()} characters`;
  });
  $("mode").addEventListener("change", () => { $("k-label").hidden = $("mode").value !== "sparse"; });
}

function resume() {
  const saved = JSON.parse(sessionStorage.getItem(JOB_ITEM) || "null");
  const fromHash = new URLSearchParams(location.hash.slice(1)).get("job");
  const id = fromHash || saved?.id;
  if (!id) return;
  const text = saved?.id === id ? saved.text : null;
  // Replaying from the first event rebuilds the text exactly once, however far the job got.
  run(id, text, performance.now());
  getJob(id).then((job) => { if (job && current?.id === id && job.status === "completed") showStatistics(job.statistics); }).catch(() => {});
}

wire();
resume();
