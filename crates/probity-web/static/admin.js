// While the run goes on, its progress is read in the background and told in the status line
// (a live region), rather than reloading the page under the reader; once done, the page reloads.
(function () {
  var status = document.getElementById('running');
  var timer = setInterval(function () {
    fetch('/admin', {credentials: 'same-origin'}).then(function (r) { return r.text(); }).then(function (html) {
      var now = new DOMParser().parseFromString(html, 'text/html').getElementById('running');
      if (now) { status.textContent = now.textContent; } else { clearInterval(timer); location.reload(); }
    });
  }, 2000);
})();
