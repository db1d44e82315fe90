const money = require('../../lib/money.js');
const bills = require('../../lib/bills.js');
const auth = require('../../lib/auth.js');
const subscribe = require('../../lib/subscribe.js');

const app = getApp();

Page({
  data: {
    careClass: '',
    signedIn: false,
    loading: false,
    name: '',
    regionName: '',
    dueCount: 0,
    dueTotal: '',
    error: '',
  },

  onShow() {
    this.setData({ careClass: app.careClass(), signedIn: !!app.globalData.token });
    if (app.globalData.token) this.load();
    if (!app.globalData.wechatConfig) {
      subscribe.getWechatConfig(app.api()).then((c) => { app.globalData.wechatConfig = c; }).catch(() => {});
    }
  },

  onPullDownRefresh() {
    const done = () => wx.stopPullDownRefresh();
    if (app.globalData.token) this.load().then(done, done);
    else done();
  },

  async load() {
    this.setData({ loading: true, error: '' });
    try {
      const api = app.api();
      const [me, out] = await Promise.all([api.get('/me'), api.get('/me/bills')]);
      app.globalData.person = me;
      const due = bills.dueBills(out.bills);
      this.setData({
        name: me.name,
        regionName: me.region_name || me.region,
        dueCount: due.length,
        dueTotal: money.yuan(out.total_due_fen),
      });
    } catch (err) {
      this.setData({ error: err.message });
    } finally {
      this.setData({ loading: false, signedIn: !!app.globalData.token });
    }
  },

  goLogin() { wx.navigateTo({ url: '/pages/login/index' }); },
  goBills() { wx.navigateTo({ url: '/pages/bills/index' }); },
  goVouchers() { wx.navigateTo({ url: '/pages/vouchers/index' }); },
  goCare() { wx.navigateTo({ url: '/pages/care/index' }); },

  signOut() {
    wx.showModal({
      title: '退出登录',
      content: '确定退出登录吗？',
      success: async (res) => {
        if (!res.confirm) return;
        await auth.signOut({ api: app.api(), wx });
        app.globalData.token = '';
        app.globalData.person = null;
        this.setData({ signedIn: false, name: '', dueCount: 0, dueTotal: '' });
      },
    });
  },
});
