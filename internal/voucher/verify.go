package voucher

import (
	"crypto/ecdsa"
	"encoding/asn1"
	"encoding/json"
	"math/big"
	"time"

	"github.com/emmansun/gmsm/sm2"
)

// The reasons Verify gives. They are stable codes: pages, the API and the
// offline verifier switch on them, and messages are looked up from them.
const (
	ReasonOK           = "ok"
	ReasonBadSignature = "bad_signature" // the bytes are not what the key signed: altered or forged
	ReasonUnknownKey   = "unknown_key"   // signed by a key this verifier does not hold
	ReasonExpired      = "expired"       // genuine, but past its retention date
	ReasonMalformed    = "malformed"     // not a voucher at all: damaged scan, truncated data
)

// Result is the outcome of Verify, with messages safe to show to anyone.
type Result struct {
	Valid     bool
	Reason    string
	Message   string // 中文
	MessageEn string
	// Document is the decoded payload when the signature is genuine (Reason
	// ok or expired), so a page shows only signed content; nil otherwise.
	Document *Document
}

// Verify checks v against pub at now. The order of the checks decides which
// reason a person sees: data that is not even shaped like a voucher is
// malformed; a voucher naming another key is unknown_key; then the signature
// decides between bad_signature and genuine, before any consistency check, so
// an edited figure reads as tampering rather than as damage; and only a
// genuine voucher can be expired.
func Verify(pub *ecdsa.PublicKey, v *Voucher, now time.Time) Result {
	if v == nil || !wellFormed(v.Payload, v.Signature) {
		return result(ReasonMalformed, nil)
	}
	if pub == nil || !sm2.IsSM2PublicKey(pub) {
		return result(ReasonUnknownKey, nil)
	}
	if v.KeyID != "" {
		if id, err := KeyID(pub); err != nil || id != v.KeyID {
			return result(ReasonUnknownKey, nil)
		}
	}
	if !sm2.VerifyASN1WithSM2(pub, nil, v.Payload, v.Signature) {
		return result(ReasonBadSignature, nil)
	}
	d, err := Decode(v.Payload)
	if err != nil || matchEnvelope(d, v) != nil {
		return result(ReasonMalformed, nil)
	}
	if until, ok := d.Retained(); ok && now.After(until) {
		return result(ReasonExpired, d)
	}
	return result(ReasonOK, d)
}

// wellFormed is the shape check done before the signature: the payload is a
// JSON object that fits a Document and the signature a DER SEQUENCE of two
// positive INTEGERs. It is deliberately shallow (an added or edited field
// passes it, and then fails the signature as the tampering it is); Decode
// does the rest once the signature holds.
func wellFormed(payload, sig []byte) bool {
	var d Document
	if len(payload) == 0 || json.Unmarshal(payload, &d) != nil {
		return false
	}
	var rs struct{ R, S *big.Int }
	rest, err := asn1.Unmarshal(sig, &rs)
	return err == nil && len(rest) == 0 && rs.R.Sign() > 0 && rs.S.Sign() > 0
}

func result(reason string, d *Document) Result {
	r := Result{Valid: reason == ReasonOK, Reason: reason, Document: d}
	switch reason {
	case ReasonOK:
		r.Message, r.MessageEn = "凭证真实有效，签名验证通过。", "The voucher is genuine: its signature verifies."
	case ReasonBadSignature:
		r.Message, r.MessageEn = "签名验证未通过，凭证内容可能被篡改，请勿使用。",
			"The signature does not verify; the voucher may have been altered. Do not rely on it."
	case ReasonUnknownKey:
		r.Message, r.MessageEn = "凭证的签名密钥不在本平台公布的密钥中，无法确认其来源。",
			"The voucher was signed with a key this platform has not published; its origin cannot be confirmed."
	case ReasonExpired:
		r.Message, r.MessageEn = "凭证签名真实，但已超过保存期限。",
			"The voucher's signature is genuine, but it is past its retention period."
	default:
		r.Message, r.MessageEn = "凭证数据不完整或格式错误，请重新扫码或核对来源。",
			"The voucher data is incomplete or malformed; scan again or check where it came from."
	}
	return r
}
