'use strict';
// A fake `wx` for Node: the WeChat client APIs the mini-program uses, backed
// by shebao's demo sandbox over HTTP (Node's global fetch). One fake wx is
// one WeChat user of one mini-program (appid): its first wx.login asks the
// sandbox for a new WeChat user, and later calls reuse the openid learned.
//
// Callback style as in WeChat: success / fail / complete, with the real
// object shapes (wx.request success gets {statusCode, data, header}, …).
// Every call is recorded in wx.calls as {api, args}.
//
//   const wx = createFakeWx({ baseUrl, appid, payOutcome: 'success' });
//   wx.payOutcome = 'cancel';      // success | cancel | insufficient
//   wx.subscribeDecision = 'reject';

function call(opts, ok, res) {
  const cb = ok ? opts.success : opts.fail;
  if (typeof cb === 'function') cb(res);
  if (typeof opts.complete === 'function') opts.complete(res);
}

function trimSlash(s) { return String(s || '').replace(/\/+$/, ''); }

function headersObject(h) {
  const out = {};
  h.forEach(function (v, k) {
    // WeChat hands headers back with the server's spelling; HTTP/1.1 servers
    // send canonical ones, so restore Content-Type rather than content-type.
    out[k.replace(/(^|-)([a-z])/g, function (m, d, c) { return d + c.toUpperCase(); })] = v;
  });
  return out;
}

function query(data) {
  return Object.keys(data).filter(function (k) { return data[k] !== undefined; }).map(function (k) {
    return encodeURIComponent(k) + '=' + encodeURIComponent(typeof data[k] === 'object' ? JSON.stringify(data[k]) : String(data[k]));
  }).join('&');
}

async function postJSON(url, body) {
  const res = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  const text = await res.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch (e) { data = null; }
  return { status: res.status, data: data, text: text };
}

function short(r) {
  return 'HTTP ' + r.status + ' ' + String(r.text || '').slice(0, 200).replace(/\s+/g, ' ');
}

