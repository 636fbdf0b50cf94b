/**
 * <nlw-inspector>: links the field tree with the hex rows (hover previews, click
 * pins, keyboard focus on a field works like hover), re-decodes as the reader
 * edits, offers the page's other examples and other decode kinds.
 *
 * The build already rendered the decode, so nothing is decoded on load: the
 * decoder's code is fetched on the first edit. Highlighting reads the rendered
 * DOM (data-start/data-end/data-len), so it works the same before and after.
 */
import { loadDecoder } from './decoder.ts';
import { inspect, interpretBytes, isDecodeKind, renderDecoded, type Decoded, type DecodeOptions } from './inspector-model.ts';

function optionsOf(el: HTMLElement, kind: string): DecodeOptions {
  let extra: Partial<DecodeOptions> = {};
  try {
    extra = JSON.parse(el.dataset.options || '{}') as Partial<DecodeOptions>;
  } catch {
    // The build validated it; a hand-edited page falls back to no extra names.
  }
  return { ...extra, kind: isDecodeKind(kind) ? kind : 'nlmsg' } as DecodeOptions;
}

function fieldOf(target: EventTarget | null): HTMLElement | undefined {
  const el = target instanceof Element ? target.closest<HTMLElement>('[data-f]') : null;
  return el ?? undefined;
}

class InspectorElement extends HTMLElement {
  #pinned: string | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #generation = 0;
  #options: () => DecodeOptions = () => optionsOf(this, this.dataset.kind ?? 'nlmsg');

  connectedCallback(): void {
    const input = this.querySelector<HTMLElement>('.nlw-i-input');
    const text = this.querySelector<HTMLTextAreaElement>('.nlw-i-text');
    const select = this.querySelector<HTMLSelectElement>('.nlw-i-examples');
    const kind = this.querySelector<HTMLSelectElement>('.nlw-i-kind');
    const reset = this.querySelector<HTMLButtonElement>('.nlw-i-reset');
    const out = this.querySelector<HTMLElement>('.nlw-i-out');
    if (!input || !text || !select || !kind || !reset || !out) return;
    input.hidden = false;

    // Options (type names…) follow the example they were written for.
    let optionsFrom: HTMLElement = this;
    this.#options = () => optionsOf(optionsFrom, kind.value);

    const examples = Array.from(document.querySelectorAll<HTMLElement>('nlw-inspector'));
    select.replaceChildren(
      ...examples.map((el, i) => {
        const option = new Option(el.dataset.title || `Example ${i + 1}`, String(i));
        option.selected = el === this;
        return option;
      }),
    );
    select.addEventListener('change', () => {
      const source = examples[Number(select.value)];
      if (!source) return;
      text.value = source.dataset.hex ?? '';
      kind.value = source.dataset.kind ?? 'nlmsg';
      optionsFrom = source;
      void this.update();
    });
    kind.addEventListener('change', () => void this.update());
    reset.addEventListener('click', () => {
      text.value = this.dataset.hex ?? '';
      select.value = String(examples.indexOf(this));
      kind.value = this.dataset.kind ?? 'nlmsg';
      optionsFrom = this;
      void this.update();
    });
    text.addEventListener('input', () => {
      clearTimeout(this.#timer);
      this.#timer = setTimeout(() => void this.update(), 120);
    });

    out.addEventListener('mouseover', (event) => this.#highlight(fieldOf(event.target)?.dataset.f ?? this.#pinned));
    out.addEventListener('mouseleave', () => this.#highlight(this.#pinned));
    out.addEventListener('focusin', (event) => this.#highlight(fieldOf(event.target)?.dataset.f ?? this.#pinned));
    out.addEventListener('click', (event) => {
      const id = fieldOf(event.target)?.dataset.f;
      this.#pinned = id === undefined || id === this.#pinned ? undefined : id;
      this.#highlight(this.#pinned);
    });
    this.dataset.ready = 'true';
  }

  async update(): Promise<void> {
    const text = this.querySelector<HTMLTextAreaElement>('.nlw-i-text');
    const out = this.querySelector<HTMLElement>('.nlw-i-out');
    if (!text || !out) return;
    // Edits can overtake a slow first decoder load: only the latest one renders.
    const generation = ++this.#generation;
    this.dataset.ready = 'false';
    let decoded: Decoded;
    try {
      const { decode } = await loadDecoder();
      decoded = inspect(text.value, decode, this.#options());
    } catch (err) {
      decoded = { bytes: new Uint8Array(), fields: [], roots: [], problems: [`The decoder could not load: ${String(err)}`] };
    }
    if (generation !== this.#generation) return;
    this.#pinned = undefined;
    out.innerHTML = renderDecoded(decoded);
    this.#highlight(undefined);
    this.dataset.ready = 'true';
  }

  #highlight(id: string | undefined): void {
    const value = this.querySelector<HTMLElement>('.nlw-i-value');
    for (const el of this.querySelectorAll('.is-on')) el.classList.remove('is-on');
    for (const el of this.querySelectorAll('[aria-pressed="true"]')) el.setAttribute('aria-pressed', 'false');
    const button = id === undefined ? null : this.querySelector<HTMLElement>(`.nlw-i-field[data-f="${id}"]`);
    if (!button) {
      if (value) value.textContent = '';
      return;
    }
    const start = Number(button.dataset.start);
    const end = Number(button.dataset.end);
    const len = Number(button.dataset.len);
    const bytes: number[] = [];
    for (const el of this.querySelectorAll<HTMLElement>('.nlw-i-b[data-i]')) {
      const i = Number(el.dataset.i);
      if (i >= start && i < end) el.classList.add('is-on');
      if (i >= start && i < start + len) bytes.push(parseInt(el.textContent ?? '0', 16));
    }
    button.classList.add('is-on');
    if (id === this.#pinned) button.setAttribute('aria-pressed', 'true');
    const name = button.querySelector('.nlw-i-name')?.textContent ?? '';
    if (value) value.textContent = `${name} @ ${start}: ${interpretBytes(Uint8Array.from(bytes))}`;
  }
}

if (!customElements.get('nlw-inspector')) customElements.define('nlw-inspector', InspectorElement);
