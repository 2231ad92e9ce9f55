// One job: status, attempts, history, the live stream, cancel/retry, its pending approval, and
// its workspace (branch, changed files, diff) with a follow-up form once it succeeded.
import { api, apiText, followEvents } from '../api.js';
import { alertLine, badge, bound, facts, fill, h, table, time } from '../dom.js';

/** Stream entries kept on the page; older ones are dropped (the history keeps transitions). */
export const MAX_ITEMS = 200;
/** Characters kept per streamed text (its end). */
const MAX_TEXT = 20000;

export function render(main, [jobId], page) {
  const status = h('span', { id: 'job-status' });
  const details = h('div', { id: 'job-details' });
  const result = h('div', { id: 'job-result' });
  const approvalBox = h('section', { id: 'job-approval', class: 'panel approval', hidden: true,
    'aria-labelledby': 'h-approval' });
  const actionError = alertLine('job-error');
  const cancel = h('button', { type: 'button', class: 'danger', id: 'job-cancel',
    onclick: () => act('cancel') }, 'Cancel job');
  const retry = h('button', { type: 'button', id: 'job-retry', onclick: () => act('retry') },
    'Retry');
  const history = h('div', { id: 'job-history' });
  const stream = h('div', { id: 'job-stream', class: 'stream', role: 'region',
    'aria-label': 'Live stream', tabindex: '0', 'data-received': '0' });
  // stream events taken and the characters their deltas carried (data-received and
  // data-delta-chars: the tests read them)
  let received = 0;
  let deltaChars = 0;
  const streamState = h('span', { id: 'stream-state', class: 'muted', 'aria-live': 'polite' });
  const items = new Map(); // itemId -> {node, text}
  let shownApproval = null;
  const workspace = workspacePanel(jobId, page);

  fill(main, h('h1', {}, 'Job ', h('code', {}, jobId), ' ', status),
    h('div', { class: 'actions' }, cancel, retry), actionError, approvalBox,
    h('div', { class: 'grid' },
      h('section', { class: 'panel', 'aria-labelledby': 'h-details' },
        h('h2', { id: 'h-details' }, 'Details'), details, result),
      h('section', { class: 'panel', 'aria-labelledby': 'h-history' },
        h('h2', { id: 'h-history' }, 'History'), history)),
    workspace.node,
    h('section', { class: 'panel', 'aria-labelledby': 'h-stream' },
      h('h2', { id: 'h-stream' }, 'Live stream ', streamState), stream));

  function showJob(job) {
    fill(status, badge(job.status));
    cancel.disabled = ['succeeded', 'cancelled', 'dead'].includes(job.status);
    retry.disabled = job.status !== 'dead';
    fill(details, facts([['Agent', job.agent], ['Attempts', `${job.attempts} of ${job.maxAttempts}`],
      ['Priority', job.priority], ['Thread', job.threadId], ['Created', time(job.createdAt)],
      ['Updated', time(job.updatedAt)], job.retryAt ? ['Retry at', time(job.retryAt)] : null,
      job.deadline ? ['Deadline', time(job.deadline)] : null,
      job.error ? ['Error', h('span', { class: 'error', id: 'job-last-error' }, job.error)] : null]));
    fill(result, job.result ? [h('h3', {}, 'Result'), h('pre', { id: 'job-result-text' },
      job.result.text)] : null);
    workspace.show(job);
    if (job.approvalId && job.approvalId !== shownApproval) loadApproval(job.approvalId);
    if (!job.approvalId && job.status !== 'waiting_approval') hideApproval();
  }

  async function loadHistory() {
    const answer = await api('GET', `/v1/jobs/${encodeURIComponent(jobId)}/history`);
    fill(history, table(['When', 'Event', 'Detail'], answer.events.slice().reverse().map((e) => {
      const { type, at, ...rest } = e;
      delete rest.spec;
      return h('tr', {}, h('td', {}, time(at)), h('td', {}, type),
        h('td', {}, Object.entries(rest).filter(([, v]) => v !== null)
          .map(([k, v]) => `${k}: ${typeof v === 'object' ? JSON.stringify(v) : v}`).join('; ')));
    })));
  }

  async function loadApproval(approvalId) {
    const answer = await api('GET', '/v1/approvals');
    const found = answer.approvals.find((a) => a.id === approvalId);
    if (found) showApproval(found);
  }

  function showApproval(approval) {
    shownApproval = approval.id;
    const error = alertLine('approval-error');
    const decide = (decision) => async () => {
      error.textContent = '';
      try {
        await api('POST', `/v1/approvals/${encodeURIComponent(approval.id)}`, { decision });
        hideApproval();
      } catch (failure) { error.textContent = failure.message; }
    };
    approvalBox.hidden = false;
    fill(approvalBox, h('h2', { id: 'h-approval' }, 'Waiting for your approval'),
      facts([['Kind', approval.kind], ['Command / change', h('pre', { id: 'approval-summary' },
        approval.summary || '—')], ['Directory', approval.cwd], ['Reason', approval.reason],
      ['Asked', time(approval.requestedAt)], ['Deadline', time(approval.deadline)]]),
      h('div', { class: 'actions' },
        h('button', { type: 'button', id: 'approval-accept', onclick: decide('accept') }, 'Accept'),
        h('button', { type: 'button', class: 'danger', id: 'approval-decline',
          onclick: decide('decline') }, 'Decline')), error);
  }

  function hideApproval() {
    approvalBox.hidden = true;
    fill(approvalBox);
  }

  async function act(action) {
    actionError.textContent = '';
    try {
      showJob(await api('POST', `/v1/jobs/${encodeURIComponent(jobId)}/${action}`));
      if (action === 'retry') follow();
    } catch (failure) { actionError.textContent = failure.message; }
  }

  function entry(itemId, kind, title) {
    let known = items.get(itemId);
    if (known) return known;
    const text = document.createTextNode('');
    const node = h('div', { class: 'item', 'data-kind': kind },
      h('div', { class: 'kind' }, kind), title ? h('code', {}, title) : null, h('pre', {}, text));
    known = { node, text };
    if (itemId) { node.dataset.item = itemId; items.set(itemId, known); }
    stream.append(node);
    bound(stream, MAX_ITEMS, (old) => items.delete(old.dataset.item));
    return known;
  }

  function addText(target, more) {
    target.text.appendData(more);
    if (target.text.length > MAX_TEXT) target.text.deleteData(0, target.text.length - MAX_TEXT);
  }

  // items are applied once per frame: a fast stream (thousands of deltas a second) then costs
  // one layout per frame, not one per delta
  let pending = [];
  function onItem(item) {
    pending.push(item);
    if (pending.length === 1) requestAnimationFrame(flush);
  }

  function flush() {
    const batch = pending;
    pending = [];
    const stick = stream.scrollTop + stream.clientHeight >= stream.scrollHeight - 20;
    batch.forEach(apply);
    received += batch.length;
    stream.dataset.received = String(received);
    stream.dataset.deltaChars = String(deltaChars);
    if (stick) stream.scrollTop = stream.scrollHeight;
  }

  function apply(item) {
    const data = item.data || {};
    const id = data.itemId || data.id;
    if (item.type.endsWith('_delta')) deltaChars += (data.delta || '').length;
    if (item.type === 'agent_message_delta') addText(entry(id, 'agent'), data.delta || '');
    else if (item.type === 'command_output_delta') addText(entry(id, 'command'), data.delta || '');
    else if (data.type === 'agentMessage') {
      const target = entry(id, 'agent');
      if (item.type === 'item_completed' && data.text) target.text.data = data.text.slice(-MAX_TEXT);
    } else if (data.type === 'commandExecution') {
      const target = entry(id, 'command', '$ ' + (data.command || ''));
      if (item.type === 'item_completed') {
        if (data.aggregatedOutput) target.text.data = data.aggregatedOutput.slice(-MAX_TEXT);
        target.node.append(h('div', { class: 'muted' }, `exit code ${data.exitCode ?? '—'}`));
      }
    } else if (data.type === 'fileChange') {
      const target = entry(id, 'file change');
      if (item.type === 'item_completed' || !target.text.length) {
        target.text.data = (data.changes || []).map((c) => `${c.path}\n${c.diff || ''}`).join('\n');
      }
    } else if (item.type === 'item_started') {
      entry(id, data.type || 'item');
    }
  }

  let feed = null;
  function follow() {
    if (feed) feed.close();
    feed = followEvents(`/v1/jobs/${encodeURIComponent(jobId)}/events`, (name, data) => {
      if (name === 'status' || name === 'end') {
        status.dataset.events = String(Number(status.dataset.events || 0) + 1);
        showJob(data);
        loadHistory().catch(() => {});
      } else if (name === 'item') onItem(data);
      else if (name === 'approval') showApproval(data);
      else if (name === 'approval_resolved') hideApproval();
    }, (state, message) => {
      streamState.textContent = { open: '(live)', reconnecting: '(reconnecting…)',
        ended: '(ended)', failed: '(' + (message || 'failed') + ')' }[state] || '';
      streamState.dataset.state = state;
      if (state === 'reconnecting') {
        streamState.dataset.reconnects = String(Number(streamState.dataset.reconnects || 0) + 1);
      }
    });
  }
  page.onClose(() => feed && feed.close());

  api('GET', `/v1/jobs/${encodeURIComponent(jobId)}`).then((job) => {
    showJob(job);
    loadHistory().catch(() => {});
    follow();
  }).catch((failure) => { actionError.textContent = failure.message; });
}

