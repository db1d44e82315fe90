// Package wxplatform is a local stand-in for the WeChat platform ("the
// sandbox"): what api.weixin.qq.com and open.weixin.qq.com serve to an
// official account (公众号) and a mini-program (小程序), as opposed to WeChat
// Pay, which package wechatpay imitates. It lets demo mode and tests log a
// person in with WeChat and send them subscription messages through the real
// protocol (paths, parameters, JSON shapes and errcodes) rather than a mock.
//
// What it serves, under Config.MountPrefix (see routes.go for the table):
//
//   - web authorization for official-account pages: /connect/oauth2/authorize
//     and /sns/oauth2/access_token;
//   - mini-program login: /sns/jscode2session, fed by codes that
//     /control/js-codes hands out as wx.login would;
//   - access tokens: /cgi-bin/token and /cgi-bin/stable_token;
//   - one-off subscription messages: /cgi-bin/message/subscribe/send, with the
//     user's consent recorded through /control/subscriptions (what tapping
//     允许 in wx.requestSubscribeMessage does) or the /subscribe page;
//   - a control plane WeChat does not have: the messages each user received.
//
// WeChat knows who is holding the phone; the sandbox does not. Its pages ask
// the tester which WeChat user they are and remember the answer in a cookie,
// so that a later silent (snsapi_base) authorization needs no page at all, as
// in WeChat.
//
// Protocol facts come from WeChat's documents, cited next to the code. Where
// the documents are silent (the order in which errors are checked, whether an
// unknown data key is refused) the sandbox chooses the stricter behaviour and
// says so.
//
// Limits, on purpose: all state lives in memory behind one mutex and is lost
// when the process stops; only the app credentials persist (LoadOrCreateApp).
// Codes, tokens, users and messages are bounded so that a long demo cannot
// exhaust memory. Templates are shared by every configured app. There is no
// /sns/userinfo, no refresh_token exchange and no event push.
package wxplatform
