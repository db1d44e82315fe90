// Package ssc is the payment provider for the social security card financial
// account (社保卡金融账户): the bank account attached to a person's social
// security card, debited by the card-issuing bank once the holder confirms on
// the bank's own page with the card's six-digit transaction PIN.
//
// There is no single national protocol for this: each province's card-issuing
// banks publish their own. This package therefore defines one, "SSCA/1",
// small and in the shape Chinese bank open APIs share (JSON over HTTPS, SM2
// signatures in headers, a timestamp and nonce under the signature, signed
// asynchronous notifications, idempotency by the merchant's numbers). A
// province adopting shebao maps its bank's real protocol onto this adapter or
// asks the bank to speak this one. internal/sandbox/ssc is an independent
// implementation of the bank side, written from this brief.
//
// # Parties and keys
//
// The merchant is the agency (经办机构), identified by a merchant_id the bank
// issues. Each side holds an SM2 key pair (GB/T 32918) and has the other's
// public key: the agency signs requests, the bank signs responses and
// notifications. A key is named by its key id: the first 8 bytes of SM3 over
// the key's PKIX DER encoding, as 16 uppercase hex digits, so that either side
// can rotate keys and a mismatch is reported as such rather than as a bad
// signature.
//
// # Endpoints
//
// Paths are relative to the base URL the bank issues. Bodies are UTF-8 JSON;
// amounts are integer fen; times are RFC 3339 in Beijing time (+08:00).
//
//	POST /v1/debits                        create a debit order        → debit (+ payment_token, confirm_url)
//	GET  /v1/debits/{out_trade_no}         query it                    → debit
//	POST /v1/debits/{out_trade_no}/close   close it unpaid             → debit
//	POST /v1/refunds                       refund a paid debit in full → refund
//	GET  /v1/refunds/{out_refund_no}       query a refund              → refund
//	GET  /v1/statements/{YYYY-MM-DD}       the day's settled entries   → statement
//	POST /v1/mandates                      register a debit mandate    → mandate
//	POST /v1/mandated-debits               debit under a mandate       → debit (final)
//
// The create request is {merchant_id, out_trade_no (6–32 of [0-9A-Za-z_-|*]),
// amount_fen, currency "CNY", holder_ref, description (≤ 127 characters),
// notify_url, expire_at}. holder_ref is the opaque reference under which the
// agency knows the card holder (the openid-like id its login produced); the
// bank resolves it to the card. Neither the ID number nor the card number is
// ever sent: the bank answers with card_masked ("6217 **** **** 1234") only,
// and the PIN is typed on the bank's page, never on ours. So no field needs
// the SM4 field encryption some bank APIs use.
//
// A debit is {merchant_id, out_trade_no, state, amount_fen, holder_ref,
// card_masked, description, bank_serial (the bank's 交易流水号, once paid),
// success_time, fail_code, fail_message, expire_at}; the create answer adds
// payment_token, confirm_url and token_expire_at. confirm_url is an absolute
// URL without a query string; the merchant sends the holder's browser there,
// optionally appending ?return=<same-site path>, and the page sends the
// holder back to that path with cashier=<outcome> added (success, cancel,
// wrong_pin, pin_locked, insufficient, frozen, limit).
//
// A refund request is {merchant_id, out_trade_no, out_refund_no, amount_fen,
// total_fen, reason, notify_url}; a refund is {merchant_id, out_trade_no,
// out_refund_no, refund_id, state, amount_fen, success_time}. Only full
// refunds exist: amount_fen must equal total_fen and the debit's amount.
//
// A statement is {merchant_id, date, entries}; an entry is {time, type (PAY or
// REFUND), out_trade_no, bank_serial, amount_fen, out_refund_no, refund_id,
// refund_fen}. A payment is listed on the day it succeeded, a refund on the
// day it succeeded.
//
// # Mandated debits
//
// A mandate (代扣授权) is the holder's standing authorisation of the
// merchant's debits, used to collect credit pay repayments without the
// holder at hand. The holder gives it on the merchant's side, after a
// strong check of who they are and with the agreement's text before them;
// the merchant keeps that evidence and registers the mandate with the bank.
// The mandate request is {merchant_id, mandate_ref (6–64 of
// [0-9A-Za-z_-|*]), holder_ref, max_amount_fen}; a mandate is {merchant_id,
// mandate_ref, holder_ref, max_amount_fen, card_masked, state (ACTIVE),
// create_time}. mandate_ref names one mandate: the same request again
// returns it, a different one with the same number is 409 MANDATE_CONFLICT.
//
// A mandated debit request is {merchant_id, out_trade_no, mandate_ref,
// amount_fen, currency "CNY", holder_ref, description}. The bank debits at
// once and answers with the debit in its final state: SUCCESS (with
// bank_serial and success_time) or PAYERROR with fail_code
// INSUFFICIENT_BALANCE, MANDATE_LIMIT_EXCEEDED (above max_amount_fen),
// SINGLE_LIMIT_EXCEEDED or DAILY_LIMIT_EXCEEDED. A mandate that does not
// exist or names another holder is 404 MANDATE_NOT_FOUND. There is no
// token, page or notification: the answer is the outcome. The same request
// again returns the debit as it stands (so a lost answer is recovered by
// asking again); another request with the same out_trade_no is 409
// OUT_TRADE_NO_CONFLICT. A failed debit is final, so a later attempt uses
// a new out_trade_no. A successful mandated debit is a debit like any
// other: it can be queried, refunded and appears in the day's statement.
//
// # Signatures
//
// Every request, every response (errors included) and every notification
// carries five headers:
//
//	SSC-Merchant-Id   the merchant the message is from or for
//	SSC-Timestamp     Unix seconds
//	SSC-Nonce         16–64 characters of [0-9A-Za-z], fresh per message
//	SSC-Key-Id        the signer's key id
//	SSC-Signature     base64 (standard, padded) of the SM2 signature
//
// The signature is SM2 with SM3 (GB/T 32918.2), Z computed with the default
// user id "1234567812345678" (GM/T 0009-2012 §10), encoded as ASN.1 DER
// (GM/T 0009 §7.2), over a signing string: a domain tag and fields, each
// followed by "\n", the raw body bytes last (an empty body still ends with
// "\n"):
//
//	request:      "SSCA1-REQUEST\n"  METHOD "\n" PATH "\n" MERCHANT "\n" TIMESTAMP "\n" NONCE "\n" BODY "\n"
//	response:     "SSCA1-RESPONSE\n" STATUS "\n" MERCHANT "\n" TIMESTAMP "\n" NONCE "\n" REQUEST-NONCE "\n" BODY "\n"
//	notification: "SSCA1-NOTIFY\n"   MERCHANT "\n" TIMESTAMP "\n" NONCE "\n" BODY "\n"
//
// PATH is the path and query as sent, still percent-encoded, relative to the
// base URL (so "/v1/debits/SB123", whatever prefix the bank mounts the API
// under). STATUS is the decimal HTTP status. The tag keeps a signed message of
// one kind from being replayed as another; REQUEST-NONCE binds a response to
// the request it answers, so a recorded answer cannot be replayed to a later
// request. No field but the body may contain "\n".
//
// A receiver checks, in this order: the merchant id, the key id, that the
// timestamp is within five minutes of its clock, the signature, and that it
// has not seen the nonce in the last ten minutes (twice the window, so a
// nonce is remembered for as long as its timestamp would be accepted). The
// nonce is recorded only after the signature verifies, so nobody without the
// key can burn a legitimate message's nonce.
//
// # States
//
//	NOTPAY   ─ holder pays ─────────→ SUCCESS ─ refund succeeds ─→ REFUND
//	NOTPAY   ─ merchant closes, or expire_at passes ─→ CLOSED
//	NOTPAY   ─ card frozen (挂失) or third wrong PIN ─→ PAYERROR (final; close → CLOSED)
//
// A wrong PIN, a cancel, an insufficient balance or a daily limit reached at
// confirmation leave the debit NOTPAY with fail_code set, so the holder may
// try again. Refunds go PROCESSING → SUCCESS (or ABNORMAL, when the card can
// no longer be credited; an operator acts on it).
//
// # Errors
//
// A non-2xx answer is a signed {code, message}. A client acts only on a
// verified one; an unsigned error (a proxy's 502) means "unknown, retry".
//
//	400 PARAM_ERROR                 a field is missing or malformed
//	401 SIGN_ERROR                  unknown merchant or key id, or bad signature
//	401 SIGN_EXPIRED                timestamp outside the five-minute window
//	401 NONCE_REPLAYED              nonce seen before
//	403 SINGLE_LIMIT_EXCEEDED       amount above the card's per-payment limit
//	403 DAILY_LIMIT_EXCEEDED        the card's per-day limit would be passed
//	404 ORDER_NOT_FOUND, REFUND_NOT_FOUND, NOT_FOUND
//	409 ORDER_PAID                  create or close on a paid debit
//	409 ORDER_CLOSED                create on a closed or failed debit
//	409 OUT_TRADE_NO_CONFLICT       same out_trade_no, different request
//	409 ORDER_NOT_PAID              refund of an unpaid debit
//	409 REFUND_CONFLICT             same out_refund_no, different request
//	409 REFUND_EXISTS               the debit was refunded under another number
//	                                (not after that refund ended ABNORMAL)
//	409 MANDATE_CONFLICT            same mandate_ref, different request
//	404 MANDATE_NOT_FOUND           no such mandate for this holder
//	500 SYSTEM_ERROR, 503 BANK_BUSY retry later with the same request
//
// # Idempotency
//
// out_trade_no names one debit: repeating the create request byte-for-byte
// in meaning (same amount, holder, description, notify_url, expire_at) returns
// the same debit, with its payment token, or a fresh token once the old one
// (valid 30 minutes) has lapsed; anything else with the same number is
// OUT_TRADE_NO_CONFLICT, except that a paid or closed number answers
// ORDER_PAID or ORDER_CLOSED first, since that is what the merchant must act
// on. out_refund_no names one refund in the same way.
// Close is idempotent. Notifications carry an id shared by every retry and
// duplicate, which the receiver uses to apply each event once.
//
// # Notifications
//
// When a debit reaches SUCCESS or PAYERROR, and when a refund reaches
// SUCCESS, the bank POSTs {id, event_type, create_time, debit | refund} to the
// notify_url given with the request, signed as above with a fresh timestamp
// and nonce on every attempt. event_type is DEBIT.SUCCESS, DEBIT.FAILED or
// REFUND.SUCCESS. Any 2xx within 5 seconds acknowledges; otherwise the bank
// retries after 15 s, 30 s, 1 min, 5 min, 10 min, 30 min, 1 h, 2 h, 6 h and
// 12 h (about 22 hours in all), then gives up: the merchant must also query.
package ssc
