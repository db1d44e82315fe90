'use strict';
// Paying bills: create the order (POST /orders), open WeChat's payment sheet
// (wx.requestPayment), then ask shebao how it went (GET /orders/{id}) until
// the payment is credited or has clearly not happened. wx.requestPayment's
// answer only says what the person did in the sheet; the order's state at
// shebao, set by WeChat Pay's notification, is what counts.

const CREDITED = 'credited';
// Money arrived; posting to the social insurance agency is under way.
const IN_PROGRESS = ['paid', 'posting'];
// Polling stops at these: the payment's outcome is known.
const FINAL = ['credited', 'held', 'closed', 'failed', 'refunding', 'refunded'];

const MESSAGES = {
  credited: '缴费成功，已记入您的社保账户',
  processing: '支付成功，正在记账，稍后可在票夹查看凭证',
  held: '款项已收到，正在人工核对，处理结果将通知您',
  cancelled: '您已取消支付，账单仍待缴费',
  pay_failed: '支付未成功，请检查零钱或银行卡余额后重试',
  closed: '订单已关闭，请重新发起缴费',
  refunded: '该笔缴费已退款',
  pending: '暂未查到支付结果，请稍后在缴费记录中查看，请勿重复支付',
};

const DEFAULT_POLL = { attempts: 15, firstDelayMs: 300, maxDelayMs: 3000, factor: 2 };

function defaultSleep(ms) {
  return new Promise(function (resolve) { setTimeout(resolve, ms); });
}

// newIdempotencyKey names one attempt to pay, so a repeated tap or a retried
// request returns the same order instead of a second one.
function newIdempotencyKey(random, now) {
  const r = random || Math.random;
  const t = (now || Date.now)();
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  let s = '';
  for (let i = 0; i < 16; i++) s += alphabet.charAt(Math.floor(r() * alphabet.length) % alphabet.length);
  return 'mp-' + t.toString(36) + '-' + s;
}

function createOrder(api, billIds, idempotencyKey, extra) {
  // wechat_app: the payment is made in the mini-program (its own app id and
  // openid), whichever way this session was opened.
  const body = { bill_ids: billIds, channel: 'wechatpay', wechat_app: 'miniprogram' };
  if (extra && extra.grantId) body.grant_id = extra.grantId;
  return api.post('/orders', body, { header: { 'Idempotency-Key': idempotencyKey } });
}

function getOrder(api, id) {
  return api.get('/orders/' + encodeURIComponent(id));
}

// requestPayment opens the payment sheet. It never rejects; it resolves
//   {ok: true, errMsg}                 the person paid (per WeChat), or
//   {ok: false, cancelled: true, …}    the person closed the sheet, or
//   {ok: false, cancelled: false, …}   WeChat refused (balance, bad params).
// appId and prepay_id are not wx.requestPayment parameters: WeChat knows
// the mini-program's appid and the prepay id is inside package.
function requestPayment(wx, pay) {
  return new Promise(function (resolve) {
    wx.requestPayment({
      timeStamp: pay.timeStamp,
      nonceStr: pay.nonceStr,
      package: pay.package,
      signType: pay.signType,
      paySign: pay.paySign,
      success: function (res) {
        resolve({ ok: true, cancelled: false, errMsg: (res && res.errMsg) || 'requestPayment:ok' });
      },
      fail: function (res) {
        const errMsg = (res && res.errMsg) || 'requestPayment:fail';
        resolve({ ok: false, cancelled: /cancel/i.test(errMsg), errMsg: errMsg });
      },
    });
  });
}

// waitForOrder polls the order with growing pauses until its state is final,
// at most opts.attempts times. Resolves with the last order seen.
async function waitForOrder(api, id, opts) {
  const o = Object.assign({}, DEFAULT_POLL, opts);
  const sleep = o.sleep || defaultSleep;
  let delay = o.firstDelayMs;
  let order = null;
  for (let i = 0; i < o.attempts; i++) {
    if (i > 0 || o.sleepFirst !== false) await sleep(delay);
    try {
      order = await getOrder(api, id);
    } catch (err) {
      // A lost answer is no reason to give up; anything else is.
      if (!err || (err.code !== 'network_error' && err.code !== 'timeout' && err.status !== 503)) throw err;
    }
    if (order && FINAL.indexOf(order.state) >= 0) return order;
    delay = Math.min(Math.floor(delay * o.factor), o.maxDelayMs);
  }
  return order;
}

// outcome names what an order's state means for the person.
function outcome(order) {
  const s = order && order.state;
  if (s === CREDITED) return 'credited';
  if (s === 'held') return 'held';
  if (IN_PROGRESS.indexOf(s) >= 0) return 'processing';
  if (s === 'closed' || s === 'failed') return 'closed';
  if (s === 'refunding' || s === 'refunded') return 'refunded';
  return 'pending';
}

function result(status, order, extra) {
  return Object.assign({ status: status, message: MESSAGES[status], order: order, vouchers: [] }, extra);
}

// payBills pays billIds with WeChat Pay. It resolves with
//   {status, message, order, vouchers, errMsg}
// where status is one of credited | processing | held | cancelled |
// pay_failed | closed | refunded | pending and message is the Chinese text
// to show. It rejects only when the order cannot be created or read (an
// ApiError: e.g. bills that must be paid together, a channel limit).
async function payBills(deps, input) {
  const api = deps.api;
  const wx = deps.wx;
  const key = input.idempotencyKey || newIdempotencyKey(deps.random, deps.now);
  const order = await createOrder(api, input.billIds, key, input);
  if (order.state !== 'awaiting_payment' || !order.pay) {
    // The same key answered an order already past payment: report it.
    return finish(deps, order, input, { idempotencyKey: key });
  }
  const paid = await requestPayment(wx, order.pay);
  if (!paid.ok) {
    // The sheet says no payment; check once, as WeChat's answer is not the
    // last word (the person may have paid before the sheet broke).
    const now = await getOrder(api, order.id).catch(function () { return order; });
    if (FINAL.indexOf(now.state) >= 0 || IN_PROGRESS.indexOf(now.state) >= 0) {
      return finish(deps, now, input, { errMsg: paid.errMsg, idempotencyKey: key });
    }
    return result(paid.cancelled ? 'cancelled' : 'pay_failed', now, { errMsg: paid.errMsg, idempotencyKey: key });
  }
  const last = await waitForOrder(api, order.id, input.poll);
  return finish(deps, last || order, input, { errMsg: paid.errMsg, idempotencyKey: key });
}

async function finish(deps, order, input, extra) {
  const status = outcome(order);
  const r = result(status, order, extra);
  if (status === 'credited' && input.vouchers !== false) {
    try {
      const v = await deps.api.get('/orders/' + encodeURIComponent(order.id) + '/vouchers');
      r.vouchers = (v && v.vouchers) || [];
    } catch (err) {
      r.voucherError = err; // paid all the same; the wallet shows them later
    }
  }
  return r;
}

module.exports = {
  CREDITED, FINAL, IN_PROGRESS, MESSAGES,
  newIdempotencyKey, createOrder, getOrder, requestPayment, waitForOrder, outcome, payBills,
};
