// Heard kiosk mode: after a while without use, warn, then go back to the start so the next
// person cannot see these answers. Any key, tap or typing starts the wait again, and the
// warning has a button for more time. Without this script a refresh does the same.
(function () {
  'use strict';
  var note = document.getElementById('kiosk-note');
  if (!note) return;
  var idle = parseInt(note.getAttribute('data-idle'), 10) * 1000;
  var reset = note.getAttribute('data-reset');
  if (!(idle > 0) || !reset) return;
  var warnAfter = Math.max(idle - 30000, idle / 2);
  var box = null, before = null, warnTimer = 0, resetTimer = 0;
  function go() { window.location.assign(reset); }
  function close() {
    if (!box) return;
    box.parentNode.removeChild(box);
    box = null;
    if (before && before.focus) before.focus();
  }
  function warn() {
    before = document.activeElement;
    box = document.createElement('div');
    box.className = 'kiosk-warning';
    box.setAttribute('role', 'alertdialog');
    box.setAttribute('aria-labelledby', 'kiosk-warning-text');
    var p = document.createElement('p');
    p.id = 'kiosk-warning-text';
    p.textContent = note.getAttribute('data-warn');
    var b = document.createElement('button');
    b.type = 'button';
    b.textContent = note.getAttribute('data-more');
    b.addEventListener('click', arm);
    box.appendChild(p);
    box.appendChild(b);
    document.body.appendChild(box);
    b.focus();
  }
  function arm() {
    window.clearTimeout(warnTimer);
    window.clearTimeout(resetTimer);
    close();
    warnTimer = window.setTimeout(warn, warnAfter);
    resetTimer = window.setTimeout(go, idle);
  }
  ['keydown', 'pointerdown', 'input'].forEach(function (e) { document.addEventListener(e, arm, true); });
  arm();
})();
