// The filing form's script. A little help, none of it needed: the page works without script.
(function () {
  'use strict';
  // After a failed check, the summary of errors has the focus (for browsers that ignore
  // autofocus on it), and its links move the focus to the field, not just the view.
  var summary = document.getElementById('errors');
  if (summary) {
    if (document.activeElement !== summary) summary.focus();
    summary.addEventListener('click', function (e) {
      var link = e.target.closest('a[href^="#"]');
      if (!link) return;
      var target = document.getElementById(decodeURIComponent(link.getAttribute('href').slice(1)));
      if (!target) return;
      e.preventDefault();
      if (target.tabIndex < 0 && !/^(INPUT|SELECT|TEXTAREA|BUTTON)$/.test(target.tagName)) target.tabIndex = -1;
      target.scrollIntoView({block: 'center'});
      target.focus();
    });
  }
  var form = document.getElementById('report-form');
  var status = document.getElementById('autosave');
  if (!form || !status) return;
  // `form.action` would be the button named "action" (a RadioNodeList), not the URL.
  var url = form.getAttribute('action');
  var dirty = false, submitting = false;
  var delay = Number(form.getAttribute('data-autosave-ms')) || 30000;
  form.addEventListener('input', function () { dirty = true; });
  form.addEventListener('change', function () { dirty = true; });
  form.addEventListener('submit', function () { submitting = true; });
  function twoDigits(n) { return (n < 10 ? '0' : '') + n; }
  function save() {
    if (!dirty) return;
    dirty = false;
    var data = new FormData(form);
    data.set('action', 'save');
    fetch(url, {method: 'POST', body: new URLSearchParams(data), credentials: 'same-origin'})
      .then(function (r) {
        if (r.ok || r.status === 422) {
          var now = new Date();
          status.textContent = status.getAttribute('data-saved') + ' ' +
            twoDigits(now.getHours()) + ':' + twoDigits(now.getMinutes());
        } else {
          dirty = true;
        }
      }, function () { dirty = true; });
  }
  setInterval(save, delay);
  // Leaving with input not yet saved asks first; after a save or a submit it does not.
  window.addEventListener('beforeunload', function (e) {
    if (!dirty || submitting) return;
    e.preventDefault();
    e.returnValue = '';
  });
})();
