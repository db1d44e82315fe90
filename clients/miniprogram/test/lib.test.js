'use strict';
// Unit tests of lib/ with stub wx objects: these need no server.
const test = require('node:test');
const assert = require('node:assert/strict');

const money = require('../lib/money.js');
const { createApi } = require('../lib/api.js');
const pay = require('../lib/pay.js');
const care = require('../lib/care.js');
const auth = require('../lib/auth.js');
const subscribe = require('../lib/subscribe.js');

test('money.formatFen formats integer fen as yuan', () => {
  const cases = [
    [0, '0.00'], [5, '0.05'], [10, '0.10'], [99, '0.99'], [100, '1.00'], [101, '1.01'],
    [99999, '999.99'], [100000, '1,000.00'], [123456, '1,234.56'], [100000000, '1,000,000.00'],
    [100000001, '1,000,000.01'], [9007199254740991, '90,071,992,547,409.91'],
    [-5, '-0.05'], [-100, '-1.00'], [-123456, '-1,234.56'], [-0, '0.00'],
  ];
  for (const [fen, want] of cases) assert.equal(money.formatFen(fen), want, `formatFen(${fen})`);
  assert.equal(money.yuan(123456), '¥1,234.56');
  assert.equal(money.yuan(-5), '-¥0.05');
  for (const bad of [1.5, NaN, Infinity, '100', null, undefined, 2 ** 53]) {
    assert.throws(() => money.formatFen(bad), TypeError, `formatFen(${String(bad)})`);
  }
  assert.equal(money.sumFen([1, 2, 123453]), 123456);
  assert.throws(() => money.sumFen([1, 0.5]), TypeError);
});

// stubWx answers wx.request with canned responses.
function stubWx(answers) {
  const seen = [];
  return {
    seen,
    request(o) {
      seen.push(o);
      const a = answers.shift();
      setImmediate(() => {
        if (a.fail) { o.fail({ errMsg: a.fail }); return; }
        o.success({ statusCode: a.status, data: a.data, header: a.header || {}, errMsg: 'request:ok' });
      });
    },
  };
}

test('api maps the error body to an Error with code and Chinese message', async () => {
  const wx = stubWx([
    { status: 200, data: { id: 'per_1' } },
    { status: 409, data: { error: { code: 'bills_in_other_order', message: '账单正在另一笔订单中支付', message_en: 'in another order', field: 'bill_ids' } } },
    { status: 502, data: '<html>Bad Gateway</html>' },
    { fail: 'request:fail timeout' },
    { fail: 'request:fail net::ERR_CONNECTION_REFUSED' },
    { status: 401, data: { error: { code: 'unauthenticated', message: '请先登录', message_en: 'sign in' } } },
    { status: 429, data: { error: { code: 'rate_limited', message: '太频繁', message_en: 'slow down' } }, header: { 'Retry-After': '30' } },
  ]);
  let unauthorized = 0;
  const api = createApi({ wx, config: { apiBase: 'https://x.example/', getToken: () => 'tok', onUnauthorized: () => unauthorized++ } });
  assert.deepEqual(await api.get('/me'), { id: 'per_1' });
  assert.equal(wx.seen[0].url, 'https://x.example/api/v1/me');
  assert.equal(wx.seen[0].header.Authorization, 'Bearer tok');
  assert.equal(wx.seen[0].method, 'GET');

  await assert.rejects(api.post('/orders', { bill_ids: ['b'] }, { header: { 'Idempotency-Key': 'k' } }), (e) => {
    assert.ok(e instanceof Error);
    assert.equal(e.code, 'bills_in_other_order');
    assert.equal(e.message, '账单正在另一笔订单中支付');
    assert.equal(e.messageEn, 'in another order');
    assert.equal(e.field, 'bill_ids');
    assert.equal(e.status, 409);
    return true;
  });
  assert.equal(wx.seen[1].header['Idempotency-Key'], 'k');
  assert.deepEqual(wx.seen[1].data, { bill_ids: ['b'] });
  await assert.rejects(api.get('/x'), { code: 'http_502', message: '服务暂时不可用，请稍后再试', status: 502 });
  await assert.rejects(api.get('/x'), { code: 'timeout', message: '请求超时，请稍后重试' });
  await assert.rejects(api.get('/x'), { code: 'network_error', message: '网络不给力，请检查网络后重试' });
  await assert.rejects(api.get('/me'), { code: 'unauthenticated', message: '请先登录' });
  assert.equal(unauthorized, 1);
  await assert.rejects(api.get('/x'), { code: 'rate_limited', retryAfter: 30 });
});

