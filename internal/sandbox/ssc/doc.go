// Package ssc is a local stand-in for a card-issuing bank's social security
// card financial account API (社保卡金融账户): an HTTP server speaking SSCA/1,
// the protocol specified in internal/payment/ssc/doc.go, so that demo mode
// and tests exercise the real exchange (SM2-signed requests, responses and
// notifications, replay rejection, the holder's PIN page) instead of a mock.
//
// It is the bank's side, written from that brief independently of the
// agency's adapter, so each half checks the other. What it serves, under
// Config.MountPrefix:
//
//   - the protocol: /v1/debits (create, query, close), /v1/refunds (create,
//     query), /v1/statements/{date} — see routes.go;
//   - the holder's confirmation page, /confirm/{token} (GET the page, POST
//     the form or JSON {"outcome","pin"}), with its stylesheet /confirm.css;
//   - a control plane the bank would not have: /control/faults,
//     /control/limits, /control/notifications and …/{out_trade_no}/resend.
//
// Limits, on purpose: state lives in memory behind one mutex and is lost
// when the process stops; only the credentials persist
// (LoadOrCreateCredentials). One merchant per server. A frozen card
// (挂失) fails the debit at hand but is not remembered for the holder's
// later debits; daily limits count per holder_ref and Beijing date and are
// not given back by refunds, as with real card limits. Refunds succeed
// unless the RefundsAbnormal fault is set when they settle, when they end
// ABNORMAL; the fault can be cleared between refunds, and a debit whose
// refund ended ABNORMAL can be refunded again under a new number. A
// mandated debit is refunded like any other debit: in full, under the
// merchant's out_refund_no, and listed in the statement once it succeeded.
package ssc
