// Heard: the "Listen" button reads the question aloud with the browser's own speech, where
// there is no recording. Without this script (or without speech) the button stays hidden.
(function () {
  'use strict';
  if (!('speechSynthesis' in window) || typeof window.SpeechSynthesisUtterance !== 'function') return;
  var lang = document.documentElement.getAttribute('lang') || 'en-GB';
  var buttons = document.querySelectorAll('.listen-button');
  for (var i = 0; i < buttons.length; i++) {
    (function (button) {
      if (button.parentElement) button.parentElement.hidden = false;
      button.addEventListener('click', function () {
        window.speechSynthesis.cancel();
        var u = new window.SpeechSynthesisUtterance(button.getAttribute('data-speak') || '');
        u.lang = lang;
        window.speechSynthesis.speak(u);
      });
    })(buttons[i]);
  }
})();
