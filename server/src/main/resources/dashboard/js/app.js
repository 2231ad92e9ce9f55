// The dashboard's shell: hash routes, the login box, the approvals count in the header.
import { api, onUnauthorized, token } from './api.js';
import { alertLine, fill, h } from './dom.js';
import * as overview from './pages/overview.js';
import * as jobs from './pages/jobs.js';
import * as job from './pages/job.js';
import * as approvals from './pages/approvals.js';
import * as agents from './pages/agents.js';
import * as deadLetters from './pages/dead-letters.js';

const main = document.getElementById('main');
const routes = [
  [/^#?\/?$/, 'overview', overview],
  [/^#\/jobs\/([^/?]+)$/, 'jobs', job],
  [/^#\/jobs(?:\?(.*))?$/, 'jobs', jobs],
  [/^#\/approvals$/, 'approvals', approvals],
  [/^#\/agents$/, 'agents', agents],
  [/^#\/dead-letters$/, 'dead-letters', deadLetters],
];

let current = null; // the shown page's timers and streams, ended when it goes
let signedIn = false;
let countTimer = null;

/** What a page gets: timers and closers that end with it. */
function pageContext() {
  const closers = [];
  return {
    every(ms, task) {
      let stopped = false;
      let timer = null;
      const run = async () => {
        try { await task(); } catch (e) { /* shown by the task; 401 handled globally */ }
        if (!stopped) timer = setTimeout(run, ms);
      };
      run();
      closers.push(() => { stopped = true; clearTimeout(timer); });
    },
    onClose(closer) { closers.push(closer); },
    navigate(hash) { location.hash = hash; },
    close() { closers.splice(0).forEach((closer) => closer()); },
  };
}

function show() {
  if (current) current.close();
  current = null;
  if (!signedIn) return;
  const hash = location.hash || '#/';
  const route = routes.find(([pattern]) => pattern.test(hash));
  document.querySelectorAll('nav a').forEach((link) => {
    if (route && link.dataset.page === route[1]) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  });
  if (!route) {
    fill(main, h('h1', {}, 'Not found'), h('p', {}, 'No page ', h('code', {}, hash), '.'));
    return;
  }
  const match = hash.match(route[0]);
  current = pageContext();
  fill(main);
  route[2].render(main, match.slice(1).map((part) => part && decodeURIComponent(part)), current);
}

async function refreshCount() {
  const count = document.getElementById('approval-count');
  try {
    const answer = await api('GET', '/v1/approvals');
    count.textContent = String(answer.approvals.length);
    count.classList.toggle('some', answer.approvals.length > 0);
  } catch (e) { /* the pages say what is wrong */ }
}

function signOut(message) {
  signedIn = false;
  if (current) current.close();
  current = null;
  clearInterval(countTimer);
  document.getElementById('sign-out').hidden = true;
  showLogin(message);
}

/** The login box: no page and no data until the service takes the token. */
function showLogin(message) {
  const shown = document.getElementById('login');
  if (shown) { // a refused token: the same form, its message, the field cleared
    document.getElementById('login-error').textContent = message || '';
    const field = document.getElementById('token');
    field.value = '';
    field.focus();
    return;
  }
  const input = h('input', { id: 'token', type: 'password', autocomplete: 'off', required: true,
    spellcheck: 'false' });
  const error = alertLine('login-error');
  error.textContent = message || '';
  const form = h('form', { id: 'login', class: 'stack', onsubmit: async (event) => {
    event.preventDefault();
    token.set(input.value.trim());
    await start('The service refused this token: ');
  } },
  h('label', { for: 'token' }, 'API token'), input,
  h('p', { class: 'muted' }, 'The service needs its token (WORKMATE_API_TOKEN). It is kept in '
    + 'this tab only (sessionStorage) and sent as a bearer token.'),
  h('button', { type: 'submit' }, 'Sign in'), error);
  fill(main, h('h1', {}, 'Sign in'), form);
  input.focus();
}

async function start(refusedPrefix) {
  try {
    await api('GET', '/v1/mode');
  } catch (failure) {
    if (failure.status === 401) {
      const tried = token.get();
      token.clear();
      showLogin(tried ? refusedPrefix + failure.message : '');
    } else {
      fill(main, h('h1', {}, 'Workmate'), h('p', { class: 'error', role: 'alert' },
        'The service did not answer: ' + failure.message));
      setTimeout(() => start(refusedPrefix), 3000);
    }
    return;
  }
  signedIn = true;
  document.getElementById('sign-out').hidden = !token.get();
  clearInterval(countTimer);
  refreshCount();
  countTimer = setInterval(refreshCount, 3000);
  show();
}

onUnauthorized((failure) => {
  if (!signedIn) return;
  token.clear();
  signOut('The service asks for a token again: ' + failure.message);
});
document.getElementById('sign-out').addEventListener('click', () => {
  token.clear();
  signOut('');
});
window.addEventListener('hashchange', show);
start('The service refused the stored token: ');
