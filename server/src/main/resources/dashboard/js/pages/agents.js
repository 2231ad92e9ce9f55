// Agents: the registry with each agent's load, register/deregister, memory and its sync state.
import { api } from '../api.js';
import { alertLine, facts, fill, h, table, time } from '../dom.js';

export function render(main, params, page) {
  const list = h('div', { id: 'agent-list' });
  const error = alertLine('agents-error');
  const memory = h('section', { id: 'agent-memory', class: 'panel', hidden: true,
    'aria-labelledby': 'h-memory' });
  let shownMemory = null;
  fill(main, h('h1', {}, 'Agents'), registerForm(() => refresh()), error, list, memory);

  async function deregister(agent) {
    error.textContent = '';
    try {
      await api('DELETE', `/v1/agents/${encodeURIComponent(agent.id)}`);
      if (shownMemory === agent.id) { memory.hidden = true; shownMemory = null; }
      await refresh();
    } catch (failure) { error.textContent = failure.message; }
  }

  async function showMemory(agentId) {
    shownMemory = agentId;
    const [entries, sync] = await Promise.all([
      api('GET', `/v1/agents/${encodeURIComponent(agentId)}/memory?limit=100`),
      api('GET', '/v1/memory/sync').catch(() => null)]);
    const state = sync && sync.agents.find((a) => a.agentId === agentId);
    memory.hidden = false;
    fill(memory, h('h2', { id: 'h-memory' }, 'Memory of ', h('code', {}, agentId)),
      facts([['Local seq', h('span', { id: 'memory-local-seq' }, entries.lastSeq)],
        ['Synced seq', state ? state.syncedSeq : (sync && sync.enabled ? '0' : 'no cloud sync')],
        state ? ['Sync state', `${state.state}${state.lastError ? ' — ' + state.lastError : ''}`]
          : null]),
      entries.entries.length ? table(['Seq', 'Kind', 'Text', 'Tags', 'At'],
        entries.entries.map((e) => h('tr', {}, h('td', {}, e.seq), h('td', {}, e.kind),
          h('td', {}, h('pre', {}, e.text)), h('td', {}, e.tags.join(', ')),
          h('td', {}, time(e.at))))) : h('p', { class: 'muted' }, 'No memory entries.'));
    memory.focus();
  }

  async function refresh() {
    const answer = await api('GET', '/v1/agents');
    fill(list, table(['Agent', 'Kind', 'Capabilities', 'Load', 'Last heartbeat', 'Expires', ''],
      answer.agents.map((a) => h('tr', { 'data-agent': a.id }, h('td', {}, h('code', {}, a.id)),
        h('td', {}, a.kind), h('td', {}, a.capabilities.join(', ')),
        h('td', { class: 'load' }, `${a.running ?? '?'} / ${a.maxConcurrent}`),
        h('td', {}, time(a.lastHeartbeatAt)), h('td', {}, a.expiresAt ? time(a.expiresAt) : 'never'),
        h('td', {}, h('div', { class: 'actions' },
          h('button', { type: 'button', class: 'secondary', 'aria-label': 'Memory of ' + a.id,
            onclick: () => showMemory(a.id).catch((f) => { error.textContent = f.message; }) },
          'Memory'),
          h('button', { type: 'button', class: 'danger', 'aria-label': 'Deregister ' + a.id,
            onclick: () => deregister(a) }, 'Deregister')))))));
  }
  page.every(3000, () => refresh().catch((failure) => { error.textContent = failure.message; }));
}

function registerForm(refresh) {
  const id = h('input', { id: 'agent-id', required: true, autocomplete: 'off' });
  const kind = h('select', { id: 'agent-kind' },
    ['http', 'gateway', 'codex', 'echo'].map((k) => h('option', { value: k }, k)));
  const capabilities = h('input', { id: 'agent-capabilities' });
  const maxConcurrent = h('input', { id: 'agent-max', inputmode: 'numeric', placeholder: '1' });
  const endpoint = h('input', { id: 'agent-endpoint', placeholder: 'http://…' });
  const ttl = h('input', { id: 'agent-ttl', inputmode: 'numeric', placeholder: 'default' });
  const error = alertLine('register-error');
  const notice = h('p', { class: 'notice', role: 'status', id: 'register-notice' });
  const number = (text) => (/^-?\d+$/.test(text.trim()) ? Number(text.trim()) : text.trim());
  const form = h('form', { id: 'register', class: 'stack', onsubmit: async (event) => {
    event.preventDefault();
    error.textContent = '';
    notice.textContent = '';
    const body = { id: id.value.trim(), kind: kind.value };
    if (capabilities.value.trim()) {
      body.capabilities = capabilities.value.split(',').map((c) => c.trim()).filter((c) => c);
    }
    if (maxConcurrent.value.trim()) body.maxConcurrent = number(maxConcurrent.value);
    if (endpoint.value.trim()) body.endpoint = endpoint.value.trim();
    if (ttl.value.trim()) body.ttlSeconds = number(ttl.value);
    try {
      const agent = await api('POST', '/v1/agents', body);
      notice.textContent = `Agent ${agent.id} is registered.`;
      await refresh();
    } catch (failure) { error.textContent = failure.message; }
  } }, h('div', { class: 'fields' },
    h('label', {}, 'Id', id), h('label', {}, 'Kind', kind),
    h('label', {}, 'Capabilities (comma-separated)', capabilities),
    h('label', {}, 'Max concurrent', maxConcurrent), h('label', {}, 'Endpoint (http)', endpoint),
    h('label', {}, 'TTL seconds', ttl)),
  h('div', {}, h('button', { type: 'submit', id: 'agent-register' }, 'Register agent')),
  error, notice);
  return h('section', { class: 'panel', 'aria-labelledby': 'h-register' },
    h('h2', { id: 'h-register' }, 'Register an agent'), form);
}
