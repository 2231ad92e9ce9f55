// Approvals: everything waiting on a person, oldest first, answered in place.
import { api } from '../api.js';
import { alertLine, fill, h, table, time } from '../dom.js';

export function render(main, params, page) {
  const list = h('div', { id: 'approval-list' });
  const error = alertLine('approvals-error');
  fill(main, h('h1', {}, 'Approvals'), error, list);

  async function decide(approval, decision) {
    error.textContent = '';
    try {
      await api('POST', `/v1/approvals/${encodeURIComponent(approval.id)}`, { decision });
      await refresh();
    } catch (failure) { error.textContent = failure.message; }
  }

  async function refresh() {
    const answer = await api('GET', '/v1/approvals');
    const oldestFirst = answer.approvals.slice()
      .sort((a, b) => String(a.requestedAt).localeCompare(String(b.requestedAt)));
    fill(list, oldestFirst.length ? table(['Asked', 'Job', 'Kind', 'Command / change', 'Answer'],
      oldestFirst.map((a) => h('tr', { 'data-approval': a.id }, h('td', {}, time(a.requestedAt)),
        h('td', {}, h('a', { href: '#/jobs/' + a.jobId }, a.jobId)), h('td', {}, a.kind),
        h('td', {}, h('pre', {}, a.summary || '—'), a.reason ? h('div', { class: 'muted' },
          a.reason) : null),
        h('td', {}, h('div', { class: 'actions' },
          h('button', { type: 'button', onclick: () => decide(a, 'accept'),
            'aria-label': 'Accept ' + a.id }, 'Accept'),
          h('button', { type: 'button', class: 'danger', onclick: () => decide(a, 'decline'),
            'aria-label': 'Decline ' + a.id }, 'Decline'))))))
      : h('p', { class: 'muted' }, 'Nothing waits for a person.'));
  }
  page.every(2000, () => refresh().catch((failure) => { error.textContent = failure.message; }));
}
