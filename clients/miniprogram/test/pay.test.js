'use strict';
// End to end: a WeChat user opens the mini-program, binds to a demo insured
// person by SMS real-name check, agrees to payment notifications, cancels a
// payment once, then pays the bills and gets vouchers and a subscription
// message, all through lib/ exactly as the pages call it, against a running
// shebao in demo mode:
//
//   SHEBAO_URL=http://127.0.0.1:18080 SHEBAO_WX_APPID=wx… node --test clients/miniprogram/test/
//
// SHEBAO_WX_APPID is the mini-program's appid in the WeChat sandbox; without
// it the appid published at GET /api/v1/wechat/config is used. SHEBAO_PHONE
// picks the demo person (default 13800000001), who must have bills due.
const test = require('node:test');
const assert = require('node:assert/strict');

const { createFakeWx, createSandbox } = require('./fakewx.js');
const { createApi } = require('../lib/api.js');
const auth = require('../lib/auth.js');
const subscribe = require('../lib/subscribe.js');
const pay = require('../lib/pay.js');
const bills = require('../lib/bills.js');
const money = require('../lib/money.js');

const BASE = (process.env.SHEBAO_URL || '').replace(/\/+$/, '');
const PHONE = process.env.SHEBAO_PHONE || '13800000001';
const SKIP = BASE ? false : 'SHEBAO_URL is not set: start shebao in demo mode and set SHEBAO_URL (and SHEBAO_WX_APPID) to run the end-to-end test';

// Polling bounds for the test: quick, and bounded well under the test timeout.
const POLL = { attempts: 40, firstDelayMs: 50, maxDelayMs: 500, factor: 2 };

async function eventually(what, f, ms) {
  const deadline = Date.now() + (ms || 10000);
  let last;
  for (let delay = 50; ; delay = Math.min(delay * 2, 500)) {
    last = await f();
    if (last) return last;
    if (Date.now() > deadline) throw new Error('timed out waiting for ' + what);
    await new Promise((r) => setTimeout(r, delay));
  }
}

