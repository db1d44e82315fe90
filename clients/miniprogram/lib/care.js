'use strict';
// 长辈模式 (care mode): larger text and touch targets. The choice is kept in
// local storage so it survives restarts. Pages put pageClass(on) on their
// root view; app.wxss scales everything in em from there.

const STORAGE_KEY = 'shebao_care_mode';
const CARE_CLASS = 'care';

function load(wx) {
  return wx.getStorageSync(STORAGE_KEY) === true;
}

function save(wx, on) {
  wx.setStorageSync(STORAGE_KEY, !!on);
  return !!on;
}

function pageClass(on) {
  return on ? CARE_CLASS : '';
}

module.exports = { STORAGE_KEY, CARE_CLASS, load, save, pageClass };
