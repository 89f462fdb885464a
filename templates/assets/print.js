// Heard paper versions: a Print button, shown only when scripts can press it (without them
// the page says to use the browser's own Print).
(function () {
  'use strict';
  var button = document.querySelector('.print-button');
  if (!button || typeof window.print !== 'function') return;
  button.hidden = false;
  var hint = document.querySelector('.print-hint');
  if (hint) hint.hidden = true;
  button.addEventListener('click', function () { window.print(); });
})();