test('pay.waitForOrder backs off and is bounded', async () => {
  const delays = [];
  let gets = 0;
  const api = { get: async () => { gets++; return { id: 'ord_1', state: 'awaiting_payment' }; } };
  const o = await pay.waitForOrder(api, 'ord_1', { attempts: 6, firstDelayMs: 100, maxDelayMs: 500, factor: 2, sleep: async (ms) => { delays.push(ms); } });
  assert.equal(o.state, 'awaiting_payment');
  assert.equal(gets, 6);
  assert.deepEqual(delays, [100, 200, 400, 500, 500, 500]);
  assert.equal(pay.outcome(o), 'pending');
});

test('pay.payBills reports a cancelled payment without throwing', async () => {
  const order = { id: 'ord_1', state: 'awaiting_payment', pay: { timeStamp: '1', nonceStr: 'n', package: 'prepay_id=p', signType: 'RSA', paySign: 's', appId: 'wx1', prepay_id: 'p' } };
  const posted = [];
  const api = {
    post: async (path, body, opts) => { posted.push({ path, body, opts }); return order; },
    get: async () => order,
  };
  let params;
  const wx = { requestPayment(o) { params = o; setImmediate(() => o.fail({ errMsg: 'requestPayment:fail cancel' })); } };
  const r = await pay.payBills({ api, wx }, { billIds: ['b1'], idempotencyKey: 'key-1' });
  assert.equal(r.status, 'cancelled');
  assert.equal(r.message, '您已取消支付，账单仍待缴费');
  assert.equal(r.errMsg, 'requestPayment:fail cancel');
  assert.equal(posted[0].path, '/orders');
  assert.deepEqual(posted[0].body, { bill_ids: ['b1'], channel: 'wechatpay', wechat_app: 'miniprogram' });
  assert.equal(posted[0].opts.header['Idempotency-Key'], 'key-1');
  assert.deepEqual(Object.keys(params).filter((k) => typeof params[k] === 'string').sort(), ['nonceStr', 'package', 'paySign', 'signType', 'timeStamp']);

  const wx2 = { requestPayment(o) { setImmediate(() => o.fail({ errMsg: 'requestPayment:fail insufficient balance' })); } };
  const r2 = await pay.payBills({ api, wx: wx2 }, { billIds: ['b1'] });
  assert.equal(r2.status, 'pay_failed');
  assert.match(r2.idempotencyKey, /^mp-[0-9a-z]+-[0-9a-z]{16}$/);
});

test('care mode persists through storage', () => {
  const store = new Map();
  const wx = { setStorageSync: (k, v) => store.set(k, v), getStorageSync: (k) => (store.has(k) ? store.get(k) : '') };
  assert.equal(care.load(wx), false);
  care.save(wx, true);
  assert.equal(care.load(wx), true);
  assert.equal(care.pageClass(true), 'care');
  assert.equal(care.pageClass(false), '');
});

test('auth checks input before calling the API', async () => {
  const api = { post: async () => { throw new Error('must not be called'); } };
  await assert.rejects(auth.sendSmsCode({ api }, '12345'), { code: 'phone_invalid', field: 'phone', message: '请输入正确的11位手机号' });
  await assert.rejects(auth.signInWithSms({ api }, { phone: '13800000001', code: '' }), { code: 'sms_code_invalid', field: 'code' });
});

test('subscribe asks for at most 3 templates and reports the choice', async () => {
  const cfg = { appid: 'wx1', subscribe_templates: { payment_result: 'T1', reminder: 'T2', hold: 'T3', refund: 'T4' } };
  assert.deepEqual(subscribe.templateIds(cfg), ['T1', 'T3', 'T4']);
  const posted = [];
  const api = { post: async (path, body) => { posted.push({ path, body }); return {}; } };
  const wx = { requestSubscribeMessage(o) { setImmediate(() => o.success({ errMsg: 'requestSubscribeMessage:ok', T1: 'accept', T3: 'reject', T4: 'accept' })); } };
  const r = await subscribe.requestSubscriptions({ api, wx, config: cfg });
  assert.deepEqual(r.results, { T1: 'accept', T3: 'reject', T4: 'accept' });
  assert.deepEqual(posted, [{ path: '/me/subscriptions', body: { results: { T1: 'accept', T3: 'reject', T4: 'accept' } } }]);
  const off = { requestSubscribeMessage(o) { setImmediate(() => o.fail({ errMsg: 'requestSubscribeMessage:fail switched off', errCode: 20004 })); } };
  const r2 = await subscribe.requestSubscriptions({ api, wx: off, config: cfg });
  assert.equal(r2.reported, false);
  assert.equal(posted.length, 1);
});
