package coresys

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"

	"github.com/shebao-project/shebao/internal/money"
	"github.com/shebao-project/shebao/internal/payment"
)

// The employee medical personal accounts (职工医保个人账户) the core system
// keeps, for the family offset (家庭共济):
//
//	POST …/v1/accounts/balance        {"id_number"}           → {"balance_fen"}; 404 no account
//	POST …/v1/debits                   payment.AccountDebit    → payment.DebitResult (a refusal is a result)
//	GET  …/v1/debits/{debit_id}                                → payment.DebitResult; 404 never taken
//	GET  …/v1/debits?date=YYYY-MM-DD                           → {"debits": [payment.DebitRow]} (a day's, Beijing time)
//	POST …/v1/debits/{debit_id}/reversal payment.AccountReversal → payment.ReversalResult
//
// The ID number travels in a body, never in a URL, so that it stays out of
// access logs.

// Balance implements payment.MedicalAccounts.
func (c *Client) Balance(ctx context.Context, idNumber string) (money.Fen, error) {
	var out struct {
		BalanceFen money.Fen `json:"balance_fen"`
	}
	status, err := c.do(ctx, http.MethodPost, "/v1/accounts/balance", map[string]string{"id_number": idNumber}, &out)
	switch {
	case err != nil:
		return 0, fmt.Errorf("coresys: balance: %w", err)
	case status == http.StatusNotFound:
		return 0, fmt.Errorf("coresys: balance: %w", payment.ErrNoMedicalAccount)
	case status != http.StatusOK:
		return 0, fmt.Errorf("coresys: balance: status %d", status)
	}
	return out.BalanceFen, nil
}

// Debit implements payment.MedicalAccounts.
func (c *Client) Debit(ctx context.Context, r payment.AccountDebit) (*payment.DebitResult, error) {
	var out payment.DebitResult
	status, err := c.do(ctx, http.MethodPost, "/v1/debits", r, &out)
	if err != nil {
		return nil, fmt.Errorf("coresys: debit %s: %w", r.DebitID, err)
	}
	if status != http.StatusOK || out.DebitID != r.DebitID {
		return nil, fmt.Errorf("coresys: debit %s: status %d", r.DebitID, status)
	}
	return &out, nil
}

// LookupDebit implements payment.MedicalAccounts.
func (c *Client) LookupDebit(ctx context.Context, debitID string) (*payment.DebitResult, error) {
	var out payment.DebitResult
	status, err := c.do(ctx, http.MethodGet, "/v1/debits/"+url.PathEscape(debitID), nil, &out)
	switch {
	case err != nil:
		return nil, fmt.Errorf("coresys: look up debit %s: %w", debitID, err)
	case status == http.StatusNotFound:
		return nil, fmt.Errorf("coresys: look up debit %s: %w", debitID, payment.ErrDebitNotFound)
	case status != http.StatusOK || out.DebitID != debitID:
		return nil, fmt.Errorf("coresys: look up debit %s: status %d", debitID, status)
	}
	return &out, nil
}

// Reverse implements payment.MedicalAccounts.
func (c *Client) Reverse(ctx context.Context, r payment.AccountReversal) (*payment.ReversalResult, error) {
	var out payment.ReversalResult
	status, err := c.do(ctx, http.MethodPost, "/v1/debits/"+url.PathEscape(r.DebitID)+"/reversal", r, &out)
	if err != nil {
		return nil, fmt.Errorf("coresys: reverse %s: %w", r.DebitID, err)
	}
	if status != http.StatusOK {
		return nil, fmt.Errorf("coresys: reverse %s: status %d", r.DebitID, status)
	}
	return &out, nil
}

// do sends body as JSON (nil: no body) and decodes a 200 answer into out.
// It returns the status; an error only when the exchange itself failed or
// a 200 answer does not decode (the outcome is then unknown).
func (c *Client) do(ctx context.Context, method, path string, body, out any) (int, error) {
	var rd io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			return 0, fmt.Errorf("encode: %w", err)
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.BaseURL+path, rd)
	if err != nil {
		return 0, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
	if resp.StatusCode != http.StatusOK {
		return resp.StatusCode, nil
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return 0, fmt.Errorf("bad answer %q", raw)
	}
	return resp.StatusCode, nil
}

var _ payment.MedicalAccounts = (*Client)(nil)

// DebitStatement implements payment.MedicalAccounts: GET …/v1/debits?date=YYYY-MM-DD.
func (c *Client) DebitStatement(ctx context.Context, date string) ([]payment.DebitRow, error) {
	var out struct {
		Debits []payment.DebitRow `json:"debits"`
	}
	status, err := c.do(ctx, http.MethodGet, "/v1/debits?date="+url.QueryEscape(date), nil, &out)
	if err != nil {
		return nil, fmt.Errorf("coresys: debit statement %s: %w", date, err)
	}
	if status != http.StatusOK {
		return nil, fmt.Errorf("coresys: debit statement %s: status %d", date, status)
	}
	return out.Debits, nil
}
