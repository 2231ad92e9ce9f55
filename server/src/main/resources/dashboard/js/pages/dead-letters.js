// Dead letters: jobs that used up their attempts; inspect (the job page) or retry.
import { api } from '../api.js';
import { alertLine, fill, h, table, time } from '../dom.js';

const PAGE = 50;

export function render(main, params, page) {
  const list = h('div', { id: 'dead-list' });
  const error = alertLine('dead-error');
  const notice = h('p', { class: 'notice', role: 'status', id: 'dead-notice' });
  const cursors = [null];
  let nextCursor = null;
  const previous = h('button', { type: 'button', class: 'secondary',
    onclick: () => { cursors.pop(); refresh(); } }, 'Previous');
  const next = h('button', { type: 'button', class: 'secondary',
    onclick: () => { if (nextCursor) { cursors.push(nextCursor); refresh(); } } }, 'Next');
  fill(main, h('h1', {}, 'Dead letters'), error, notice,
    h('div', { class: 'pager' }, previous, next), list);

  async function retry(job) {
    error.textContent = '';
    try {
      await api('POST', `/v1/jobs/${encodeURIComponent(job.id)}/retry`);
      notice.textContent = `Job ${job.id} is queued again.`;
      await refresh();
    } catch (failure) { error.textContent = failure.message; }
  }

  async function refresh() {
    const after = cursors[cursors.length - 1];
    const answer = await api('GET', `/v1/dead-letters?limit=${PAGE}`
      + (after ? '&after=' + encodeURIComponent(after) : ''));
    nextCursor = answer.next;
    previous.disabled = cursors.length === 1;
    next.disabled = !answer.next;
    fill(list, answer.jobs.length ? table(['Job', 'Agent', 'Attempts', 'Last error', 'Updated', ''],
      answer.jobs.map((job) => h('tr', { 'data-job': job.id },
        h('td', {}, h('a', { href: '#/jobs/' + job.id, 'aria-label': 'Inspect ' + job.id }, job.id)),
        h('td', {}, job.agent || '—'), h('td', {}, job.attempts),
        h('td', {}, h('span', { class: 'error' }, job.error || '')), h('td', {}, time(job.updatedAt)),
        h('td', {}, h('button', { type: 'button', onclick: () => retry(job),
          'aria-label': 'Retry ' + job.id }, 'Retry')))))
      : h('p', { class: 'muted' }, 'No dead letters.'));
  }
  page.every(3000, () => refresh().catch((failure) => { error.textContent = failure.message; }));
}
