// The summary as it streams, then, once the job is done with attribution, as sentences a person can select
// (click, hover, or Tab then Enter/Space) to see the source passages each one came from.

export class SummaryView {
  /** onSelect(sentence) is called with {text, start, end, spans} when a sentence is selected. */
  constructor(container, onSelect) {
    this.container = container;
    this.onSelect = onSelect;
    this.text = "";
    this.sentences = [];
    this.selected = -1;
    container.addEventListener("click", (e) => this.selectFrom(e.target));
    container.addEventListener("mouseover", (e) => this.selectFrom(e.target));
    container.addEventListener("keydown", (e) => {
      if (e.key === "Enter" || e.key === " ") {
        if (this.selectFrom(e.target)) e.preventDefault();
      }
    });
  }

  reset() {
    this.text = "";
    this.sentences = [];
    this.selected = -1;
    this.container.replaceChildren();
  }

  /** Appends streamed text. */
  append(delta) {
    this.text += delta;
    this.container.appendChild(document.createTextNode(delta));
  }

  /** Replaces the text (the final summary), as plain text. */
  setText(text) {
    this.text = text;
    this.sentences = [];
    this.container.replaceChildren(document.createTextNode(text));
  }

  /**
   * Shows the final summary as selectable sentences: attribution is [{text, start, end, spans}] with start/end
   * offsets into the summary text; text between sentences stays plain.
   */
  setAttribution(text, attribution) {
    this.text = text;
    this.sentences = (attribution || []).filter((s) => s.end > s.start && s.end <= text.length);
    const fragment = document.createDocumentFragment();
    let at = 0;
    this.sentences.forEach((sentence, index) => {
      if (sentence.start < at) return;
      if (sentence.start > at) fragment.appendChild(document.createTextNode(text.slice(at, sentence.start)));
      const element = document.createElement("span");
      element.className = "sentence";
      element.tabIndex = 0;
      element.setAttribute("role", "button");
      element.setAttribute("aria-pressed", "false");
      element.dataset.index = String(index);
      element.textContent = text.slice(sentence.start, sentence.end);
      fragment.appendChild(element);
      at = sentence.end;
    });
    if (at < text.length) fragment.appendChild(document.createTextNode(text.slice(at)));
    this.container.replaceChildren(fragment);
  }

  selectFrom(target) {
    const element = target instanceof Element ? target.closest(".sentence") : null;
    if (!element) return false;
    const index = Number(element.dataset.index);
    if (index === this.selected) return true;
    this.container.querySelectorAll(".sentence.selected").forEach((s) => {
      s.classList.remove("selected");
      s.setAttribute("aria-pressed", "false");
    });
    element.classList.add("selected");
    element.setAttribute("aria-pressed", "true");
    this.selected = index;
    this.onSelect(this.sentences[index]);
    return true;
  }
}
