// shebao reference mini-program. Everything it does goes through shebao's
// public JSON API; the logic lives in lib/ (plain CommonJS, tested in Node),
// and the pages only call it and setData.
const { createApi } = require('./lib/api.js');
const auth = require('./lib/auth.js');
const care = require('./lib/care.js');

App({
  globalData: {
    // Your deployment's https origin. It must be listed under 开发管理 →
    // 开发设置 → 服务器域名 → request合法域名 in the mini-program's console.
    apiBase: 'https://shebao.example.gov.cn',
    token: '',
    careMode: false, // 长辈模式, kept with wx.setStorageSync
    person: null,
    bindTicket: '', // from a WeChat sign-in that needs SMS real-name binding
    payBillIds: [], // bills page → pay page
    wechatConfig: null, // GET /api/v1/wechat/config, fetched before any tap
  },

  onLaunch() {
    this.globalData.token = auth.loadToken(wx);
    this.globalData.careMode = care.load(wx);
  },

  // api is the one API client, sending the current token.
  api() {
    if (!this._api) {
      this._api = createApi({
        wx,
        config: {
          apiBase: () => this.globalData.apiBase,
          getToken: () => this.globalData.token,
          onUnauthorized: () => this.signedOut(),
        },
      });
    }
    return this._api;
  },

  signedIn(session) {
    this.globalData.token = session.token;
    this.globalData.person = session.person || null;
    this.globalData.bindTicket = '';
    auth.saveToken(wx, session.token);
  },

  // signedOut forgets an expired or ended session and goes to sign-in.
  signedOut() {
    const had = !!this.globalData.token;
    this.globalData.token = '';
    this.globalData.person = null;
    auth.clearToken(wx);
    if (had) wx.reLaunch({ url: '/pages/login/index' });
  },

  setCareMode(on) {
    this.globalData.careMode = care.save(wx, on);
    return this.globalData.careMode;
  },

  careClass() {
    return care.pageClass(this.globalData.careMode);
  },

  // showError shows an API error's Chinese message.
  showError(err) {
    const msg = (err && err.message) || '操作失败，请稍后再试';
    if (msg.length <= 7) wx.showToast({ title: msg, icon: 'none' });
    else wx.showModal({ title: '提示', content: msg, showCancel: false, confirmText: '知道了' });
  },
});
