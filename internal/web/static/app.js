// Result page: follow the order's state without reloading, announce the
// change (the section is aria-live), and reload once it settles so the page
// shows the final content (vouchers). Without JavaScript a <noscript>
// refresh does the same job.
(function () {
  var box = document.getElementById('result');
  if (!box || !window.fetch) return;
  var id = box.getAttribute('data-order');
  var last = box.getAttribute('data-state');
  var tries = 0;
  function poll() {
    tries++;
    fetch('/orders/' + encodeURIComponent(id) + '/state', { credentials: 'same-origin', cache: 'no-store' })
      .then(function (r) { return r.json(); })
      .then(function (s) {
        if (s.state !== last) { location.replace(location.pathname); return; }
        if (tries < 200) setTimeout(poll, tries < 10 ? 1000 : 3000);
      })
      .catch(function () { if (tries < 200) setTimeout(poll, 3000); });
  }
  setTimeout(poll, 1000);
})();
