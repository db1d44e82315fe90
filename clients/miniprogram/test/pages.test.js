'use strict';
// Smoke test of app.js and the pages in a minimal stand-in for the
// mini-program runtime (App, Page, getApp and a canned wx): every require
// resolves, and each page turns API answers into the data its WXML shows.
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');

const ME = { id: 'per_1', name: '张*', id_number: '110***********1234', phone: '138****0001', region: '110000', region_name: '北京市', person_type: 'flexible', insurances: [] };
const BILLS = {
  bills: [
    { id: 'bil_1', insurance: '110', period: '2025-03', kind: 'current', amount_fen: 100000, status: 'due', policy: 'p' },
    { id: 'bil_2', insurance: '310', period: '2025-03', kind: 'current', amount_fen: 23456, status: 'due', policy: 'p' },
  ],
  total_due_fen: 123456,
};
const ORDER = { id: 'ord_1', state: 'awaiting_payment', amount_fen: 123456, channel: 'wechatpay', out_trade_no: 'o', bill_ids: ['bil_1', 'bil_2'], created_at: '2025-03-01T00:00:00Z', expires_at: '2025-03-01T02:00:00Z',
  pay: { prepay_id: 'p', appId: 'wx1', timeStamp: '1', nonceStr: 'n', package: 'prepay_id=p', signType: 'RSA', paySign: 's' } };
const VOUCHER = { id: 'vou_1', kind: 'fiscal_receipt', title: '财政电子票据', code: 'C1', order_id: 'ord_1', issued_at: '2025-03-01T02:04:05Z', verify_url: 'https://x/v', qr_payload: 'q', key_id: 'k', verify_code: 'V1', links: { html: 'h', pdf: 'p', proof: 'r' } };

function routes(method, url) {
  const p = url.replace(/^https:\/\/shebao\.example\.gov\.cn\/api\/v1/, '');
  const key = method + ' ' + p;
  switch (key) {
    case 'GET /me': return [200, ME];
    case 'GET /me/bills': return [200, BILLS];
    case 'GET /wechat/config': return [200, { appid: 'wx1', subscribe_templates: { payment_result: 'T1', reminder: 'T2', hold: 'T3', refund: 'T4' } }];
    case 'POST /me/subscriptions': return [200, {}];
    case 'POST /orders': return [201, ORDER];
    case 'GET /orders/ord_1': return [200, Object.assign({}, ORDER, { state: 'credited' })];
    case 'GET /orders/ord_1/vouchers': return [200, { vouchers: [VOUCHER] }];
    case 'GET /me/vouchers': return [200, { vouchers: [VOUCHER] }];
    case 'POST /auth/sessions': return [403, { error: { code: 'wechat_not_bound', message: '请先完成实名绑定', message_en: 'bind first' }, bind_ticket: 'bt_1' }];
    default: return [404, { error: { code: 'not_found', message: '未找到', message_en: 'not found' } }];
  }
}

function makeWx() {
  const store = new Map();
  const calls = [];
  const later = (f) => setImmediate(f);
  return {
    calls,
    request(o) { calls.push(['request', o.method, o.url]); later(() => { const [status, data] = routes(o.method, o.url); o.success({ statusCode: status, data, header: {}, errMsg: 'request:ok' }); }); },
    login(o) { later(() => o.success({ code: 'c1', errMsg: 'login:ok' })); },
    requestSubscribeMessage(o) { calls.push(['requestSubscribeMessage', o.tmplIds]); later(() => o.success(Object.assign({ errMsg: 'requestSubscribeMessage:ok' }, ...o.tmplIds.map((id) => ({ [id]: 'accept' }))))); },
    requestPayment(o) { calls.push(['requestPayment', o.package]); later(() => o.success({ errMsg: 'requestPayment:ok' })); },
    setStorageSync(k, v) { store.set(k, v); },
    getStorageSync(k) { return store.has(k) ? store.get(k) : ''; },
    showToast(o) { calls.push(['showToast', o.title]); },
    showModal(o) { calls.push(['showModal', o.content]); },
    navigateTo(o) { calls.push(['navigateTo', o.url]); },
    redirectTo(o) { calls.push(['redirectTo', o.url]); },
    reLaunch(o) { calls.push(['reLaunch', o.url]); },
    stopPullDownRefresh() {},
    setClipboardData(o) { calls.push(['setClipboardData', o.data]); },
  };
}

