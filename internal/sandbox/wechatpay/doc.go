// Package wechatpay is a local stand-in for WeChat Pay API v3 ("the sandbox"):
// an HTTP server that the official Go SDK (wechatpay-apiv3/wechatpay-go) can
// talk to exactly as it talks to https://api.mch.weixin.qq.com, so that demo
// mode and tests exercise the real protocol (request signatures, signed
// responses, encrypted notifications, bills) instead of a mock of it.
//
// It plays the outside world. The platform's own adapter talks to it over
// HTTP through the SDK, with a transport that rewrites scheme and host and
// prefixes the path with Config.MountPrefix; the request signature stays over
// the unprefixed URI, which is what the sandbox verifies.
//
// What it serves, under Config.MountPrefix:
//
//   - the WeChat Pay API: JSAPI and Native prepay, order query and close,
//     domestic refunds, trade bills (see routes.go for the table);
//   - a control plane that WeChat does not have: a cashier page standing in for
//     the user confirming payment in WeChat, fault injection, and a view of
//     notification deliveries.
//
// Protocol facts follow /work/shared/docs/wechatpay-v3.md (checked against
// SDK v0.2.20) and the WeChat Pay documents cited next to the code.
//
// Limits, on purpose: all state (orders, refunds, bills, deliveries, faults)
// lives in memory behind one mutex and is lost when the process stops; only
// the credentials persist (LoadOrCreate). Orders, deliveries and bill files
// accumulate for the life of the process, which suits demos and tests, not
// long soak runs. Unpaid orders do not expire after WeChat's 7 days (only
// their 2-hour prepay_id does). There is one merchant per server,
// in public-key mode (Wechatpay-Serial is the PUB_KEY_ID_…); the platform
// certificate endpoint is not served.
package wechatpay
