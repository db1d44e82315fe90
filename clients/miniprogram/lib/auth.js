'use strict';
// Signing in from the mini-program.
//
// 1. wx.login gives a one-time code; POST /auth/sessions
//    {"method":"wechat_miniprogram","code"} signs in a WeChat user already
//    bound to an insured person (201 {token, person}).
// 2. A WeChat user not yet bound gets 403 wechat_not_bound with a
//    bind_ticket. Real-name authentication by SMS then binds it: send a code
//    (POST /auth/sms-codes) and sign in with {"method":"sms", phone, code,
//    bind_ticket}. From then on step 1 alone signs this WeChat user in.

const TOKEN_KEY = 'shebao_token';
const PHONE_RE = /^1[3-9][0-9]{9}$/;
const SMS_CODE_RE = /^[0-9]{4,8}$/;

function inputError(code, field, message) {
  const err = new Error(message);
  err.name = 'ApiError';
  err.code = code;
  err.field = field;
  err.status = 0;
  return err;
}

// wxLogin resolves with a wx.login code.
function wxLogin(wx) {
  return new Promise(function (resolve, reject) {
    wx.login({
      success: function (res) {
        if (res && res.code) resolve(res.code);
        else reject(wxLoginError(res));
      },
      fail: function (res) { reject(wxLoginError(res)); },
    });
  });
}

function wxLoginError(res) {
  const err = new Error('微信登录失败，请稍后重试');
  err.name = 'ApiError';
  err.code = 'wx_login_failed';
  err.status = 0;
  err.errMsg = (res && res.errMsg) || '';
  return err;
}

// signInWithWechat resolves with
//   {status: 'signed_in', token, person}   this WeChat user is bound, or
//   {status: 'need_bind', bindTicket, message}   SMS real-name check needed.
// Any other problem rejects (an ApiError with a Chinese message).
async function signInWithWechat(deps) {
  const code = await wxLogin(deps.wx);
  try {
    const s = await deps.api.post('/auth/sessions', { method: 'wechat_miniprogram', code: code }, { auth: false });
    return { status: 'signed_in', token: s.token, person: s.person, expiresIn: s.expires_in_seconds || 0 };
  } catch (err) {
    if (err && err.code === 'wechat_not_bound') {
      const ticket = err.data && err.data.bind_ticket;
      if (!ticket) throw err;
      return { status: 'need_bind', bindTicket: ticket, message: err.message };
    }
    throw err;
  }
}

function checkPhone(phone) {
  const p = String(phone || '').replace(/\s+/g, '');
  if (!PHONE_RE.test(p)) throw inputError('phone_invalid', 'phone', '请输入正确的11位手机号');
  return p;
}

// sendSmsCode asks shebao to text a sign-in code to phone.
async function sendSmsCode(deps, phone) {
  const p = checkPhone(phone);
  return deps.api.post('/auth/sms-codes', { phone: p }, { auth: false });
}

// signInWithSms signs in with the texted code; with bindTicket (from
// signInWithWechat) it also binds the WeChat user to this person.
async function signInWithSms(deps, input) {
  const phone = checkPhone(input.phone);
  const code = String(input.code || '').trim();
  if (!SMS_CODE_RE.test(code)) throw inputError('sms_code_invalid', 'code', '请输入短信验证码');
  const body = { method: 'sms', phone: phone, code: code };
  if (input.bindTicket) body.bind_ticket = input.bindTicket;
  const s = await deps.api.post('/auth/sessions', body, { auth: false });
  return { status: 'signed_in', token: s.token, person: s.person, expiresIn: s.expires_in_seconds || 0 };
}

// signOut ends the session at shebao (best effort) and forgets the token.
async function signOut(deps) {
  try {
    await deps.api.del('/auth/sessions/current');
  } catch (ignored) {
    // an expired session is signed out already
  }
  clearToken(deps.wx);
}

function saveToken(wx, token) { wx.setStorageSync(TOKEN_KEY, token || ''); }
function loadToken(wx) { const t = wx.getStorageSync(TOKEN_KEY); return typeof t === 'string' ? t : ''; }
function clearToken(wx) { wx.setStorageSync(TOKEN_KEY, ''); }

module.exports = {
  TOKEN_KEY, wxLogin, signInWithWechat, sendSmsCode, signInWithSms, signOut,
  saveToken, loadToken, clearToken, checkPhone,
};
