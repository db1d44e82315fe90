package wechatpay

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// authSchema is "WECHATPAY2-" + the signer's algorithm, the only one WeChat
// Pay v3 merchants use (SHA256withRSA with an RSA-2048 key).
const authSchema = "WECHATPAY2-SHA256-RSA2048"

// clockWindow is how far a request timestamp may be from the server's clock.
// WeChat answers 401 SIGN_ERROR beyond five minutes, and the SDK rejects
// responses at |now-ts| >= 300 s; the sandbox uses the same strict bound.
const clockWindow = 300 * time.Second

// parseAuthorization splits `WECHATPAY2-SHA256-RSA2048 k="v",k="v"` into its
// pairs. WeChat does not fix the order of the pairs, so neither does this.
func parseAuthorization(h string) (map[string]string, error) {
	schema, rest, ok := strings.Cut(strings.TrimSpace(h), " ")
	if !ok || schema != authSchema {
		return nil, fmt.Errorf("authorization schema must be %s", authSchema)
	}
	pairs := map[string]string{}
	for rest = strings.TrimSpace(rest); rest != ""; rest = strings.TrimLeft(rest, " ,") {
		key, after, ok := strings.Cut(rest, "=")
		if !ok || !strings.HasPrefix(after, `"`) {
			return nil, errors.New(`authorization parameters must be key="value"`)
		}
		val, tail, ok := strings.Cut(after[1:], `"`)
		if !ok {
			return nil, errors.New("authorization has an unterminated quoted value")
		}
		pairs[strings.TrimSpace(key)] = val
		rest = tail
	}
	for _, k := range []string{"mchid", "nonce_str", "timestamp", "serial_no", "signature"} {
		if pairs[k] == "" {
			return nil, fmt.Errorf("authorization lacks %s", k)
		}
	}
	return pairs, nil
}

// canonicalURIs lists the request targets a client may have signed: first the
// one with MountPrefix removed (what a client reaching the sandbox through a
// prefixing transport signed), then the target as received (a client that
// called a sandbox URL, such as a bill download_url, directly). Both are raw
// and still percent-encoded, as the SDK signs URL.RequestURI().
func (s *Server) canonicalURIs(r *http.Request) []string {
	raw := r.RequestURI
	if raw == "" {
		raw = r.URL.RequestURI()
	}
	if s.prefix != "" && strings.HasPrefix(raw, s.prefix+"/") {
		return []string{strings.TrimPrefix(raw, s.prefix), raw}
	}
	return []string{raw}
}

// verifyRequest checks the merchant's request signature as WeChat Pay does
// (https://pay.weixin.qq.com/docs/merchant/development/interface-rules/signature-generation.html):
// SHA256withRSA over "METHOD\nURL\nTIMESTAMP\nNONCE\nBODY\n" with the raw
// body bytes, by the merchant key whose certificate serial is serial_no.
func (s *Server) verifyRequest(r *http.Request, body []byte) *apiError {
	pairs, err := parseAuthorization(r.Header.Get("Authorization"))
	if err != nil {
		return signError("Http头Authorization值格式错误，请参考《微信支付商户REST API签名规则》", "authorization", err.Error(), nil)
	}
	if pairs["mchid"] != s.creds.MchID {
		return signError("商户号不存在或与签名不匹配", "mchid", "mchid not match", nil)
	}
	if pairs["serial_no"] != s.creds.MerchantSerial {
		return signError("商户证书序列号有误，请核实后再试", "serial_no", "serial_no not match", nil)
	}
	ts, err := strconv.ParseInt(pairs["timestamp"], 10, 64)
	if err != nil {
		return signError("Http头Authorization中的timestamp格式错误", "timestamp", "timestamp is not an integer", nil)
	}
	if d := s.now().Sub(time.Unix(ts, 0)); d >= clockWindow || d <= -clockWindow {
		return signError("Http头Authorization中的timestamp与发起请求的时间不得超过5分钟", "timestamp", "timestamp expired", nil)
	}
	sig, err := base64.StdEncoding.DecodeString(pairs["signature"])
	if err != nil {
		return signError("错误的签名,验签失败", "signature", "signature is not base64", nil)
	}
	uris := s.canonicalURIs(r)
	for _, uri := range uris {
		msg := r.Method + "\n" + uri + "\n" + pairs["timestamp"] + "\n" + pairs["nonce_str"] + "\n" + string(body) + "\n"
		sum := sha256.Sum256([]byte(msg))
		if rsa.VerifyPKCS1v15(&s.creds.MerchantKey.PublicKey, crypto.SHA256, sum[:], sig) == nil {
			return nil
		}
	}
	msg := r.Method + "\n" + uris[0] + "\n" + pairs["timestamp"] + "\n" + pairs["nonce_str"] + "\n" + string(body) + "\n"
	return signError("错误的签名,验签失败", "signature", "sign not match", map[string]any{
		"method":                 r.Method,
		"url":                    uris[0],
		"sign_message_length":    len(msg),
		"truncated_sign_message": truncateMessage(r.Method, uris[0], pairs["timestamp"], pairs["nonce_str"], body),
	})
}

// signError imitates WeChat's 401 body, including the nested detail object
// that tells a developer which part of the signature was wrong.
func signError(message, field, issue string, info map[string]any) *apiError {
	detail := map[string]any{"detail": map[string]string{"issue": issue}, "field": field, "location": "authorization"}
	if info != nil {
		detail["sign_information"] = info
	}
	return &apiError{Status: http.StatusUnauthorized, Code: "SIGN_ERROR", Message: message, Detail: detail}
}

// truncateMessage shows the signed message with the nonce and body cut short,
// enough to spot a wrong URL or method without echoing a whole request body.
func truncateMessage(method, uri, ts, nonce string, body []byte) string {
	if len(nonce) > 4 {
		nonce = nonce[:4] + "…"
	}
	b := string(body)
	if len(body) > 32 {
		b = strings.ToValidUTF8(string(body[:32]), "") + "…"
	}
	return method + "\n" + uri + "\n" + ts + "\n" + nonce + "\n" + b + "\n"
}

// signHeaders sets the headers WeChat Pay puts on a signed response or
// notification (https://pay.weixin.qq.com/docs/merchant/development/interface-rules/signature-verification.html):
// SHA256withRSA by the platform key over "TIMESTAMP\nNONCE\nBODY\n", where
// an empty body still contributes its terminating "\n". Each call draws a
// fresh timestamp and nonce, so a retried notification is never stale.
func (s *Server) signHeaders(h http.Header, body []byte) error {
	ts := strconv.FormatInt(s.now().Unix(), 10)
	nonce, err := s.rnd.String(hexUpper, 32)
	if err != nil {
		return err
	}
	requestID, err := s.rnd.String(hexUpper, 40)
	if err != nil {
		return err
	}
	sum := sha256.Sum256([]byte(ts + "\n" + nonce + "\n" + string(body) + "\n"))
	// PKCS#1 v1.5 signing is deterministic; the random argument is unused.
	sig, err := rsa.SignPKCS1v15(nil, s.creds.PlatformKey, crypto.SHA256, sum[:])
	if err != nil {
		return fmt.Errorf("wechatpay sandbox: sign: %w", err)
	}
	h.Set("Wechatpay-Timestamp", ts)
	h.Set("Wechatpay-Nonce", nonce)
	h.Set("Wechatpay-Signature", base64.StdEncoding.EncodeToString(sig))
	h.Set("Wechatpay-Serial", s.creds.PublicKeyID)
	h.Set("Request-ID", requestID)
	return nil
}
