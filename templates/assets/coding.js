// Coding screen shortcuts: 1-9 tick a theme for the answer that has focus (or is under the
// pointer last used); s saves. An enhancement only: the screen works without it.
(function () {
  'use strict';
  var current = null;
  document.querySelectorAll('fieldset.answer').forEach(function (fs) {
    fs.addEventListener('focusin', function () { current = fs; });
    fs.addEventListener('pointerenter', function () { current = fs; });
  });
  document.addEventListener('keydown', function (e) {
    var t = e.target;
    if (e.ctrlKey || e.metaKey || e.altKey || (t && (t.tagName === 'TEXTAREA' || (t.tagName === 'INPUT' && t.type === 'text') || t.tagName === 'SELECT'))) return;
    if (!current) current = document.querySelector('fieldset.answer');
    if (!current) return;
    if (e.key >= '1' && e.key <= '9') {
      var box = current.querySelector('input[data-shortcut="' + e.key + '"]');
      if (box) { box.checked = !box.checked; box.focus(); e.preventDefault(); }
    } else if (e.key === 's') {
      var save = document.querySelector('button[value="save"]');
      if (save) { save.click(); e.preventDefault(); }
    }
  });
})();

// Saving as you go: with scripts on, ticking or unticking a theme saves the page's codes a
// moment later (the same form and the same Save as the button, so nothing differs from
// pressing it), and the bar says so. Without scripts, Save and moving on save as before.
(function () {
  'use strict';
  var form = document.querySelector('form.coding');
  var status = document.getElementById('autosave');
  if (!form || !status || !window.fetch || !window.URLSearchParams) return;
  var timer = null;
  var pending = false;
  var running = false;
  function say(text) { status.textContent = text; }
  function save() {
    if (running) { pending = true; return; }
    running = true;
    var body = new URLSearchParams(new FormData(form));
    body.set('action', 'save');
    fetch(form.getAttribute('action'), {
      method: 'POST',
      body: body,
      credentials: 'same-origin',
      redirect: 'manual',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' }
    }).then(function (res) {
      if (res.type === 'opaqueredirect' || res.ok) {
        var now = new Date();
        var hh = String(now.getHours()).padStart(2, '0');
        var mm = String(now.getMinutes()).padStart(2, '0');
        say('Saved at ' + hh + ':' + mm + '.');
      } else {
        say('Not saved: press Save codes.');
      }
    }).catch(function () {
      say('Not saved (no connection): press Save codes.');
    }).then(function () {
      running = false;
      if (pending) { pending = false; save(); }
    });
  }
  form.addEventListener('change', function (e) {
    var t = e.target;
    if (!t || t.name !== 'code') return;
    say('Saving…');
    if (timer) clearTimeout(timer);
    timer = setTimeout(save, 600);
  });
})();
