/**
 * A tiny view helper: elements are built with DOM calls only (no innerHTML, no inline style
 * attributes — the Content-Security-Policy forbids them), and every string is set as text.
 */
type Child = Node | string | null | undefined | false;

export interface Props {
  class?: string;
  text?: string;
  title?: string;
  id?: string;
  attrs?: Record<string, string>;
  on?: Partial<{ [K in keyof HTMLElementEventMap]: (e: HTMLElementEventMap[K]) => void }>;
}

export function el<K extends keyof HTMLElementTagNameMap>(tag: K, props: Props = {}, children: Child[] = []): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (props.class) e.className = props.class;
  if (props.id) e.id = props.id;
  if (props.text !== undefined) e.textContent = props.text;
  if (props.title) e.title = props.title;
  if (props.attrs) for (const [k, v] of Object.entries(props.attrs)) e.setAttribute(k, v);
  if (props.on) for (const [k, fn] of Object.entries(props.on)) e.addEventListener(k, fn as EventListener);
  for (const c of children) if (c !== null && c !== undefined && c !== false) e.append(c);
  return e;
}

const SVG = 'http://www.w3.org/2000/svg';
export function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number> = {}): SVGElementTagNameMap[K] {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  return e;
}

/** A labelled <select>. */
export function select<T extends string>(
  label: string,
  options: readonly (T | { value: T; label: string })[],
  value: T,
  onChange: (v: T) => void,
  title: string,
  id?: string,
): { root: HTMLElement; input: HTMLSelectElement } {
  const input = el('select', { title, id, attrs: { 'aria-label': label } });
  for (const o of options) {
    const v = typeof o === 'string' ? o : o.value;
    const opt = el('option', { text: typeof o === 'string' ? o : o.label });
    opt.value = v;
    input.append(opt);
  }
  input.value = value;
  input.addEventListener('change', () => onChange(input.value as T));
  return { root: el('label', { class: 'ctl', title }, [el('span', { class: 'lbl', text: label }), input]), input };
}

/** A labelled range slider showing its value. */
export function slider(
  label: string,
  min: number,
  max: number,
  step: number,
  value: number,
  onChange: (v: number) => void,
  title: string,
  id?: string,
  fmt: (v: number) => string = String,
): { root: HTMLElement; input: HTMLInputElement; set(v: number): void } {
  const input = el('input', {
    title,
    id,
    attrs: { type: 'range', min: String(min), max: String(max), step: String(step), 'aria-label': label },
  });
  input.value = String(value);
  const out = el('span', { class: 'val', text: fmt(value) });
  input.addEventListener('input', () => {
    out.textContent = fmt(Number(input.value));
  });
  input.addEventListener('change', () => onChange(Number(input.value)));
  const set = (v: number): void => {
    input.value = String(v);
    out.textContent = fmt(v);
  };
  return { root: el('label', { class: 'ctl', title }, [el('span', { class: 'lbl', text: label }), input, out]), input, set };
}

export function button(text: string, title: string, onClick: () => void, id?: string, cls = 'btn'): HTMLButtonElement {
  return el('button', { class: cls, text, title, id, attrs: { type: 'button' }, on: { click: () => onClick() } });
}

export function checkbox(
  label: string,
  value: boolean,
  onChange: (v: boolean) => void,
  title: string,
  id?: string,
): { root: HTMLElement; input: HTMLInputElement } {
  const input = el('input', { id, title, attrs: { type: 'checkbox' } });
  input.checked = value;
  input.addEventListener('change', () => onChange(input.checked));
  return { root: el('label', { class: 'ctl check', title }, [input, el('span', { text: label })]), input };
}

/** Offer bytes as a file download (object URL; no data: navigation). */
export function download(name: string, data: Uint8Array | string, type: string): void {
  const blob = new Blob([typeof data === 'string' ? data : (data as Uint8Array<ArrayBuffer>)], { type });
  const url = URL.createObjectURL(blob);
  const a = el('a', { attrs: { href: url, download: name } });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
