// DOM helpers: every piece of text goes in through textContent (never innerHTML), attributes through setAttribute, so
// data from the API can never become markup.

/** Creates an element: h('a', { href, class: 'x', onclick }, 'text', child, [more]). */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs ?? {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith('on') && typeof value === 'function') {
      el.addEventListener(name.slice(2), value);
    } else if (name === 'class') {
      el.className = value;
    } else if (name === 'dataset') {
      Object.assign(el.dataset, value);
    } else if (name === 'value') {
      el.value = value;
    } else if (name === 'checked' || name === 'selected' || name === 'disabled' || name === 'hidden') {
      el[name] = Boolean(value);
    } else {
      el.setAttribute(name, value === true ? '' : String(value));
    }
  }
  append(el, children);
  return el;
}

export function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

/** Replaces the element's children. */
export function replace(el, ...children) {
  el.replaceChildren();
  return append(el, children);
}

/** Only http(s) links from data become hrefs (no javascript: or data: URLs). */
export function safeUrl(url) {
  try {
    const u = new URL(url, location.origin);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.href : null;
  } catch {
    return null;
  }
}

/** A tel: link target: digits and a leading + only (short codes such as 116111 stay as they are). */
export function telHref(number) {
  const digits = String(number ?? '').replace(/[^0-9+]/g, '').replace(/(?!^)\+/g, '');
  return digits.length > 0 ? `tel:${digits}` : null;
}

let ids = 0;
export const uid = (prefix) => `${prefix}-${++ids}`;
