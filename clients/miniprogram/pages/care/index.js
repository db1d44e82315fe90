const app = getApp();

Page({
  data: {
    careClass: '',
    careMode: false,
  },

  onShow() {
    this.setData({ careMode: app.globalData.careMode, careClass: app.careClass() });
  },

  onSwitch(e) {
    app.setCareMode(e.detail.value);
    this.setData({ careMode: app.globalData.careMode, careClass: app.careClass() });
    wx.showToast({ title: app.globalData.careMode ? '已开启长辈模式' : '已关闭长辈模式', icon: 'none' });
  },
});
