// Heard's survey builder, with scripts on: the easy-read checker's advice beside a field as
// its words are typed (a moment after typing stops), and dragging a question to a new place
// in the list. Without this script nothing is lost: Save shows the advice beside each field,
// and the Move up / Move down buttons reorder.
(function () {
  'use strict';

  // Advice as you type.
  var fields = document.querySelectorAll('[data-advice]');
  for (var i = 0; i < fields.length; i++) {
    (function (field) {
      var box = document.createElement('div');
      box.className = 'advice-live';
      box.setAttribute('aria-live', 'polite');
      field.parentNode.insertBefore(box, field.nextSibling);
      var timer = null;
      var asked = 0;
      field.addEventListener('input', function () {
        if (timer) window.clearTimeout(timer);
        timer = window.setTimeout(function () {
          var n = ++asked;
          var q = '?reader=' + encodeURIComponent(field.getAttribute('data-reader') || 'parents') +
            '&kind=' + encodeURIComponent(field.getAttribute('data-advice')) +
            '&text=' + encodeURIComponent(field.value.slice(0, 2000));
          window.fetch('/staff/easy-read/advice' + q, { credentials: 'same-origin' })
            .then(function (r) { return r.ok ? r.json() : null; })
            .then(function (data) {
              if (!data || n !== asked) return;
              while (box.firstChild) box.removeChild(box.firstChild);
              data.findings.forEach(function (f) {
                var p = document.createElement('p');
                p.className = 'advice' + (f.must ? ' advice-must' : '');
                var strong = document.createElement('strong');
                strong.textContent = f.level + ', ' + f.rule + ':';
                p.appendChild(strong);
                p.appendChild(document.createTextNode(' ' + f.message));
                box.appendChild(p);
              });
            })
            .catch(function () { /* advice is a help, never a gate */ });
        }, 700);
      });
    })(fields[i]);
  }

  // Drag a question to a new place: the same Move up / Move down the buttons do, repeated.
  var list = document.querySelector('ol.build-list[data-draggable]');
  if (!list) return;
  var items = list.querySelectorAll('li.build-question[id^="q-"]');
  var dragged = null;
  for (var j = 0; j < items.length; j++) {
    (function (item) {
      item.setAttribute('draggable', 'true');
      item.addEventListener('dragstart', function (e) {
        dragged = item;
        if (e.dataTransfer) e.dataTransfer.effectAllowed = 'move';
        item.classList.add('dragging');
      });
      item.addEventListener('dragend', function () { item.classList.remove('dragging'); });
      item.addEventListener('dragover', function (e) { if (dragged && dragged !== item) e.preventDefault(); });
      item.addEventListener('drop', function (e) {
        e.preventDefault();
        if (!dragged || dragged === item) return;
        var all = Array.prototype.slice.call(list.querySelectorAll('li.build-question[id^="q-"]'));
        var from = all.indexOf(dragged);
        var to = all.indexOf(item);
        var form = dragged.querySelector('form[data-move-to]');
        if (!form || from < 0 || to < 0) return;
        form.querySelector('input[name=to]').value = String(to + 1);
        form.submit();
      });
    })(items[j]);
  }
})();
