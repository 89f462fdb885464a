// Heard: "Say it or show it" with a recorder in the page. Without this script (or without a
// microphone the browser lets us use) the file input does the work: phones open their own
// recorder or camera. With it, "Start recording" records here and puts the recording into
// that same file input, so Continue sends it exactly as if a file had been chosen. Nothing is
// kept in the browser: the recording lives only in this page until it is sent.
(function () {
  'use strict';
  var box = document.getElementById('say-show');
  var input = document.getElementById('recording');
  if (!box || !input) return;
  if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) return;
  if (typeof window.MediaRecorder !== 'function' || typeof window.DataTransfer !== 'function') return;
  var LIMIT_MS = 180 * 1000;
  var bar = document.createElement('div');
  bar.className = 'recorder';
  var button = document.createElement('button');
  button.type = 'button';
  button.className = 'secondary';
  button.textContent = box.getAttribute('data-start') || 'Start recording';
  var status = document.createElement('p');
  status.className = 'recorder-status';
  status.setAttribute('role', 'status');
  bar.appendChild(button);
  bar.appendChild(status);
  var field = input.parentElement;
  field.parentElement.insertBefore(bar, field);

  var recorder = null;
  var chunks = [];
  var timer = null;
  var started = 0;

  function stop() {
    if (timer) window.clearTimeout(timer);
    timer = null;
    if (recorder && recorder.state !== 'inactive') recorder.stop();
  }

  button.addEventListener('click', function () {
    if (recorder && recorder.state === 'recording') {
      stop();
      return;
    }
    navigator.mediaDevices.getUserMedia({ audio: true }).then(function (stream) {
      chunks = [];
      recorder = new window.MediaRecorder(stream);
      recorder.addEventListener('dataavailable', function (e) {
        if (e.data && e.data.size) chunks.push(e.data);
      });
      recorder.addEventListener('stop', function () {
        stream.getTracks().forEach(function (t) { t.stop(); });
        var type = recorder.mimeType || 'audio/webm';
        var ext = type.indexOf('mp4') >= 0 ? 'm4a' : type.indexOf('ogg') >= 0 ? 'ogg' : 'webm';
        var file = new File(chunks, 'recording.' + ext, { type: type });
        chunks = [];
        var dt = new window.DataTransfer();
        dt.items.add(file);
        input.files = dt.files;
        var seconds = Math.round((Date.now() - started) / 1000);
        status.textContent = (box.getAttribute('data-done') || 'Recorded.') + ' (' + seconds + ' s)';
        button.textContent = box.getAttribute('data-start') || 'Start recording';
      });
      started = Date.now();
      recorder.start();
      timer = window.setTimeout(stop, LIMIT_MS);
      button.textContent = box.getAttribute('data-stop') || 'Stop recording';
      status.textContent = '';
    }).catch(function () {
      // No microphone, or permission refused: the file input is still there.
      bar.hidden = true;
    });
  });
})();
