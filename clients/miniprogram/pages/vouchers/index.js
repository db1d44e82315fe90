const format = require('../../lib/format.js');

const app = getApp();

Page({
  data: {
    careClass: '',
    loading: true,
    error: '',
    vouchers: [],
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
      const out = await app.api().get('/me/vouchers');
      this.setData({
        vouchers: (out.vouchers || []).map((v) => ({
          id: v.id,
          title: format.voucherKind(v),
          code: v.code,
          issuedAt: format.dateTime(v.issued_at),
          verifyCode: v.verify_code,
          verifyUrl: v.verify_url,
        })),
      });
    } catch (err) {
      this.setData({ error: err.message });
    } finally {
      this.setData({ loading: false });
    }
  },

  // copy puts the verification link on the clipboard: anyone can check the
  // voucher at the agency's verification page.
  copy(e) {
    const v = this.data.vouchers[e.currentTarget.dataset.index];
    if (!v) return;
    wx.setClipboardData({ data: v.verifyUrl || v.code });
  },
});
