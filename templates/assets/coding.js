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
