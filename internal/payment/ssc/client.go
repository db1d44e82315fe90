package ssc

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/emmansun/gmsm/sm2"
)

// Config is an agency's account with a card-issuing bank.
type Config struct {
	// BaseURL is where the bank serves /v1/…, e.g.
	// "https://bank.example/ssca" or, in demo mode, the sandbox's mount.
	BaseURL    string
	MerchantID string
	// MerchantKey is the agency's SM2 key; the bank holds its public half.
	MerchantKey *sm2.PrivateKey
	// BankPublicKey verifies the bank's responses and notifications.
	BankPublicKey *ecdsa.PublicKey
	// NotifyURL receives debit notifications; RefundNotifyURL refund ones
	// ("" leaves refunds to polling).
	NotifyURL, RefundNotifyURL string
	HTTPClient                 *http.Client // optional; a 10 s timeout client by default
	// Channel is the payment channel this bank serves ("ssc_account" when
	// empty; "unionpay" for the national profile's UnionPay route, an
	// acquirer speaking SSCA/1): it names the clearing account of money
	// collected by mandated debit.
	Channel string
	// Now and Random are optional (time.Now, crypto/rand): tests inject them.
	Now    func() time.Time
	Random io.Reader
}

// Provider implements payment.Provider for the social security card
// financial account over SSCA/1 (see the package doc).
type Provider struct {
	cfg      Config
	base     string // BaseURL without a trailing slash
	hc       *http.Client
	now      func() time.Time
	rnd      *lockedReader
	keyID    string // the merchant key's, sent with every request
	verifier *verifier
}

// ErrBadResponse wraps every answer that fails verification: it might not
// be from the bank, so nothing in it is acted on.
var ErrBadResponse = errors.New("ssc: response failed verification")

// APIError is a verified error answer from the bank.
type APIError struct {
	Status  int    `json:"-"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

func (e *APIError) Error() string {
	return fmt.Sprintf("ssc: bank answered %d %s: %s", e.Status, e.Code, e.Message)
}

// IsCode reports whether err is a verified bank error with this code.
func IsCode(err error, code string) bool {
	var ae *APIError
	return errors.As(err, &ae) && ae.Code == code
}

// New checks cfg. It does not call the bank.
func New(cfg Config) (*Provider, error) {
	u, err := url.Parse(cfg.BaseURL)
	switch {
	case err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "":
		return nil, fmt.Errorf("ssc: base URL %q must be an absolute http(s) URL without a query", cfg.BaseURL)
	case !validMerchant.MatchString(cfg.MerchantID):
		return nil, fmt.Errorf("ssc: merchant id %q must be 4-32 letters or digits", cfg.MerchantID)
	case cfg.MerchantKey == nil || cfg.BankPublicKey == nil || !sm2.IsSM2PublicKey(cfg.BankPublicKey):
		return nil, errors.New("ssc: an SM2 merchant key and bank public key are required")
	case cfg.NotifyURL == "":
		return nil, errors.New("ssc: notify URL is required")
	}
	keyID, err := KeyID(&cfg.MerchantKey.PublicKey)
	if err != nil {
		return nil, err
	}
	bankKeyID, err := KeyID(cfg.BankPublicKey)
	if err != nil {
		return nil, err
	}
	p := &Provider{cfg: cfg, base: strings.TrimRight(cfg.BaseURL, "/"), hc: cfg.HTTPClient, now: cfg.Now,
		rnd: &lockedReader{r: cfg.Random}, keyID: keyID}
	if p.hc == nil {
		p.hc = &http.Client{Timeout: 10 * time.Second}
	}
	if p.cfg.Channel == "" {
		p.cfg.Channel = "ssc_account"
	}
	if p.now == nil {
		p.now = time.Now
	}
	if p.rnd.r == nil {
		p.rnd.r = rand.Reader
	}
	p.verifier = &verifier{pub: cfg.BankPublicKey, keyID: bankKeyID, now: p.now}
	return p, nil
}

// maxBody bounds what we read from the bank; its largest answer, a busy
// day's statement, is well under this.
const maxBody = 8 << 20

// do sends one signed request (in == nil for a GET) and verifies the answer
// before decoding it into out or returning its *APIError.
func (p *Provider) do(ctx context.Context, method, path string, in, out any) error {
	var body []byte
	if in != nil {
		var err error
		if body, err = json.Marshal(in); err != nil {
			return fmt.Errorf("ssc: encode %s: %w", path, err)
		}
	}
	nonce, err := p.rnd.nonce()
	if err != nil {
		return err
	}
	sg := signed{merchant: p.cfg.MerchantID, timestamp: strconv.FormatInt(p.now().Unix(), 10), nonce: nonce, keyID: p.keyID}
	msg := signingString(tagRequest, method, path, sg.merchant, sg.timestamp, sg.nonce, string(body))
	if sg.signature, err = sign(p.rnd, p.cfg.MerchantKey, msg); err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, method, p.base+path, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("ssc: %s %s: %w", method, path, err)
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	sg.set(req.Header)
	resp, err := p.hc.Do(req)
	if err != nil {
		return fmt.Errorf("ssc: %s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return fmt.Errorf("ssc: %s %s: read answer: %w", method, path, err)
	}
	if err := p.verifyResponse(resp, nonce, raw); err != nil {
		return fmt.Errorf("ssc: %s %s: HTTP %d: %w: %w", method, path, resp.StatusCode, ErrBadResponse, err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		ae := &APIError{Status: resp.StatusCode}
		if err := json.Unmarshal(raw, ae); err != nil || ae.Code == "" {
			return fmt.Errorf("ssc: %s %s: HTTP %d without an error code", method, path, resp.StatusCode)
		}
		return ae
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return fmt.Errorf("ssc: %s %s: decode answer: %w", method, path, err)
	}
	return nil
}

// verifyResponse checks that the answer is the bank's, to this merchant,
// fresh, and to this very request (its nonce is under the signature).
func (p *Provider) verifyResponse(resp *http.Response, requestNonce string, body []byte) error {
	sg, err := readSigned(resp.Header)
	if err != nil {
		return err
	}
	if sg.merchant != p.cfg.MerchantID {
		return fmt.Errorf("%w: answer for merchant %q", errSignature, sg.merchant)
	}
	msg := signingString(tagResponse, strconv.Itoa(resp.StatusCode), sg.merchant, sg.timestamp, sg.nonce, requestNonce, string(body))
	return p.verifier.verify(sg, msg)
}
