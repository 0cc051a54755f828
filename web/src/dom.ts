// Small helpers for building the page: elements are made with text content only, never from HTML strings,
// since much of what is shown was written by other parties.

type Child = Node | string | number | null | undefined | false;

/// An attribute's value: `on…` takes a listener, `class` a string, `dataset` a map of strings; false, null
/// and undefined leave the attribute out, true sets it empty.
type Attr = string | number | boolean | null | undefined | EventListener | Record<string, string | undefined>;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, Attr> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') {
      el.addEventListener(k.slice(2).toLowerCase(), v);
    } else if (k === 'class') {
      el.className = String(v);
    } else if (k === 'dataset' && typeof v === 'object') {
      Object.assign(el.dataset, v);
    } else if (v === true) {
      el.setAttribute(k, '');
    } else {
      el.setAttribute(k, String(v));
    }
  }
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : String(c));
  }
  return el;
}

/// The page's element `selector`, which must be there.
export function $(selector: string): HTMLElement {
  const el = document.querySelector<HTMLElement>(selector);
  if (!el) throw new Error(`the page has no ${selector}`);
  return el;
}

/// The page's element `selector`, which must be there and be of the kind `kind`.
export function $as<T extends HTMLElement>(selector: string, kind: { new (): T; prototype: T }): T {
  const el = $(selector);
  if (!(el instanceof kind)) throw new Error(`${selector} is not a ${kind.name}`);
  return el;
}

/// The form control named `name` of `form`, which must be there.
export function control(form: HTMLFormElement, name: string): HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement {
  const el = form.elements.namedItem(name);
  if (el instanceof HTMLInputElement || el instanceof HTMLTextAreaElement || el instanceof HTMLSelectElement) return el;
  throw new Error(`the form has no field ${name}`);
}
