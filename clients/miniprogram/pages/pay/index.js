const bills = require('../../lib/bills.js');
const money = require('../../lib/money.js');
const pay = require('../../lib/pay.js');
const subscribe = require('../../lib/subscribe.js');
const format = require('../../lib/format.js');

const app = getApp();

Page({
  data: {
    careClass: '',
    loading: true,
    error: '',
    rows: [],
    total: '',
    paying: false,
    result: null, // {status, message, orderState, amount, vouchers}
  },

  onLoad() {
    this.billIds = (app.globalData.payBillIds || []).slice();
    this.load();
    // Fetched now so that the tap opens the subscription dialog at once.
    if (!app.globalData.wechatConfig) {
      subscribe.getWechatConfig(app.api()).then((c) => { app.globalData.wechatConfig = c; }).catch(() => {});
    }
  },

  onShow() {
    this.setData({ careClass: app.careClass() });
  },

  async load() {
    this.setData({ loading: true, error: '' });
    try {
      const out = await app.api().get('/me/bills');
      const rows = bills.view(out.bills).filter((r) => this.billIds.indexOf(r.id) >= 0);
      this.billIds = rows.map((r) => r.id);
      this.setData({ rows, total: money.yuan(bills.totalFen(rows)) });
    } catch (err) {
      this.setData({ error: err.message });
    } finally {
      this.setData({ loading: false });
    }
  },

  // onPay: the tap asks for notification consent first (WeChat allows the
  // dialog only from a tap), then pays.
  async onPay() {
    if (this.data.paying || this.billIds.length === 0) return;
    this.setData({ paying: true, result: null });
    const api = app.api();
    const config = app.globalData.wechatConfig;
    if (config) {
      try {
        await subscribe.requestSubscriptions({ api, wx, config });
      } catch (ignored) {
        // notifications are optional; paying is not
      }
    }
    try {
      const r = await pay.payBills({ api, wx }, { billIds: this.billIds });
      this.setData({
        result: {
          status: r.status,
          ok: r.status === 'credited' || r.status === 'processing' || r.status === 'held',
          message: r.message,
          orderState: format.orderState(r.order && r.order.state),
          amount: r.order ? money.yuan(r.order.amount_fen) : '',
          vouchers: (r.vouchers || []).map((v) => ({ id: v.id, title: format.voucherKind(v), code: v.code })),
        },
      });
      if (r.status === 'cancelled') wx.showToast({ title: '已取消支付', icon: 'none' });
    } catch (err) {
      app.showError(err);
    } finally {
      this.setData({ paying: false });
    }
  },

  goVouchers() { wx.redirectTo({ url: '/pages/vouchers/index' }); },
  goHome() { wx.reLaunch({ url: '/pages/home/index' }); },
});
