// The /v1 API as the page uses it: the same routes and the same bearer keys as any client. The key lives in
// sessionStorage only (this tab, gone when it closes) and travels in the Authorization header, never in a URL.
// EventSource cannot send headers, so the event stream is read with fetch and parsed here.

const KEY_ITEM = "summarizer.apiKey";

/** An HTTP answer that was not a success, with its RFC 7807 problem detail when the server sent one. */
export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail || problem?.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
  }
}

export function getKey() {
  return sessionStorage.getItem(KEY_ITEM) || "";
}

export function setKey(key) {
  if (key) sessionStorage.setItem(KEY_ITEM, key);
  else sessionStorage.removeItem(KEY_ITEM);
}

function headers(extra) {
  const h = new Headers(extra || {});
  const key = getKey();
  if (key) h.set("Authorization", "Bearer " + key);
  return h;
}

async function problemOf(response) {
  try {
    return await response.json();
  } catch {
    return null;
  }
}

async function call(method, path, body) {
  const init = { method, headers: headers(body ? { "Content-Type": "application/json" } : {}), cache: "no-store" };
  if (body) init.body = JSON.stringify(body);
  const response = await fetch(path, init);
  if (!response.ok) throw new ApiError(response.status, await problemOf(response));
  return response.status === 204 ? null : response.json();
}

/** Submits a document; resolves to the accepted job's id. */
export async function submit(text, options) {
  const accepted = await call("POST", "/v1/summaries", { text, options });
  return accepted.id;
}

export const getJob = (id) => call("GET", `/v1/summaries/${encodeURIComponent(id)}`);

export const cancelJob = (id) => call("DELETE", `/v1/summaries/${encodeURIComponent(id)}`);

/** Parses one SSE block ("id: 3\nevent: delta\ndata: {...}") into {id, event, data}. */
function parseBlock(block) {
  let id = null, event = "message";
  const data = [];
  for (const line of block.split("\n")) {
    if (line.startsWith(":")) continue;
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "id") id = value;
    else if (field === "event") event = value;
    else if (field === "data") data.push(value);
  }
  return { id, event, data: data.join("\n") };
}

const sleep = (ms, signal) => new Promise((resolve) => {
  const timer = setTimeout(resolve, ms);
  signal?.addEventListener("abort", () => { clearTimeout(timer); resolve(); }, { once: true });
});

/**
 * Follows a job's events until a terminal one (done or error), calling onEvent(kind, payload) once per event.
 * A dropped connection, or a stream that ends without a terminal event (the job moved to another silo), is
 * resumed with Last-Event-ID, so no event is seen twice and none is missed. Gives up only on an HTTP error
 * (401, 404) or when signal aborts. onConnection(state) reports "live" and "reconnecting".
 */
export async function follow(id, afterSequence, onEvent, { signal, onConnection } = {}) {
  let last = afterSequence;
  let delay = 250;
  while (!signal?.aborted) {
    try {
      const h = headers({ Accept: "text/event-stream" });
      if (last > 0) h.set("Last-Event-ID", String(last));
      const response = await fetch(`/v1/summaries/${encodeURIComponent(id)}/events`, { headers: h, signal, cache: "no-store" });
      if (!response.ok) throw new ApiError(response.status, await problemOf(response));
      onConnection?.("live");
      delay = 250;
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = "";
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value.replace(/\r\n?/g, "\n");
        let end;
        while ((end = buffer.indexOf("\n\n")) >= 0) {
          const block = parseBlock(buffer.slice(0, end));
          buffer = buffer.slice(end + 2);
          if (!block.data) continue;
          const sequence = Number(block.id);
          if (Number.isFinite(sequence) && sequence <= last) continue;
          if (Number.isFinite(sequence)) last = sequence;
          const payload = JSON.parse(block.data);
          onEvent(block.event, payload);
          if (block.event === "done" || block.event === "error") return last;
        }
      }
    } catch (e) {
      if (e instanceof ApiError || signal?.aborted) throw e;
      // A network failure: fall through and reconnect.
    }
    onConnection?.("reconnecting");
    await sleep(delay, signal);
    delay = Math.min(delay * 2, 5000);
  }
  return last;
}
