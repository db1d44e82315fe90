package voucher

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"strings"
	"testing"
	"time"

	"github.com/emmansun/gmsm/sm2"
)

func TestSignVerify(t *testing.T) {
	signer, other := newTestSigner(t), newTestSigner(t)
	tests := []struct {
		name   string
		kind   Kind
		mutate func(t *testing.T, v *Voucher)
		signer *Signer // the key Verify is given; the signing key when nil
		now    time.Time
		want   string
	}{
		{"genuine fiscal", FiscalReceipt, nil, nil, testNow, ReasonOK},
		{"genuine acceptance", AcceptanceReceipt, nil, nil, testNow, ReasonOK},
		{"genuine statement", TransactionStatement, nil, nil, testNow, ReasonOK},
		{"fiscal is never expired", FiscalReceipt, nil, nil, testNow.AddDate(100, 0, 0), ReasonOK},
		{"statement at its retention end", TransactionStatement, nil, nil, time.Date(2028, 5, 15, 10, 4, 5, 0, cst), ReasonOK},
		{"statement a second later", TransactionStatement, nil, nil, time.Date(2028, 5, 15, 10, 4, 6, 0, cst), ReasonExpired},
		{"acceptance after 2 years", AcceptanceReceipt, nil, nil, time.Date(2028, 11, 16, 0, 0, 0, 0, cst), ReasonExpired},
		{"amount edited", FiscalReceipt, func(t *testing.T, v *Voucher) {
			v.Payload = replaceOnce(t, v.Payload, `"amount_fen":145400`, `"amount_fen":145401`)
		}, nil, testNow, ReasonBadSignature},
		{"payer edited", TransactionStatement, func(t *testing.T, v *Voucher) {
			v.Payload = replaceOnce(t, v.Payload, `"payer":"张*"`, `"payer":"李*"`)
		}, nil, testNow, ReasonBadSignature},
		{"retention extended", AcceptanceReceipt, func(t *testing.T, v *Voucher) {
			v.Payload = replaceOnce(t, v.Payload, `"retain_until":"2028`, `"retain_until":"2099`)
		}, nil, testNow, ReasonBadSignature},
		{"field added", TransactionStatement, func(t *testing.T, v *Voucher) {
			v.Payload = replaceOnce(t, v.Payload, `{"v":1,`, `{"v":1,"note":"x",`)
		}, nil, testNow, ReasonBadSignature},
		{"signature flipped", FiscalReceipt, func(t *testing.T, v *Voucher) {
			v.Signature[len(v.Signature)-1] ^= 1
		}, nil, testNow, ReasonBadSignature},
		{"other key, key id kept", FiscalReceipt, nil, other, testNow, ReasonUnknownKey},
		{"other key, no key id", FiscalReceipt, func(_ *testing.T, v *Voucher) { v.KeyID = "" }, other, testNow, ReasonBadSignature},
		{"truncated payload", FiscalReceipt, func(_ *testing.T, v *Voucher) { v.Payload = v.Payload[:40] }, nil, testNow, ReasonMalformed},
		{"no payload", FiscalReceipt, func(_ *testing.T, v *Voucher) { v.Payload = nil }, nil, testNow, ReasonMalformed},
		{"garbage signature", FiscalReceipt, func(_ *testing.T, v *Voucher) { v.Signature = []byte("not DER") }, nil, testNow, ReasonMalformed},
		{"envelope names another code", FiscalReceipt, func(_ *testing.T, v *Voucher) { v.Code = "22222222222222222222" }, nil, testNow, ReasonMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := mustSign(t, signer, tt.kind)
			if tt.mutate != nil {
				tt.mutate(t, v)
			}
			key := signer
			if tt.signer != nil {
				key = tt.signer
			}
			r := Verify(key.Public(), v, tt.now)
			if r.Reason != tt.want || r.Valid != (tt.want == ReasonOK) || r.Message == "" || r.MessageEn == "" {
				t.Fatalf("Verify = %+v, want %s", r, tt.want)
			}
			if genuine := tt.want == ReasonOK || tt.want == ReasonExpired; (r.Document != nil) != genuine {
				t.Errorf("Document returned = %t, want %t", r.Document != nil, genuine)
			}
		})
	}
	if r := Verify(signer.Public(), nil, testNow); r.Reason != ReasonMalformed {
		t.Errorf("nil voucher: %s", r.Reason)
	}
	if r := Verify(nil, mustSign(t, signer, FiscalReceipt), testNow); r.Reason != ReasonUnknownKey {
		t.Errorf("nil key: %s", r.Reason)
	}
}

// TestInteropGMSM proves the signature is plain SM2-with-SM3 under the
// default user ID, checkable by any GM/T 0009 implementation from the
// published PEM alone.
func TestInteropGMSM(t *testing.T) {
	signer := newTestSigner(t)
	v := mustSign(t, signer, FiscalReceipt)
	pub, err := ParsePublicKeyPEM(signer.PublicKeyPEM())
	if err != nil {
		t.Fatal(err)
	}
	if !sm2.VerifyASN1WithSM2(pub, []byte("1234567812345678"), v.Payload, v.Signature) {
		t.Fatal("gmsm does not verify the signature with the default UID")
	}
	if sm2.VerifyASN1WithSM2(pub, []byte("shebao"), v.Payload, v.Signature) {
		t.Fatal("signature verifies under another UID: Z_A is not in use")
	}
	if !strings.HasPrefix(string(signer.PublicKeyPEM()), "-----BEGIN PUBLIC KEY-----") {
		t.Errorf("PEM: %s", signer.PublicKeyPEM())
	}
}

func TestKeyID(t *testing.T) {
	signer := newTestSigner(t)
	id, err := KeyID(signer.Public())
	if err != nil || id != signer.KeyID() || len(id) != 16 {
		t.Fatalf("KeyID = %q, %v; signer says %q", id, err, signer.KeyID())
	}
	if _, err := hex.DecodeString(id); err != nil {
		t.Errorf("KeyID %q is not hex", id)
	}
	if v := mustSign(t, signer, FiscalReceipt); v.KeyID != id {
		t.Errorf("voucher KeyID %q, want %q", v.KeyID, id)
	}
}

func TestSignRefuses(t *testing.T) {
	signer := newTestSigner(t)
	v := mustBuild(t, AcceptanceReceipt)
	v.Payload = append(v.Payload, '\n')
	if err := signer.Sign(rand.Reader, v); err == nil {
		t.Error("signed a non-canonical payload")
	}
	v = mustBuild(t, AcceptanceReceipt)
	v.Kind = FiscalReceipt
	if err := signer.Sign(rand.Reader, v); err == nil {
		t.Error("signed a payload whose envelope disagrees")
	}
	if err := NewSigner(nil).Sign(rand.Reader, mustBuild(t, FiscalReceipt)); err == nil {
		t.Error("nil key signed")
	}
}

func TestParsePublicKeyPEMRejects(t *testing.T) {
	p256, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKIXPublicKey(&p256.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	nist := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
	for _, in := range []string{"", "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", string(nist)} {
		if _, err := ParsePublicKeyPEM([]byte(in)); err == nil {
			t.Errorf("ParsePublicKeyPEM(%.40q) accepted", in)
		}
	}
}
