// Heard live tally: listens for changes (server-sent events) and swaps in the new tally,
// rendered and escaped by the server. Without scripts the page refreshes itself instead.
(function () {
  'use strict';
  var box = document.getElementById('tally');
  if (!box || typeof window.EventSource !== 'function') return;
  var events = new window.EventSource(box.getAttribute('data-events'));
  var busy = false;
  // The session has ended: stop listening (the browser would otherwise reconnect).
  events.addEventListener('end', function () { events.close(); });
  events.addEventListener('change', function () {
    if (busy) return;
    busy = true;
    window.fetch(box.getAttribute('data-fragment'), { credentials: 'same-origin' })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) { if (html !== null) box.innerHTML = html; })
      .catch(function () {})
      .then(function () { busy = false; });
  });
})();