test('mini-program: bind by SMS, subscribe, cancel, pay, vouchers, message', { skip: SKIP, timeout: 120000 }, async (t) => {
  const sandbox = createSandbox(BASE);
  const wx = createFakeWx({ baseUrl: BASE, appid: process.env.SHEBAO_WX_APPID || '' });
  // What app.js keeps in globalData.
  const app = { apiBase: BASE, token: '', person: null };
  const api = createApi({ wx, config: { apiBase: () => app.apiBase, getToken: () => app.token } });
  const s = {}; // what the steps learn

  // Steps run in order; a step whose prerequisites failed is skipped,
  // naming them, so one missing piece does not hide the state of the rest.
  const failed = new Set();
  async function step(id, name, needs, fn) {
    const missing = needs.filter((n) => failed.has(n));
    if (missing.length) {
      failed.add(id);
      return t.test(id + '. ' + name, { skip: 'needs step ' + missing.join(', ') + ', which failed' });
    }
    return t.test(id + '. ' + name, async () => {
      try {
        await fn();
      } catch (err) {
        failed.add(id);
        if (wx.problems.length) err.message += '\nfake wx saw: ' + wx.problems.join('; ');
        throw err;
      }
    });
  }

  await step('1', 'wx.login: the WeChat sandbox issues a code for a new WeChat user', [], async () => {
    if (!wx.appid) {
      // No SHEBAO_WX_APPID: take the appid shebao publishes, as app.js would be configured.
      s.config = await subscribe.getWechatConfig(api);
      wx.appid = s.config.appid;
      assert.ok(wx.appid, 'SHEBAO_WX_APPID unset and GET /api/v1/wechat/config has no appid');
    }
    s.code = await auth.wxLogin(wx);
    assert.ok(s.code, 'no code');
    assert.ok(wx.openid, 'the sandbox did not say which openid the code is for');
    s.openid = wx.openid;
  });

  await step('2a', 'an unbound WeChat user is asked to bind (403 wechat_not_bound + bind_ticket)', ['1'], async () => {
    const r = await auth.signInWithWechat({ api, wx });
    assert.equal(r.status, 'need_bind', 'a brand-new WeChat user signed in without binding: ' + JSON.stringify(r));
    assert.ok(r.bindTicket);
    assert.match(r.message, /[\u4e00-\u9fff]/, 'the error message is not Chinese');
    assert.equal(wx.openid, s.openid, 'wx.login switched WeChat users');
    s.bindTicket = r.bindTicket;
  });

  await step('2b', 'SMS real-name check binds the WeChat user and signs in', ['2a'], async () => {
    const sent = await auth.sendSmsCode({ api }, PHONE);
    assert.equal(sent.sent, true);
    const code = await sandbox.smsCode(PHONE);
    const r = await auth.signInWithSms({ api }, { phone: PHONE, code, bindTicket: s.bindTicket });
    assert.equal(r.status, 'signed_in');
    assert.ok(r.token && r.person && r.person.id, 'no token or person');
    assert.equal(r.person.phone, PHONE.slice(0, 3) + '****' + PHONE.slice(7), 'phone not masked');
    auth.saveToken(wx, r.token);
    app.token = r.token;
    s.person = r.person;
  });

  await step('2c', 'a new wx.login now signs the bound WeChat user in directly (201)', ['2b'], async () => {
    const r = await auth.signInWithWechat({ api, wx });
    assert.equal(r.status, 'signed_in', 'bound WeChat user was not signed in: ' + JSON.stringify(r));
    assert.equal(r.person.id, s.person.id, 'signed in as someone else');
    assert.notEqual(r.token, app.token);
    app.token = r.token;
    auth.saveToken(wx, r.token);
    assert.equal(auth.loadToken(wx), r.token);
    const me = await api.get('/me');
    assert.equal(me.id, s.person.id);
  });

  await step('3a', 'GET /api/v1/wechat/config publishes the appid and subscription templates', ['1'], async () => {
    s.config = await subscribe.getWechatConfig(api);
    assert.ok(typeof s.config.appid === 'string' && s.config.appid, 'config.appid is empty');
    assert.equal(s.config.appid, wx.appid, 'config.appid is not the mini-program the WeChat user logged in to');
    const tpl = s.config.subscribe_templates || {};
    for (const k of ['payment_result', 'reminder', 'hold', 'refund']) {
      assert.ok(typeof tpl[k] === 'string' && tpl[k], `subscribe_templates.${k} missing in ${JSON.stringify(s.config)}`);
    }
  });

  await step('3b', 'wx.requestSubscribeMessage accepted and reported to POST /api/v1/me/subscriptions', ['2c', '3a'], async () => {
    const r = await subscribe.requestSubscriptions({ api, wx, config: s.config });
    const tid = s.config.subscribe_templates.payment_result;
    assert.equal(r.results[tid], 'accept', 'payment_result not accepted: ' + JSON.stringify(r));
    assert.equal(r.reported, true);
    const asked = wx.calls.filter((c) => c.api === 'requestSubscribeMessage');
    assert.ok(asked.length === 1 && asked[0].args.tmplIds.length <= 3, 'at most 3 templates per dialog');
  });

  await step('4a', 'GET /api/v1/me/bills lists bills due', ['2c'], async () => {
    const out = await api.get('/me/bills');
    const rows = bills.view(out.bills);
    assert.ok(rows.length > 0, `${PHONE} has no bills due (paid in an earlier run? start shebao with a fresh --data dir)`);
    assert.equal(bills.totalFen(rows), out.total_due_fen, 'total_due_fen is not the sum of the bills due');
    for (const r of rows) assert.match(r.amount, /^¥[0-9,]+\.[0-9]{2}$/);
    s.billIds = bills.selectedIds(rows);
    s.totalFen = bills.totalFen(rows);
    t.diagnostic(`paying ${rows.length} bills, ${money.yuan(s.totalFen)}: ${rows.map((r) => r.name + ' ' + r.period + ' ' + r.amount).join('; ')}`);
  });

  await step('4b', 'cancelling in the payment sheet leaves the order unpaid and is reported, not thrown', ['4a'], async () => {
    wx.payOutcome = 'cancel';
    const r = await pay.payBills({ api, wx }, { billIds: s.billIds, poll: POLL });
    assert.ok(r.order && r.order.id, 'no order');
    assert.equal(r.order.amount_fen, s.totalFen);
    const sheet = wx.calls.filter((c) => c.api === 'requestPayment').pop();
    assert.ok(sheet, 'wx.requestPayment was not called');
    assert.equal(r.status, 'cancelled', `want cancelled, got ${r.status} (${r.errMsg})`);
    assert.equal(r.errMsg, 'requestPayment:fail cancel');
    assert.equal(r.message, pay.MESSAGES.cancelled);
    const o = await pay.getOrder(api, r.order.id);
    assert.equal(o.state, 'awaiting_payment');
    s.cancelled = o;
  });

  await step('4c', 'paying: order, wx.requestPayment, poll until credited, vouchers', ['4a'], async () => {
    wx.payOutcome = 'success';
    const r = await pay.payBills({ api, wx }, { billIds: s.billIds, poll: POLL });
    assert.equal(r.status, 'credited', `want credited, got ${r.status} (${r.errMsg}; order ${r.order && r.order.state})`);
    assert.equal(r.order.state, 'credited');
    assert.equal(r.order.amount_fen, s.totalFen);
    assert.deepEqual([...r.order.bill_ids].sort(), [...s.billIds].sort());
    if (s.cancelled) assert.notEqual(r.order.id, s.cancelled.id);
    const kinds = r.vouchers.map((v) => v.kind).sort();
    assert.deepEqual(kinds, ['acceptance_receipt', 'fiscal_receipt', 'transaction_statement']);
    for (const v of r.vouchers) assert.equal(v.order_id, r.order.id);
    s.order = r.order;
    s.vouchers = r.vouchers;

    const left = await api.get('/me/bills');
    for (const b of bills.dueBills(left.bills)) assert.ok(!s.billIds.includes(b.id), `bill ${b.id} still due`);
    const wallet = await api.get('/me/vouchers');
    for (const v of s.vouchers) assert.ok(wallet.vouchers.some((w) => w.id === v.id), `voucher ${v.id} not in the wallet`);
    if (s.cancelled) {
      const old = await pay.getOrder(api, s.cancelled.id);
      assert.notEqual(old.state, 'credited', 'the cancelled order was paid too');
    }
  });

  await step('5', 'the payment_result subscription message reaches the WeChat user', ['3b', '4c'], async () => {
    const tid = s.config.subscribe_templates.payment_result;
    const msg = await eventually('a payment_result message to ' + s.openid, async () => {
      const msgs = await sandbox.wechatMessages(s.openid);
      return msgs.find((m) => m.template_id === tid);
    });
    assert.equal(typeof msg.data, 'object');
    t.diagnostic('message: ' + JSON.stringify(msg));
  });

  assert.deepEqual(wx.problems, [], 'fake wx saw contract deviations');
});
