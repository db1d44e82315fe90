const bills = require('../../lib/bills.js');
const money = require('../../lib/money.js');
const subscribe = require('../../lib/subscribe.js');

const app = getApp();

Page({
  data: {
    careClass: '',
    loading: true,
    error: '',
    rows: [],
    total: '¥0.00',
    count: 0,
  },

  onShow() {
    this.setData({ careClass: app.careClass() });
    if (!app.globalData.token) {
      wx.redirectTo({ url: '/pages/login/index' });
      return;
    }
    this.load();
  },

  onPullDownRefresh() {
    const done = () => wx.stopPullDownRefresh();
    this.load().then(done, done);
  },

  async load() {
    this.setData({ loading: true, error: '' });
    try {
      const out = await app.api().get('/me/bills');
      this.show(bills.view(out.bills));
    } catch (err) {
      this.setData({ error: err.message });
    } finally {
      this.setData({ loading: false });
    }
  },

  show(rows) {
    const sel = bills.selectedIds(rows);
    this.setData({ rows, count: sel.length, total: money.yuan(bills.totalFen(rows)) });
  },

  onSelect(e) {
    const ids = e.detail.value;
    this.show(this.data.rows.map((r) => Object.assign({}, r, { checked: ids.indexOf(r.id) >= 0 })));
  },

  // remindMe asks, from the tap as WeChat requires, for one reminder
  // before the next deadline (a one-off consent allows one message).
  async remindMe() {
    const r = await subscribe.requestSubscriptions({ api: app.api(), wx, config: app.globalData.wechatConfig }, ['reminder']);
    wx.showToast({ title: r.reported ? '已开启缴费提醒' : '未开启提醒', icon: 'none' });
  },

  goPay() {
    const ids = bills.selectedIds(this.data.rows);
    if (ids.length === 0) {
      wx.showToast({ title: '请选择要缴的账单', icon: 'none' });
      return;
    }
    app.globalData.payBillIds = ids;
    wx.navigateTo({ url: '/pages/pay/index' });
  },
});
