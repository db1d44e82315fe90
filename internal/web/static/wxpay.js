// Inside WeChat's in-app browser: pay through the JS bridge WeChat injects
// (getBrandWCPayRequest with the merchant-signed JSAPI parameters), then let
// the result page follow the order. Only loaded when the page is opened in
// WeChat; without the bridge the button says why and the page keeps working.
(function () {
  'use strict';
  var btn = document.getElementById('wxpay');
  if (!btn) return;
  var params = JSON.parse(btn.getAttribute('data-pay'));
  var back = location.pathname;
  var pay = function () {
    btn.disabled = true;
    window.WeixinJSBridge.invoke('getBrandWCPayRequest', params, function (res) {
      var msg = (res && res.err_msg) || '';
      // WeChat's own advice: treat "ok" as "the person finished", not as
      // paid; the order's state, from the notification, is the truth.
      if (/:ok$/.test(msg)) { location.replace(back); return; }
      // ":fail" does not say why (balance, card, network): the page says
      // the payment did not go through and how to go on, nothing more.
      location.replace(back + (/:cancel$/.test(msg) ? '?cashier=cancel' : '?cashier=failed'));
    });
  };
  btn.hidden = false;
  btn.addEventListener('click', function () {
    if (window.WeixinJSBridge) { pay(); return; }
    document.addEventListener('WeixinJSBridgeReady', pay, { once: true });
  });
})();
