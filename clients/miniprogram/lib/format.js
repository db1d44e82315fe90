'use strict';
// Display text for the API's codes and timestamps (Beijing time, as shown on
// Chinese receipts, whatever the phone's time zone).

const INSURANCE_NAMES = {
  '110': '企业职工基本养老保险',
  '120': '机关事业单位养老保险',
  '170': '城乡居民基本养老保险',
  '210': '失业保险',
  '310': '职工基本医疗保险',
  '390': '城乡居民基本医疗保险',
  '410': '工伤保险',
  '510': '生育保险',
};

const ORDER_STATES = {
  created: '待支付',
  awaiting_payment: '待支付',
  paid: '已支付，记账中',
  posting: '已支付，记账中',
  credited: '缴费成功',
  closed: '已关闭',
  failed: '未成功',
  held: '人工核对中',
  refunding: '退款中',
  refunded: '已退款',
};

const VOUCHER_KINDS = {
  fiscal_receipt: '财政电子票据',
  acceptance_receipt: '社保缴费受理回执',
  transaction_statement: '交易流水凭证',
};

function insuranceName(bill) {
  return (bill && bill.insurance_name) || INSURANCE_NAMES[bill && bill.insurance] || '社会保险（' + (bill && bill.insurance) + '）';
}

// period "2025-03" → "2025年03月"; "2025" → "2025年度".
function periodText(period) {
  const m = /^([0-9]{4})-?([0-9]{2})$/.exec(period || '');
  if (m) return m[1] + '年' + m[2] + '月';
  if (/^[0-9]{4}$/.test(period || '')) return period + '年度';
  return period || '';
}

function two(n) { return n < 10 ? '0' + n : String(n); }

// dateTime("2025-03-01T02:04:05Z") → "2025-03-01 10:04".
function dateTime(iso) {
  const ms = Date.parse(iso || '');
  if (isNaN(ms)) return '';
  const d = new Date(ms + 8 * 3600 * 1000);
  return d.getUTCFullYear() + '-' + two(d.getUTCMonth() + 1) + '-' + two(d.getUTCDate()) + ' ' +
    two(d.getUTCHours()) + ':' + two(d.getUTCMinutes());
}

function orderState(state) { return ORDER_STATES[state] || state || ''; }
function voucherKind(v) { return (v && v.title) || VOUCHER_KINDS[v && v.kind] || (v && v.kind) || ''; }

module.exports = { INSURANCE_NAMES, ORDER_STATES, VOUCHER_KINDS, insuranceName, periodText, dateTime, orderState, voucherKind };