function createFakeWx(options) {
  const opts = options || {};
  const base = trimSlash(opts.baseUrl);
  if (!base) throw new Error('createFakeWx: baseUrl is required');
  const storage = new Map();

  const wx = {
    appid: opts.appid || '',
    openid: opts.openid || '', // learned from the first wx.login
    payOutcome: opts.payOutcome || 'success',
    subscribeDecision: opts.subscribeDecision || 'accept',
    calls: [],
    problems: [], // contract deviations seen in the sandbox's answers
    pending: new Set(),

    login(o) {
      wx.calls.push({ api: 'login', args: o });
      track((async function () {
        if (!wx.appid) return call(o, false, { errMsg: 'login:fail fake wx has no appid' });
        let r;
        try {
          r = await postJSON(base + '/sandbox/wechat/control/js-codes', { appid: wx.appid, openid: wx.openid });
        } catch (err) {
          return call(o, false, { errMsg: 'login:fail ' + err.message });
        }
        if (r.status < 200 || r.status > 299 || !r.data || !r.data.code) {
          return call(o, false, { errMsg: 'login:fail sandbox js-codes: ' + short(r) });
        }
        if (r.data.openid) {
          if (wx.openid && r.data.openid !== wx.openid) {
            wx.problems.push('js-codes answered openid ' + r.data.openid + ' for user ' + wx.openid);
          }
          wx.openid = r.data.openid;
        } else if (!wx.openid) {
          wx.problems.push('POST /sandbox/wechat/control/js-codes answered no "openid": the fake cannot stay the same WeChat user');
          return call(o, false, { errMsg: 'login:fail sandbox js-codes answer has no openid' });
        }
        call(o, true, { code: r.data.code, errMsg: 'login:ok' });
      })());
    },

    request(o) {
      wx.calls.push({ api: 'request', args: o });
      const controller = new AbortController();
      track((async function () {
        const method = String(o.method || 'GET').toUpperCase();
        const header = Object.assign({}, o.header);
        let url = o.url;
        let body;
        const hasCT = Object.keys(header).some(function (k) { return k.toLowerCase() === 'content-type'; });
        if (o.data !== undefined && o.data !== null) {
          if (method === 'GET' && typeof o.data === 'object') {
            const q = query(o.data);
            if (q) url += (url.indexOf('?') >= 0 ? '&' : '?') + q;
          } else {
            if (!hasCT) header['content-type'] = 'application/json';
            body = typeof o.data === 'string' ? o.data : JSON.stringify(o.data);
          }
        }
        const timer = setTimeout(function () { controller.abort(new Error('timeout')); }, o.timeout || 60000);
        let res;
        let text;
        try {
          res = await fetch(url, { method: method, headers: header, body: body, signal: controller.signal });
          text = await res.text();
        } catch (err) {
          const why = controller.signal.aborted ? 'timeout' : (err && err.message) || 'network error';
          return call(o, false, { errMsg: 'request:fail ' + why });
        } finally {
          clearTimeout(timer);
        }
        let data = text;
        if ((o.dataType || 'json') === 'json') {
          try { data = JSON.parse(text); } catch (e) { data = text; }
        }
        call(o, true, { data: data, statusCode: res.status, header: headersObject(res.headers), cookies: [], errMsg: 'request:ok' });
      })());
      return { abort: function () { controller.abort(new Error('abort')); } };
    },

    requestPayment(o) {
      wx.calls.push({ api: 'requestPayment', args: o });
      track((async function () {
        let r;
        try {
          // WeChat knows which mini-program is calling: it refuses a
          // payment prepared for another app id. appId tells the sandbox.
          r = await postJSON(base + '/sandbox/wechatpay/control/request-payment', {
            appId: wx.appid, timeStamp: o.timeStamp, nonceStr: o.nonceStr, package: o.package, signType: o.signType,
            paySign: o.paySign, outcome: wx.payOutcome,
          });
        } catch (err) {
          return call(o, false, { errMsg: 'requestPayment:fail ' + err.message });
        }
        const errMsg = r.data && typeof r.data.errMsg === 'string' ? r.data.errMsg : '';
        if (r.status === 200 && errMsg === 'requestPayment:ok') return call(o, true, { errMsg: errMsg });
        call(o, false, { errMsg: errMsg || 'requestPayment:fail sandbox request-payment: ' + short(r) });
      })());
    },

    requestSubscribeMessage(o) {
      wx.calls.push({ api: 'requestSubscribeMessage', args: o });
      track((async function () {
        const ids = Array.isArray(o.tmplIds) ? o.tmplIds : [];
        if (ids.length === 0) return call(o, false, { errMsg: 'requestSubscribeMessage:fail tmplIds is empty', errCode: 10001 });
        if (!wx.openid) return call(o, false, { errMsg: 'requestSubscribeMessage:fail no WeChat user (wx.login first)' });
        let r;
        try {
          r = await postJSON(base + '/sandbox/wechat/control/subscriptions', {
            appid: wx.appid, openid: wx.openid, template_ids: ids, decision: wx.subscribeDecision,
          });
        } catch (err) {
          return call(o, false, { errMsg: 'requestSubscribeMessage:fail ' + err.message });
        }
        if (r.status < 200 || r.status > 299 || !r.data || !r.data.results) {
          return call(o, false, { errMsg: 'requestSubscribeMessage:fail sandbox subscriptions: ' + short(r) });
        }
        call(o, true, Object.assign({ errMsg: 'requestSubscribeMessage:ok' }, r.data.results));
      })());
    },

    setStorageSync(key, value) {
      wx.calls.push({ api: 'setStorageSync', args: [key, value] });
      storage.set(key, value === undefined ? undefined : JSON.parse(JSON.stringify(value)));
    },
    getStorageSync(key) {
      return storage.has(key) && storage.get(key) !== undefined ? JSON.parse(JSON.stringify(storage.get(key))) : '';
    },
    removeStorageSync(key) { storage.delete(key); },

    showToast(o) { wx.calls.push({ api: 'showToast', args: o }); call(o, true, { errMsg: 'showToast:ok' }); },
    showModal(o) {
      wx.calls.push({ api: 'showModal', args: o });
      call(o, true, { confirm: true, cancel: false, errMsg: 'showModal:ok' });
    },

    // idle resolves when no call is still running (for tests).
    idle() { return Promise.all(Array.from(wx.pending)); },
  };

  function track(p) {
    const q = p.catch(function (err) { wx.problems.push('fake wx: ' + (err && err.stack || err)); });
    wx.pending.add(q);
    q.then(function () { wx.pending.delete(q); });
  }

  return wx;
}

// sandbox reads what the person would see outside the mini-program: SMS
// texts and the WeChat messages delivered to them.
function createSandbox(baseUrl) {
  const base = trimSlash(baseUrl);
  async function getJSON(path) {
    const res = await fetch(base + path);
    const text = await res.text();
    if (res.status !== 200) throw new Error('GET ' + path + ': HTTP ' + res.status + ' ' + text.slice(0, 200));
    return JSON.parse(text);
  }
  return {
    // smsCode is the code in the newest text to phone that has one (payment
    // results and reminders go to the same phone, without a code).
    async smsCode(phone) {
      const out = await getJSON('/sandbox/sms?phone=' + encodeURIComponent(phone));
      const msgs = (out && out.messages) || [];
      for (let i = msgs.length - 1; i >= 0; i--) {
        if (msgs[i] && msgs[i].code) return msgs[i].code;
      }
      throw new Error('no SMS code in the sandbox outbox for ' + phone);
    },
    async wechatMessages(openid) {
      const out = await getJSON('/sandbox/wechat/control/messages?openid=' + encodeURIComponent(openid));
      return (out && out.messages) || [];
    },
    getJSON: getJSON,
  };
}

module.exports = { createFakeWx, createSandbox };
