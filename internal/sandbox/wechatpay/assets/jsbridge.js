// Sandbox stand-in for WeixinJSBridge, the object WeChat's in-app browser
// injects into pages. Only getBrandWCPayRequest (JSAPI payment) is offered:
// it shows a payment sheet, sends the payer's choice with the merchant's
// signed parameters to the sandbox, which checks paySign as WeChat does,
// and calls back with WeChat's err_msg values. Nothing happens when a real
// bridge exists.
(function () {
  "use strict";
  if (window.WeixinJSBridge) { return; }
  var script = document.currentScript;
  var endpoint = script.src.replace(/jsbridge\.js.*$/, "control/request-payment");

  function post(params, outcome) {
    var body = {};
    ["appId", "timeStamp", "nonceStr", "package", "signType", "paySign"].forEach(function (k) { body[k] = params[k]; });
    body.outcome = outcome;
    return fetch(endpoint, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json" }, body: JSON.stringify(body)
    }).then(function (r) { return r.json(); });
  }

  function yuan(fen) {
    var s = String(Math.abs(fen));
    while (s.length < 3) { s = "0" + s; }
    return (fen < 0 ? "-" : "") + s.slice(0, -2) + "." + s.slice(-2);
  }

  function button(text, outcome, primary) {
    var b = document.createElement("button");
    b.type = "button";
    b.textContent = text;
    b.dataset.outcome = outcome;
    b.style.display = "block";
    b.style.width = "100%";
    b.style.minHeight = "3rem";
    b.style.margin = "0.5rem 0";
    b.style.fontSize = "1.25rem";
    b.style.border = "2px solid #07c160";
    b.style.borderRadius = "0.5rem";
    b.style.background = primary ? "#07c160" : "#fff";
    b.style.color = primary ? "#fff" : "#06ad56";
    return b;
  }

  function sheet(info, choose) {
    var back = document.createElement("div");
    back.style.position = "fixed";
    back.style.inset = "0";
    back.style.background = "rgba(0,0,0,0.5)";
    back.style.zIndex = "1000";
    var box = document.createElement("div");
    box.setAttribute("role", "dialog");
    box.setAttribute("aria-modal", "true");
    box.setAttribute("aria-labelledby", "wx-sandbox-sheet-title");
    box.id = "wx-sandbox-sheet";
    box.style.position = "absolute";
    box.style.left = "0";
    box.style.right = "0";
    box.style.bottom = "0";
    box.style.background = "#fff";
    box.style.color = "#111";
    box.style.padding = "1rem 1.25rem 1.5rem";
    box.style.fontSize = "1.125rem";
    var h = document.createElement("h2");
    h.id = "wx-sandbox-sheet-title";
    h.textContent = "微信支付（沙箱）";
    var what = document.createElement("p");
    what.textContent = (info.merchant || "") + " · " + (info.description || "");
    var amount = document.createElement("p");
    amount.textContent = "¥" + yuan(info.amount_fen || 0);
    amount.style.fontSize = "2rem";
    amount.style.fontWeight = "bold";
    box.append(h, what, amount,
      button("确认支付", "success", true), button("取消", "cancel", false), button("模拟余额不足", "insufficient", false));
    back.appendChild(box);
    document.body.appendChild(back);
    box.querySelector("button").focus();
    box.addEventListener("click", function (ev) {
      var o = ev.target && ev.target.dataset && ev.target.dataset.outcome;
      if (!o) { return; }
      back.remove();
      choose(o);
    });
  }

  window.WeixinJSBridge = {
    sandbox: true,
    invoke: function (name, params, callback) {
      var done = function (msg) { if (typeof callback === "function") { callback({ err_msg: msg }); } };
      if (name !== "getBrandWCPayRequest") { done(name + ":fail not supported in the sandbox"); return; }
      post(params, "").then(function (info) {
        if (info.err_msg) { done(info.err_msg); return; }
        sheet(info, function (outcome) {
          post(params, outcome).then(function (a) { done(a.err_msg); }, function () { done("get_brand_wcpay_request:fail"); });
        });
      }, function () { done("get_brand_wcpay_request:fail"); });
    }
  };
  var ready = function () { document.dispatchEvent(new Event("WeixinJSBridgeReady")); };
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", ready); } else { setTimeout(ready, 0); }
})();
