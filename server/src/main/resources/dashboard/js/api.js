// The API client: the token lives in sessionStorage only (never in a URL, never logged).
const TOKEN_KEY = 'workmate.apiToken';

export const token = {
  get: () => sessionStorage.getItem(TOKEN_KEY),
  set: (value) => sessionStorage.setItem(TOKEN_KEY, value),
  clear: () => sessionStorage.removeItem(TOKEN_KEY),
};

/** An answer that is not 2xx: status, the API's code and its own message. */
export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

let unauthorized = () => {};
/** Called with the ApiError whenever the service answers 401. */
export function onUnauthorized(handler) { unauthorized = handler; }

function headers(extra) {
  const all = { Accept: 'application/json', ...extra };
  const value = token.get();
  if (value) all.Authorization = 'Bearer ' + value;
  return all;
}

async function send(method, path, body, accept) {
  const init = { method, cache: 'no-store', headers: headers(accept ? { Accept: accept } : {}) };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = typeof body === 'string' ? body : JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(path, init);
  } catch (failure) {
    throw new ApiError(0, 'unreachable', 'The service does not answer (' + failure.message + ').');
  }
  const text = await response.text();
  if (!response.ok) {
    let error = {};
    try { error = JSON.parse(text).error || {}; } catch (ignored) { /* not JSON */ }
    const failure = new ApiError(response.status, error.code || 'http_' + response.status,
      error.message || text || response.statusText);
    if (response.status === 401) unauthorized(failure);
    throw failure;
  }
  return text;
}

/** JSON in and out; throws ApiError with the API's own message. */
export async function api(method, path, body) {
  const text = await send(method, path, body);
  return text ? JSON.parse(text) : null;
}

/** A text answer (the Prometheus metrics; a job's diff with accept 'text/x-diff'). */
export function apiText(path, accept = 'text/plain') {
  return send('GET', path, undefined, accept);
}

/**
 * Follows a Server-Sent Events feed with fetch streaming (EventSource cannot send the
 * Authorization header). On a dropped connection it reconnects with Last-Event-ID, backing off
 * up to 15 s; it stops after an "end" event, a 4xx answer or close().
 */
export function followEvents(path, onEvent, onState = () => {}) {
  let lastId = null;
  let closed = false;
  let controller = null;
  let delay = 500;
  let timer = null;

  async function connect() {
    controller = new AbortController();
    const extra = { Accept: 'text/event-stream' };
    if (lastId) extra['Last-Event-ID'] = lastId;
    let ended = false;
    try {
      const response = await fetch(path, { headers: headers(extra), cache: 'no-store',
        signal: controller.signal });
      if (!response.ok) {
        let message = response.statusText;
        try { message = JSON.parse(await response.text()).error.message; } catch (e) { /* */ }
        if (response.status === 401) unauthorized(new ApiError(401, 'unauthorized', message));
        if (response.status < 500) { onState('failed', message); return; }
        throw new Error(message);
      }
      onState('open');
      delay = 500;
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = '';
      let event = { name: 'message', data: '', id: null };
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        // one pass over the chunk; the unfinished line is kept once at the end (slicing the
        // buffer per line would copy it again for every line of a large chunk)
        let start = 0;
        let end;
        while ((end = buffer.indexOf('\n', start)) >= 0) {
          let line = buffer.slice(start, end);
          start = end + 1;
          if (line.endsWith('\r')) line = line.slice(0, -1);
          if (line === '') {
            if (event.data) {
              if (event.id !== null) lastId = event.id;
              onEvent(event.name, JSON.parse(event.data));
              if (event.name === 'end') ended = true;
            }
            event = { name: 'message', data: '', id: null };
          } else if (!line.startsWith(':')) {
            const colon = line.indexOf(':');
            const field = colon < 0 ? line : line.slice(0, colon);
            let data = colon < 0 ? '' : line.slice(colon + 1);
            if (data.startsWith(' ')) data = data.slice(1);
            if (field === 'data') event.data += (event.data ? '\n' : '') + data;
            else if (field === 'event') event.name = data;
            else if (field === 'id') event.id = data;
          }
        }
        buffer = buffer.slice(start);
      }
    } catch (failure) {
      if (closed) return;
    }
    if (closed) return;
    if (ended) { onState('ended'); return; }
    onState('reconnecting');
    timer = setTimeout(connect, delay);
    delay = Math.min(delay * 2, 15000);
  }

  connect();
  return {
    close() { closed = true; clearTimeout(timer); if (controller) controller.abort(); },
    get lastEventId() { return lastId; },
  };
}