/**
 * A job's workspace: repository, branch, base and head commits, the changed files, its diff
 * (fetched with the token, so not a plain link) and the follow-up form of a succeeded job.
 */
function workspacePanel(jobId, page) {
  const path = `/v1/jobs/${encodeURIComponent(jobId)}`;
  const summary = h('div', { id: 'job-workspace' });
  const diff = h('pre', { id: 'job-diff', hidden: true, tabindex: '0', role: 'region',
    'aria-label': 'Diff' });
  const diffError = alertLine('diff-error');
  const showDiff = h('button', { type: 'button', class: 'secondary', id: 'job-diff-show',
    onclick: async () => {
      diffError.textContent = '';
      try {
        diff.textContent = await apiText(path + '/diff', 'text/x-diff') || '(no changes)';
        diff.hidden = false;
      } catch (failure) { diffError.textContent = failure.message; }
    } }, 'Show diff');
  const prompt = h('textarea', { id: 'follow-up-prompt', required: true, rows: 3 });
  const error = alertLine('follow-up-error');
  const followUp = h('form', { id: 'follow-up', class: 'stack', hidden: true,
    onsubmit: async (event) => {
      event.preventDefault();
      error.textContent = '';
      try {
        const accepted = await api('POST', path + '/follow-up', { prompt: prompt.value });
        page.navigate('#/jobs/' + accepted.id);
      } catch (failure) { error.textContent = failure.message; }
    } },
  h('h3', {}, 'Follow up'),
  h('label', { for: 'follow-up-prompt' }, 'Prompt for a new job on this branch'), prompt,
  h('div', {}, h('button', { type: 'submit', id: 'follow-up-button' }, 'Follow up')), error);
  const node = h('section', { class: 'panel', id: 'job-workspace-panel', hidden: true,
    'aria-labelledby': 'h-workspace' }, h('h2', { id: 'h-workspace' }, 'Workspace'), summary,
  h('div', { class: 'actions' }, showDiff), diffError, diff, followUp);

  function show(job) {
    const ws = job.workspace;
    node.hidden = !ws;
    if (!ws) return;
    fill(summary, facts([['Repository', h('code', {}, ws.repo)],
      ['Branch', h('code', {}, ws.branch)],
      ['Base', ws.base], ['Base commit', ws.baseCommit ? h('code', {}, ws.baseCommit) : null],
      ['Head commit', ws.headCommit ? h('code', {}, ws.headCommit) : null],
      ws.followUpOf ? ['Follow-up of', h('a', { href: '#/jobs/' + ws.followUpOf },
        ws.followUpOf)] : null]),
    ws.files && ws.files.length ? table(['File', 'Added', 'Removed'], ws.files.map((f) =>
      h('tr', { 'data-file': f.path }, h('td', {}, h('code', {}, f.path)),
        h('td', {}, f.added < 0 ? 'binary' : '+' + f.added),
        h('td', {}, f.removed < 0 ? 'binary' : '−' + f.removed))), 'Changed files')
      : h('p', { class: 'muted' }, ws.headCommit ? 'No files changed.' : 'Not committed yet.'));
    showDiff.disabled = !ws.headCommit;
    followUp.hidden = job.status !== 'succeeded';
  }
  return { node, show };
}
