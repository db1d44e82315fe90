'use strict';
// Subscription messages (订阅消息): WeChat only delivers a one-time
// subscription message the person agreed to, in a dialog the mini-program
// opens with wx.requestSubscribeMessage from a tap. shebao publishes its
// template ids at GET /wechat/config and must be told the choice
// (POST /me/subscriptions) so it knows what it may send.

// Asked for when the person taps 支付; at most 3 ids per dialog.
const PAYMENT_KINDS = ['payment_result', 'hold', 'refund'];
const MAX_PER_DIALOG = 3;

function getWechatConfig(api) {
  return api.get('/wechat/config', { auth: false });
}

function templateIds(config, kinds) {
  const t = (config && config.subscribe_templates) || {};
  const ids = [];
  (kinds || PAYMENT_KINDS).forEach(function (k) {
    if (typeof t[k] === 'string' && t[k] && ids.indexOf(t[k]) < 0) ids.push(t[k]);
  });
  return ids.slice(0, MAX_PER_DIALOG);
}

// showDialog resolves with {results: {tmplId: 'accept'|'reject'|'ban'|'filter'}}
// or {results: {}, errMsg} when the dialog failed (switched off, closed):
// subscriptions are optional, so this never rejects.
function showDialog(wx, tmplIds) {
  return new Promise(function (resolve) {
    wx.requestSubscribeMessage({
      tmplIds: tmplIds,
      success: function (res) {
        const results = {};
        tmplIds.forEach(function (id) {
          if (res && typeof res[id] === 'string') results[id] = res[id];
        });
        resolve({ results: results, errMsg: (res && res.errMsg) || '' });
      },
      fail: function (res) {
        resolve({ results: {}, errMsg: (res && res.errMsg) || 'requestSubscribeMessage:fail', errCode: res && res.errCode });
      },
    });
  });
}

// requestSubscriptions opens the dialog for kinds and reports the choice to
// shebao. Resolves {results, reported, config, errMsg}. Call it from a tap.
// deps.config may carry the /wechat/config answer fetched earlier: fetching
// it now, between the tap and the dialog, risks WeChat refusing the dialog.
async function requestSubscriptions(deps, kinds) {
  const config = deps.config || (await getWechatConfig(deps.api));
  const ids = templateIds(config, kinds);
  if (ids.length === 0) return { results: {}, reported: false, config: config, errMsg: 'no templates' };
  const d = await showDialog(deps.wx, ids);
  if (Object.keys(d.results).length === 0) return { results: {}, reported: false, config: config, errMsg: d.errMsg };
  await deps.api.post('/me/subscriptions', { results: d.results });
  return { results: d.results, reported: true, config: config, errMsg: d.errMsg };
}

module.exports = { PAYMENT_KINDS, getWechatConfig, templateIds, requestSubscriptions };
