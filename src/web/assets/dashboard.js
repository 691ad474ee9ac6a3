// The dashboard's live parts, served as a file (the pages' policy allows no inline script):
// Copy buttons, and the status of characters and videos still being made, polled until done.

for (const button of document.querySelectorAll('[data-copy]')) {
  if (!navigator.clipboard) continue;
  button.hidden = false;
  button.addEventListener('click', () => {
    navigator.clipboard.writeText(button.dataset.copy).then(
      () => {
        button.textContent = 'Copied';
      },
      () => {
        button.textContent = 'Select and copy';
      },
    );
  });
}

const POLL_MS = 1500;
const STATUS_TEXT = { processing: 'being made…', queued: 'queued', in_progress: 'in progress', completed: 'completed', ready: 'ready', failed: 'failed' };

/** Polls one element's status URL; shows status and progress; reloads the page once when it is done. */
function watch(el) {
  const url = el.dataset.statusUrl;
  const statusText = el.querySelector('[data-status-text]');
  const progress = el.querySelector('[data-progress]');
  const progressText = el.querySelector('[data-progress-text]');
  const started = Date.now();
  const elapsed = el.querySelector('[data-elapsed]');
  let failures = 0;
  const tick = () => {
    fetch(url, { headers: { accept: 'application/json' }, credentials: 'same-origin', cache: 'no-store' })
      .then((res) => {
        if (res.status === 404 || res.status === 303 || res.redirected) return { done: true };
        if (!res.ok) throw new Error(`status ${res.status}`);
        return res.json();
      })
      .then((s) => {
        failures = 0;
        if (s.status && statusText) {
          statusText.textContent = STATUS_TEXT[s.status] || s.status;
          statusText.className = `pill pill-${s.status}`;
        }
        if (typeof s.progress === 'number') {
          if (progress) progress.value = s.progress;
          if (progressText) progressText.textContent = `${s.progress}%`;
        }
        if (elapsed)
          elapsed.textContent = `Working for ${Math.round((Date.now() - started) / 1000)} s: fetching the video, cutting the window, finding the face…`;
        if (s.done) {
          document.body.dataset.settled = (Number(document.body.dataset.settled) || 0) + 1;
          window.location.reload();
          return;
        }
        setTimeout(tick, POLL_MS);
      })
      .catch(() => {
        failures += 1;
        setTimeout(tick, Math.min(POLL_MS * 2 ** failures, 15000));
      });
  };
  setTimeout(tick, POLL_MS);
}

for (const el of document.querySelectorAll('[data-status-url]')) watch(el);

// A form that starts long work says so at once, and cannot be sent twice.
for (const form of document.querySelectorAll('form[data-busy]')) {
  form.addEventListener('submit', () => {
    const button = form.querySelector('button[type=submit]');
    if (!button) return;
    button.disabled = true;
    button.textContent = form.dataset.busy;
  });
}
