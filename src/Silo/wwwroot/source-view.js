// The source document, shown lazily: a 500,000-token document is about 2 MB of text, so it is cut into blocks
// of a few thousand characters, each filled only when it scrolls near the viewport (and skipped by layout while
// off screen), so neither showing it nor highlighting in it ever lays out the whole text.
// Offsets are UTF-16 code units of the exact string that was submitted, as the API reports them.

const BLOCK_CHARS = 4000;

/** Cuts text into [start, end) blocks of about BLOCK_CHARS, preferably after a line end, never inside a surrogate pair. */
export function blocksOf(text) {
  const blocks = [];
  let start = 0;
  while (start < text.length) {
    let end = Math.min(text.length, start + BLOCK_CHARS);
    if (end < text.length) {
      const newline = text.lastIndexOf("\n", end);
      if (newline > start + BLOCK_CHARS / 2) end = newline + 1;
      else {
        const space = text.lastIndexOf(" ", end);
        if (space > start + BLOCK_CHARS / 2) end = space + 1;
      }
      const code = text.charCodeAt(end - 1);
      if (code >= 0xd800 && code <= 0xdbff) end += 1;
    }
    blocks.push([start, end]);
    start = end;
  }
  return blocks;
}

export class SourceView {
  constructor(container) {
    this.container = container;
    this.text = "";
    this.blocks = [];
    this.spans = [];
    this.observer = new IntersectionObserver((entries) => {
      for (const entry of entries) {
        if (entry.isIntersecting) this.fill(Number(entry.target.dataset.index));
      }
    }, { root: container, rootMargin: "1200px 0px" });
  }

  /** Shows text (replacing what was shown); nothing is laid out until it scrolls into view. */
  setText(text) {
    this.observer.disconnect();
    this.container.replaceChildren();
    this.text = text;
    this.spans = [];
    this.blocks = blocksOf(text).map(([start, end], index) => {
      const element = document.createElement("div");
      element.className = "block";
      element.dataset.index = String(index);
      element.dataset.start = String(start);
      element.dataset.end = String(end);
      // A height guess for the scrollbar until the block is filled: about 90 characters a line.
      const slice = text.slice(start, end);
      const lines = slice.split("\n").reduce((n, line) => n + Math.max(1, Math.ceil(line.length / 90)), 0);
      element.style.containIntrinsicSize = `auto ${lines * 1.5}em`;
      element.style.minHeight = `${lines * 1.5}em`;
      this.container.appendChild(element);
      this.observer.observe(element);
      return { start, end, element, filled: false };
    });
  }

  /** Renders block i's text with the current highlights. */
  fill(i) {
    const block = this.blocks[i];
    if (!block) return;
    const { start, end, element } = block;
    const fragment = document.createDocumentFragment();
    let at = start;
    for (const span of this.spans) {
      // Overlapping spans: each character is marked once, by the first span that reaches it.
      const from = Math.max(span.start, start, at), to = Math.min(span.end, end);
      if (to <= from) continue;
      if (from > at) fragment.appendChild(document.createTextNode(this.text.slice(at, from)));
      const mark = document.createElement("mark");
      mark.textContent = this.text.slice(from, to);
      mark.dataset.start = String(span.start);
      mark.dataset.end = String(span.end);
      mark.dataset.weight = span.weight.toFixed(4);
      mark.style.setProperty("--weight", String(Math.max(0.25, span.relative)));
      if (span.strongest) mark.classList.add("strongest");
      fragment.appendChild(mark);
      at = to;
    }
    if (at < end) fragment.appendChild(document.createTextNode(this.text.slice(at, end)));
    element.replaceChildren(fragment);
    element.style.minHeight = "";
    block.filled = true;
  }

  /**
   * Highlights spans [{start, end, weight}] (offsets into the text) and scrolls to the strongest one.
   * Only blocks that held or now hold a highlight are rendered again.
   */
  highlight(spans) {
    const touched = new Set(this.spans.flatMap((s) => this.blockIndices(s)));
    const valid = (spans || []).filter((s) => s.end > s.start && s.start >= 0 && s.end <= this.text.length);
    const top = valid.reduce((m, s) => Math.max(m, s.weight), 0) || 1;
    const strongest = valid.reduce((best, s) => (best === null || s.weight > best.weight ? s : best), null);
    this.spans = valid
      .map((s) => ({ start: s.start, end: s.end, weight: s.weight, relative: s.weight / top, strongest: s === strongest }))
      .sort((a, b) => a.start - b.start);
    for (const s of this.spans) for (const i of this.blockIndices(s)) touched.add(i);
    for (const i of touched) if (this.blocks[i].filled || this.spans.some((s) => this.blockIndices(s).includes(i))) this.fill(i);
    if (strongest) {
      const mark = this.container.querySelector("mark.strongest");
      mark?.scrollIntoView({ block: "center", behavior: "auto" });
    }
  }

  /** Indices of the blocks a span overlaps (binary search: blocks are sorted and contiguous). */
  blockIndices(span) {
    let lo = 0, hi = this.blocks.length - 1, first = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.blocks[mid].end <= span.start) lo = mid + 1;
      else { first = mid; hi = mid - 1; }
    }
    const result = [];
    for (let i = Math.max(first, 0); first >= 0 && i < this.blocks.length && this.blocks[i].start < span.end; i++) result.push(i);
    return result;
  }
}
