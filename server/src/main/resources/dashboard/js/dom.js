// Small DOM helpers: no framework, text always set as text (never as HTML).

/** h('a', {href, class, onclick}, ...children): children are nodes, strings, arrays or null. */
export function h(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
    else if (key === 'class') node.className = value;
    else if (key === 'text') node.textContent = value;
    else if (value === true) node.setAttribute(key, '');
    else node.setAttribute(key, String(value));
  }
  append(node, children);
  return node;
}

function append(node, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(node, child);
    else node.append(child instanceof Node ? child : String(child));
  }
}

/** Replaces a node's children. */
export function fill(node, ...children) {
  node.replaceChildren();
  append(node, children);
  return node;
}

export function time(iso) {
  if (!iso) return '—';
  const at = new Date(iso);
  return isNaN(at) ? iso : at.toLocaleString();
}

export function badge(status) {
  return h('span', { class: 'badge status-' + status, 'data-status': status }, status);
}

export function facts(pairs) {
  return h('dl', { class: 'facts' }, pairs.filter((p) => p).map(([term, value]) =>
    [h('dt', {}, term), h('dd', {}, value === null || value === undefined ? '—' : value)]));
}

export function table(headings, rows, caption) {
  // focusable: a keyboard user can scroll a table wider than the screen (a workspace job's
  // history, any table at phone width)
  return h('div', { class: 'scroll', tabindex: '0', role: 'region',
    'aria-label': caption || headings.join(', ') }, h('table', {},
    caption ? h('caption', { class: 'muted' }, caption) : null,
    h('thead', {}, h('tr', {}, headings.map((heading) => h('th', { scope: 'col' }, heading)))),
    h('tbody', {}, rows)));
}

/** An error line with role=alert; empty text hides it. */
export function alertLine(id) {
  return h('p', { id, class: 'error', role: 'alert' });
}

/** Removes the oldest children beyond max: the page's memory stays bounded for hours. */
export function bound(container, max, onRemove = () => {}) {
  while (container.childElementCount > max) {
    const oldest = container.firstElementChild;
    onRemove(oldest);
    oldest.remove();
  }
}
