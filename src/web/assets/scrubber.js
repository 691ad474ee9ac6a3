// The create form's scrubber: the chosen video (a picked file or a URL) plays in a <video>, and two
// range handles pick the window, at least 1 s and at most 3 s long. It writes "start,end" into the
// typed field, which is what the form sends (and which works alone without JavaScript).
const MIN = 1;
const MAX = 3;
const file = document.getElementById('video-file');
const url = document.getElementById('video-url');
const typed = document.getElementById('timestamps');
const box = document.getElementById('scrubber');
const video = document.getElementById('preview');
const start = document.getElementById('start');
const end = document.getElementById('end');
const startOut = document.getElementById('start-out');
const endOut = document.getElementById('end-out');
const span = document.getElementById('window-span');
const play = document.getElementById('play-window');
let objectUrl = null;
let duration = 0;

const round = (x) => Math.round(x * 100) / 100;

function show(s, e, seekTo) {
  start.value = String(s);
  end.value = String(e);
  startOut.textContent = s.toFixed(2);
  endOut.textContent = e.toFixed(2);
  typed.value = `${round(s)},${round(e)}`;
  if (duration > 0) {
    span.style.left = `${(s / duration) * 100}%`;
    span.style.width = `${((e - s) / duration) * 100}%`;
  }
  if (seekTo !== undefined && Number.isFinite(seekTo)) video.currentTime = seekTo;
}

/** Keeps the window inside the video and 1..3 s long; `moved` is the handle the user dragged. */
function clamp(s, e, moved) {
  s = Math.max(0, Math.min(s, duration));
  e = Math.max(0, Math.min(e, duration));
  if (moved === 'start') {
    if (e - s > MAX) e = s + MAX;
    if (e - s < MIN) e = Math.min(duration, s + MIN);
    if (e - s < MIN) s = Math.max(0, e - MIN);
  } else {
    if (e - s > MAX) s = e - MAX;
    if (e - s < MIN) s = Math.max(0, e - MIN);
    if (e - s < MIN) e = Math.min(duration, s + MIN);
  }
  return [round(s), round(e)];
}

function load(src) {
  if (!src) return;
  box.hidden = false;
  video.src = src;
}

video.addEventListener('loadedmetadata', () => {
  duration = video.duration;
  if (!Number.isFinite(duration) || duration <= 0) return;
  start.max = String(duration);
  end.max = String(duration);
  const m = /^\s*(\d+(?:\.\d+)?)\s*,\s*(\d+(?:\.\d+)?)\s*$/.exec(typed.value);
  const [s, e] = m ? clamp(Number(m[1]), Number(m[2]), 'start') : clamp(0, Math.min(MAX, duration), 'end');
  show(s, e, s);
});
video.addEventListener('error', () => {
  box.hidden = true;
});

file.addEventListener('change', () => {
  if (objectUrl) URL.revokeObjectURL(objectUrl);
  objectUrl = null;
  const f = file.files?.[0];
  if (!f) return;
  url.value = '';
  objectUrl = URL.createObjectURL(f);
  load(objectUrl);
});
url.addEventListener('change', () => {
  if (url.value.trim() && /^https?:\/\//i.test(url.value.trim())) {
    file.value = '';
    load(url.value.trim());
  }
});
start.addEventListener('input', () => {
  const [s, e] = clamp(Number(start.value), Number(end.value), 'start');
  show(s, e, s);
});
end.addEventListener('input', () => {
  const [s, e] = clamp(Number(start.value), Number(end.value), 'end');
  show(s, e, e);
});
typed.addEventListener('change', () => {
  const m = /^\s*(\d+(?:\.\d+)?)\s*,\s*(\d+(?:\.\d+)?)\s*$/.exec(typed.value);
  if (!m || duration <= 0) return;
  const [s, e] = clamp(Number(m[1]), Number(m[2]), 'start');
  show(s, e, s);
});
play.addEventListener('click', () => {
  const s = Number(start.value);
  const e = Number(end.value);
  video.currentTime = s;
  const stop = () => {
    if (video.currentTime >= e) {
      video.pause();
      video.removeEventListener('timeupdate', stop);
    }
  };
  video.addEventListener('timeupdate', stop);
  video.play().catch(() => {});
});
