// Jobs: the list (filtered by status and agent, paged, refreshed live) and the submit form.
import { api } from '../api.js';
import { alertLine, badge, fill, h, table, time } from '../dom.js';

const STATUSES = ['queued', 'running', 'waiting_approval', 'failed', 'succeeded', 'cancelled',
  'dead'];
const PAGE = 50;

export function render(main, [query], page) {
  const params = new URLSearchParams(query || '');
  const filter = { status: params.get('status') || '', agent: params.get('agent') || '' };
  const cursors = [null]; // the "after" of every page up to the shown one
  const list = h('div', { id: 'job-list', 'aria-live': 'polite' });
  const listError = alertLine('list-error');
  const position = h('span', { class: 'muted', id: 'page-number' });
  const previous = h('button', { type: 'button', class: 'secondary', id: 'page-previous',
    onclick: () => { cursors.pop(); refresh(); } }, 'Previous');
  const next = h('button', { type: 'button', class: 'secondary', id: 'page-next',
    onclick: () => { if (nextCursor) { cursors.push(nextCursor); refresh(); } } }, 'Next');
  let nextCursor = null;

  const status = h('select', { id: 'filter-status' }, h('option', { value: '' }, 'any'),
    STATUSES.map((s) => h('option', { value: s, selected: s === filter.status }, s)));
  const agent = h('input', { id: 'filter-agent', value: filter.agent, list: 'agent-ids',
    autocomplete: 'off' });
  const agentIds = h('datalist', { id: 'agent-ids' });
  const filters = h('form', { class: 'inline', role: 'search', onsubmit: (event) => {
    event.preventDefault();
    const next = new URLSearchParams();
    if (status.value) next.set('status', status.value);
    if (agent.value.trim()) next.set('agent', agent.value.trim());
    page.navigate('#/jobs' + (next.toString() ? '?' + next : ''));
  } }, h('label', { for: 'filter-status' }, 'Status'), status,
  h('label', { for: 'filter-agent' }, 'Agent'), agent, agentIds,
  h('button', { type: 'submit', id: 'filter-apply' }, 'Filter'));

  fill(main, h('h1', {}, 'Jobs'), submitForm(page, agentIds),
    h('section', { class: 'panel', 'aria-labelledby': 'h-list' },
      h('h2', { id: 'h-list' }, 'Jobs, oldest first'), filters, listError,
      h('div', { class: 'pager' }, previous, next, position), list));

  async function refresh() {
    const after = cursors[cursors.length - 1];
    const search = new URLSearchParams({ limit: String(PAGE) });
    if (filter.status) search.set('status', filter.status);
    if (filter.agent) search.set('agent', filter.agent);
    if (after) search.set('after', after);
    try {
      const answer = await api('GET', '/v1/jobs?' + search);
      listError.textContent = '';
      nextCursor = answer.next;
      previous.disabled = cursors.length === 1;
      next.disabled = !answer.next;
      position.textContent = `page ${cursors.length}, jobs ${(cursors.length - 1) * PAGE + 1}`
        + `–${(cursors.length - 1) * PAGE + answer.jobs.length}`;
      fill(list, answer.jobs.length ? table(['Job', 'Status', 'Agent', 'Priority', 'Attempts',
        'Created', 'Error'], answer.jobs.map((job) => h('tr', { 'data-job': job.id },
        h('td', {}, h('a', { href: '#/jobs/' + job.id }, job.id)), h('td', {}, badge(job.status)),
        h('td', {}, job.agent || '—'), h('td', {}, job.priority), h('td', {}, job.attempts),
        h('td', {}, time(job.createdAt)), h('td', {}, job.error || ''))))
        : h('p', { class: 'muted' }, 'No jobs here.'));
      // when the first page is on screen: what scripts/bench dashboard measures
      if (!performance.getEntriesByName('jobs-list-rendered').length) {
        performance.mark('jobs-list-rendered');
      }
    } catch (failure) {
      listError.textContent = failure.message;
    }
  }
  page.every(2000, refresh);
  api('GET', '/v1/agents').then((answer) => fill(agentIds,
    answer.agents.map((a) => h('option', { value: a.id })))).catch(() => {});
}

/** The submit form; the API checks every field and its message is shown as it is. */
function submitForm(page, agentIds) {
  const prompt = h('textarea', { id: 'submit-prompt', required: true, rows: 3 });
  const agent = h('input', { id: 'submit-agent', list: 'agent-ids', autocomplete: 'off' });
  const capabilities = h('input', { id: 'submit-capabilities', placeholder: 'code, local' });
  const priority = h('input', { id: 'submit-priority', inputmode: 'numeric', placeholder: '0' });
  const attempts = h('input', { id: 'submit-attempts', inputmode: 'numeric', placeholder: 'default' });
  const approval = h('select', { id: 'submit-approval' }, h('option', { value: '' }, 'default'),
    ['never', 'on-request', 'untrusted'].map((p) => h('option', { value: p }, p)));
  const repo = h('input', { id: 'submit-repo', autocomplete: 'off',
    placeholder: '/absolute/path/to/repository' });
  const base = h('input', { id: 'submit-base', autocomplete: 'off', placeholder: 'HEAD' });
  const branch = h('input', { id: 'submit-branch', autocomplete: 'off',
    placeholder: 'workmate/<job-id>' });
  const error = alertLine('submit-error');
  const form = h('form', { id: 'submit', class: 'stack', onsubmit: async (event) => {
    event.preventDefault();
    error.textContent = '';
    const body = { prompt: prompt.value };
    if (agent.value.trim()) body.agent = agent.value.trim();
    if (capabilities.value.trim()) {
      body.capabilities = capabilities.value.split(',').map((c) => c.trim()).filter((c) => c);
    }
    if (priority.value.trim()) body.priority = number(priority.value);
    if (attempts.value.trim()) body.maxAttempts = number(attempts.value);
    if (approval.value) body.approval = approval.value;
    if (repo.value.trim()) {
      body.workspace = { repo: repo.value.trim() };
      if (base.value.trim()) body.workspace.base = base.value.trim();
      if (branch.value.trim()) body.workspace.branch = branch.value.trim();
    }
    try {
      const accepted = await api('POST', '/v1/jobs', body);
      page.navigate('#/jobs/' + accepted.id);
    } catch (failure) {
      error.textContent = failure.message;
    }
  } },
  h('label', { for: 'submit-prompt' }, 'Prompt'), prompt,
  h('div', { class: 'fields' },
    h('label', {}, 'Agent', agent),
    h('label', {}, 'Capabilities (comma-separated)', capabilities),
    h('label', {}, 'Priority (−1000..1000)', priority),
    h('label', {}, 'Max attempts', attempts),
    h('label', {}, 'Approval policy', approval)),
  h('fieldset', { class: 'fields' }, h('legend', {}, 'Git workspace (optional)'),
    h('label', {}, 'Repository path', repo),
    h('label', {}, 'Base (branch, tag or commit)', base),
    h('label', {}, 'New branch', branch)),
  h('div', {}, h('button', { type: 'submit', id: 'submit-button' }, 'Submit job')), error);
  return h('section', { class: 'panel', 'aria-labelledby': 'h-submit' },
    h('h2', { id: 'h-submit' }, 'Submit a job'), form);
}

/** A number when the text is one; else the text, for the API to refuse with its message. */
function number(text) {
  const trimmed = text.trim();
  return /^-?\d+$/.test(trimmed) ? Number(trimmed) : trimmed;
}
