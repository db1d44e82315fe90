// shebao citizen pages: small enhancements; every page works without them.
(function () {
  'use strict';
  // Result page: while the payment is pending, follow the order's state
  // without reloading and reload once it changes, so the page shows the
  // final content (vouchers) and the section (aria-live) announces it.
  // Without JavaScript a <noscript> refresh does the same job.
  var box = document.getElementById('result');
  if (box && window.fetch && box.getAttribute('data-pending') === 'true') {
    var id = box.getAttribute('data-order');
    var last = box.getAttribute('data-state');
    var tries = 0;
    var poll = function () {
      tries++;
      fetch('/orders/' + encodeURIComponent(id) + '/state', { credentials: 'same-origin', cache: 'no-store' })
        .then(function (r) { return r.json(); })
        .then(function (s) {
          if (s.state !== last) { location.replace(location.pathname); return; }
          if (tries < 200) setTimeout(poll, tries < 10 ? 1000 : 3000);
        })
        .catch(function () { if (tries < 200) setTimeout(poll, 3000); });
    };
    setTimeout(poll, 1000);
  }
  // Vouchers: a print button (the print stylesheet lays the voucher out).
  var print = document.getElementById('print');
  if (print && window.print) {
    print.hidden = false;
    print.addEventListener('click', function () { window.print(); });
  }
})();
