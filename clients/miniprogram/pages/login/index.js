const auth = require('../../lib/auth.js');

const app = getApp();
const RESEND_SECONDS = 60;

Page({
  data: {
    careClass: '',
    checking: true, // trying WeChat sign-in
    bindTicket: '',
    notice: '',
    phone: '',
    code: '',
    countdown: 0,
    sending: false,
    submitting: false,
  },

  onLoad() {
    this.setData({ careClass: app.careClass() });
    this.tryWechat();
  },

  onShow() {
    this.setData({ careClass: app.careClass() });
  },

  onUnload() {
    if (this.timer) clearInterval(this.timer);
  },

  // tryWechat signs a bound WeChat user straight in; a new one is asked to
  // verify their phone once (实名绑定).
  async tryWechat() {
    this.setData({ checking: true, notice: '' });
    try {
      const r = await auth.signInWithWechat({ api: app.api(), wx });
      if (r.status === 'signed_in') {
        this.done(r);
        return;
      }
      app.globalData.bindTicket = r.bindTicket;
      this.setData({ bindTicket: r.bindTicket, notice: r.message || '首次使用，请验证本人手机号完成实名绑定' });
    } catch (err) {
      this.setData({ notice: err.message + '，您也可以用手机验证码登录' });
    } finally {
      this.setData({ checking: false });
    }
  },

  onPhone(e) { this.setData({ phone: e.detail.value }); },
  onCode(e) { this.setData({ code: e.detail.value }); },

  async sendCode() {
    if (this.data.countdown > 0 || this.data.sending) return;
    this.setData({ sending: true });
    try {
      await auth.sendSmsCode({ api: app.api() }, this.data.phone);
      wx.showToast({ title: '验证码已发送', icon: 'success' });
      this.startCountdown();
    } catch (err) {
      app.showError(err);
    } finally {
      this.setData({ sending: false });
    }
  },

  startCountdown() {
    this.setData({ countdown: RESEND_SECONDS });
    if (this.timer) clearInterval(this.timer);
    this.timer = setInterval(() => {
      const n = this.data.countdown - 1;
      this.setData({ countdown: n > 0 ? n : 0 });
      if (n <= 0) { clearInterval(this.timer); this.timer = null; }
    }, 1000);
  },

  async submit() {
    if (this.data.submitting) return;
    this.setData({ submitting: true });
    try {
      const r = await auth.signInWithSms({ api: app.api() }, {
        phone: this.data.phone, code: this.data.code, bindTicket: this.data.bindTicket,
      });
      this.done(r);
    } catch (err) {
      app.showError(err);
    } finally {
      this.setData({ submitting: false });
    }
  },

  done(session) {
    app.signedIn(session);
    wx.showToast({ title: '登录成功', icon: 'success' });
    wx.reLaunch({ url: '/pages/home/index' });
  },
});
