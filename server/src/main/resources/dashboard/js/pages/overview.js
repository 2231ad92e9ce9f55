// Overview: the mode (switchable), the queue, running jobs, the last hour, codex, journal, node.
import { api, apiText } from '../api.js';
import { alertLine, badge, facts, fill, h, table, time } from '../dom.js';
import { chart } from './chart.js';

const MODES = ['auto', 'local', 'remote', 'offline'];

export function render(main, params, page) {
  const mode = h('div', { id: 'mode' });
  const select = h('select', { id: 'mode-select' }, MODES.map((m) => h('option', { value: m }, m)));
  const modeError = alertLine('mode-error');
  const switcher = h('form', { class: 'inline', onsubmit: async (event) => {
    event.preventDefault();
    modeError.textContent = '';
    try {
      showMode(await api('PUT', '/v1/mode', { mode: select.value }));
    } catch (failure) { modeError.textContent = failure.message; }
  } }, h('label', { for: 'mode-select' }, 'Requested mode'), select,
  h('button', { type: 'submit', id: 'mode-apply' }, 'Switch mode'));
  const queue = h('div', { id: 'queue' });
  const running = h('div', { id: 'running' });
  const rates = h('div', { id: 'rates', class: 'chart' });
  const codex = h('div', { id: 'codex' });
  const journal = h('div', { id: 'journal' });
  const node = h('div', { id: 'node' });
  let selectTouched = false;
  select.addEventListener('change', () => { selectTouched = true; });

  fill(main, h('h1', {}, 'Overview'),
    h('div', { class: 'grid' },
      h('section', { class: 'panel', 'aria-labelledby': 'h-mode' },
        h('h2', { id: 'h-mode' }, 'Mode'), mode, switcher, modeError),
      h('section', { class: 'panel', 'aria-labelledby': 'h-queue' },
        h('h2', { id: 'h-queue' }, 'Queue'), queue),
      h('section', { class: 'panel', 'aria-labelledby': 'h-rates' },
        h('h2', { id: 'h-rates' }, 'Jobs finished, last hour'), rates),
      h('section', { class: 'panel', 'aria-labelledby': 'h-running' },
        h('h2', { id: 'h-running' }, 'Running jobs'), running),
      h('section', { class: 'panel', 'aria-labelledby': 'h-codex' },
        h('h2', { id: 'h-codex' }, 'Codex'), codex),
      h('section', { class: 'panel', 'aria-labelledby': 'h-journal' },
        h('h2', { id: 'h-journal' }, 'Journal and node'), journal, node)));

  function showMode(state) {
    fill(mode, facts([
      ['Requested', h('span', { id: 'mode-requested' }, state.requested)],
      ['Effective', h('span', { id: 'mode-effective' }, state.effective)],
      ['State', state.state],
      ['Since', time(state.since)],
      ['Capabilities', state.capabilities.length ? state.capabilities.join(', ') : 'none'],
    ]), state.gateways.length ? table(['Gateway', 'State', 'URL'], state.gateways.map((g) =>
      h('tr', {}, h('td', {}, g.name), h('td', {},
        h('span', { class: 'state-' + g.state }, g.state), g.detail ? ' — ' + g.detail : ''),
      h('td', {}, h('code', {}, g.url))))) : h('p', { class: 'muted' }, 'No gateway configured.'));
    if (!selectTouched) select.value = state.requested;
    fill(node, facts([['Node', state.node || 'this service (not clustered)'],
      ['Address', location.host]]));
  }

  page.every(3000, async () => {
    const [state, stats, runningJobs, health, metrics] = await Promise.all([
      api('GET', '/v1/mode'), api('GET', '/v1/stats'),
      api('GET', '/v1/jobs?status=running&limit=20'), api('GET', '/v1/health'),
      apiText('/metrics').catch(() => '')]);
    showMode(state);
    const priorities = Object.entries(stats.queuedByPriority);
    fill(queue, facts([['Queued', h('span', { id: 'queued-total' }, stats.queued)],
      ['Running', stats.running], ['Waiting approval', stats.byStatus.waiting_approval],
      ['Dead', stats.byStatus.dead]]),
    priorities.length ? table(['Priority', 'Queued'], priorities.map(([priority, depth]) =>
      h('tr', {}, h('td', {}, priority), h('td', {}, depth))), 'Queue depth by priority')
      : h('p', { class: 'muted' }, 'Nothing queued.'));
    fill(running, runningJobs.jobs.length ? table(['Job', 'Agent', 'Since'],
      runningJobs.jobs.map((j) => h('tr', {}, h('td', {}, h('a', { href: '#/jobs/' + j.id }, j.id)),
        h('td', {}, j.agent || '—'), h('td', {}, time(j.updatedAt)))))
      : h('p', { class: 'muted' }, 'No job is running.'));
    fill(rates, chart(stats.rates));
    fill(codex, facts([['Processes', gauge(metrics, 'workmate_codex_processes')],
      ['Threads', gauge(metrics, 'workmate_codex_threads')]]));
    const j = health.journal || {};
    fill(journal, facts([['Journal', j.kind || '—'],
      ['State', h('span', { class: 'state-' + j.state }, j.state || '—')],
      j.detail ? ['Detail', j.detail] : null, ['Checked', time(j.checkedAt)]]));
  });
}

/** A gauge's value from the Prometheus text of /metrics. */
function gauge(text, name) {
  const line = text.split('\n').find((l) => l.startsWith(name + ' ') || l.startsWith(name + '{'));
  return line ? String(Math.round(Number(line.slice(line.lastIndexOf(' ') + 1)))) : '—';
}
