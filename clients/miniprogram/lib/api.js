'use strict';
// A small client for shebao's public JSON API (/api/v1) over wx.request.
//
//   const api = createApi({ wx, config: { apiBase, getToken, onUnauthorized } });
//   const bills = await api.get('/me/bills');
//
// Every call returns a Promise. A 2xx answer resolves with the parsed body.
// Anything else rejects with an Error whose .message is Chinese text fit to
// show the person, and whose .code is the API's error code (see apiError).

const DEFAULT_TIMEOUT_MS = 15000;

// Shown when the answer is not the API's error shape (a proxy's 502, …).
const STATUS_MESSAGES = {
  400: '请求有误，请检查后重试',
  401: '登录已失效，请重新登录',
  403: '没有权限进行此操作',
  404: '未找到相关信息',
  409: '操作冲突，请刷新后重试',
  422: '超出支付限额',
  429: '操作太频繁，请稍后再试',
  503: '服务暂时不可用，请稍后再试',
};
const FALLBACK_MESSAGE = '服务暂时不可用，请稍后再试';
const NETWORK_MESSAGE = '网络不给力，请检查网络后重试';
const TIMEOUT_MESSAGE = '请求超时，请稍后重试';

// apiError builds the Error the pages show. The API's error body is
// {"error":{"code","message","message_en","field","allowed"}} plus, on some
// answers, more top-level fields (e.g. bind_ticket): those stay in .data.
function apiError(status, data, header) {
  const body = data && typeof data === 'object' ? data : null;
  const e = body && body.error && typeof body.error === 'object' ? body.error : null;
  const code = e && typeof e.code === 'string' && e.code ? e.code : 'http_' + status;
  let message = e && typeof e.message === 'string' && e.message ? e.message : '';
  if (!message) message = STATUS_MESSAGES[status] || FALLBACK_MESSAGE;
  const err = new Error(message);
  err.name = 'ApiError';
  err.code = code;
  err.status = status;
  err.messageEn = (e && e.message_en) || '';
  err.field = (e && e.field) || '';
  err.allowed = e ? e.allowed : undefined;
  err.data = data;
  const retry = header && (header['Retry-After'] || header['retry-after']);
  if (retry) err.retryAfter = Number(retry) || 0;
  return err;
}

// networkError is a wx.request failure: no answer at all.
function networkError(errMsg) {
  const timeout = /timeout/i.test(errMsg || '');
  const err = new Error(timeout ? TIMEOUT_MESSAGE : NETWORK_MESSAGE);
  err.name = 'ApiError';
  err.code = timeout ? 'timeout' : 'network_error';
  err.status = 0;
  err.errMsg = errMsg || '';
  return err;
}

function isApiError(err) {
  return !!err && err.name === 'ApiError' && typeof err.code === 'string';
}

function trimSlash(s) {
  return String(s || '').replace(/\/+$/, '');
}

function createApi(deps) {
  const wx = deps.wx;
  const config = deps.config || {};
  if (!wx || typeof wx.request !== 'function') throw new TypeError('createApi: a wx object with request() is required');

  function base() {
    const b = typeof config.apiBase === 'function' ? config.apiBase() : config.apiBase;
    if (!b) throw new Error('createApi: config.apiBase is not set');
    return trimSlash(b) + '/api/v1';
  }

  function token() {
    return typeof config.getToken === 'function' ? config.getToken() || '' : config.token || '';
  }

  // request(method, path, options): options.data is the JSON body,
  // options.header extra headers, options.auth false to send no token.
  function request(method, path, options) {
    const opts = options || {};
    return new Promise(function (resolve, reject) {
      const header = { Accept: 'application/json' };
      if (opts.data !== undefined) header['content-type'] = 'application/json';
      const extra = opts.header || {};
      Object.keys(extra).forEach(function (k) { header[k] = extra[k]; });
      const t = opts.auth === false ? '' : token();
      if (t) header.Authorization = 'Bearer ' + t;
      const req = {
        url: base() + path,
        method: method,
        header: header,
        dataType: 'json',
        timeout: opts.timeout || config.timeout || DEFAULT_TIMEOUT_MS,
        success: function (res) {
          const status = res.statusCode;
          if (status >= 200 && status < 300) {
            resolve(res.data);
            return;
          }
          const err = apiError(status, res.data, res.header);
          if (status === 401 && t && typeof config.onUnauthorized === 'function') {
            try { config.onUnauthorized(err); } catch (ignored) { /* the page still gets err */ }
          }
          reject(err);
        },
        fail: function (res) {
          reject(networkError(res && res.errMsg));
        },
      };
      if (opts.data !== undefined) req.data = opts.data;
      wx.request(req);
    });
  }

  return {
    request: request,
    get: function (path, options) { return request('GET', path, options); },
    post: function (path, data, options) { return request('POST', path, Object.assign({}, options, { data: data === undefined ? {} : data })); },
    put: function (path, data, options) { return request('PUT', path, Object.assign({}, options, { data: data === undefined ? {} : data })); },
    del: function (path, options) { return request('DELETE', path, options); },
  };
}

module.exports = { createApi, apiError, networkError, isApiError, NETWORK_MESSAGE };