const root = path.join(__dirname, '..');
let appDef;
const pages = {};
global.wx = makeWx();
global.App = (def) => { appDef = def; };
global.getApp = () => appDef;
global.Page = (def) => { pages.current = def; };

function loadPage(name) {
  require(path.join(root, 'pages', name, 'index.js'));
  const def = pages.current;
  const page = Object.assign({}, def, { data: JSON.parse(JSON.stringify(def.data)) });
  page.setData = function (d) { Object.assign(this.data, d); };
  return page;
}

async function until(what, f) {
  for (let i = 0; i < 200; i++) {
    if (f()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('timed out waiting for ' + what);
}

test('app.js and the pages run on canned API answers', async () => {
  require(path.join(root, 'app.js'));
  appDef.onLaunch();
  assert.equal(appDef.globalData.token, '');
  assert.match(appDef.globalData.apiBase, /^https:\/\//);

  const login = loadPage('login');
  login.onLoad();
  await until('login to ask for binding', () => !login.data.checking);
  assert.equal(login.data.bindTicket, 'bt_1');
  assert.equal(login.data.notice, '请先完成实名绑定');

  appDef.signedIn({ token: 'tok', person: ME });
  assert.equal(wx.getStorageSync('shebao_token'), 'tok');

  const home = loadPage('home');
  home.onShow();
  await until('home to load', () => home.data.dueTotal);
  assert.equal(home.data.dueTotal, '¥1,234.56');
  assert.equal(home.data.dueCount, 2);
  assert.equal(home.data.regionName, '北京市');

  const bills = loadPage('bills');
  bills.onShow();
  await until('bills to load', () => !bills.data.loading);
  assert.equal(bills.data.rows.length, 2);
  assert.equal(bills.data.total, '¥1,234.56');
  bills.onSelect({ detail: { value: ['bil_1'] } });
  assert.equal(bills.data.count, 1);
  assert.equal(bills.data.total, '¥1,000.00');
  bills.onSelect({ detail: { value: ['bil_1', 'bil_2'] } });
  bills.goPay();
  assert.deepEqual(appDef.globalData.payBillIds, ['bil_1', 'bil_2']);

  const pay = loadPage('pay');
  pay.onLoad();
  pay.onShow();
  await until('pay page to load', () => !pay.data.loading && appDef.globalData.wechatConfig);
  assert.equal(pay.data.total, '¥1,234.56');
  await pay.onPay();
  assert.equal(pay.data.result.status, 'credited', JSON.stringify(pay.data.result));
  assert.equal(pay.data.result.amount, '¥1,234.56');
  assert.equal(pay.data.result.vouchers[0].title, '财政电子票据');
  assert.deepEqual(wx.calls.find((c) => c[0] === 'requestSubscribeMessage'), ['requestSubscribeMessage', ['T1', 'T3', 'T4']]);

  const vouchers = loadPage('vouchers');
  vouchers.onShow();
  await until('vouchers to load', () => !vouchers.data.loading);
  assert.equal(vouchers.data.vouchers[0].issuedAt, '2025-03-01 10:04');
  vouchers.copy({ currentTarget: { dataset: { index: 0 } } });
  assert.deepEqual(wx.calls.at(-1), ['setClipboardData', 'https://x/v']);

  const care = loadPage('care');
  care.onShow();
  assert.equal(care.data.careClass, '');
  care.onSwitch({ detail: { value: true } });
  assert.equal(care.data.careClass, 'care');
  assert.equal(wx.getStorageSync('shebao_care_mode'), true);
});
