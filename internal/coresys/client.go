// Package coresys is the client of the agency's core contribution system:
// it posts a paid order's contributions and returns the core system's
// acceptance reference. The wire format is shebao's own JSON; an agency
// whose core system speaks something else replaces this adapter.
package coresys

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"

	"github.com/shebao-project/shebao/internal/payment"
)

// Client posts to a core system at BaseURL (…/v1/postings).
type Client struct {
	BaseURL string
	HTTP    *http.Client
}

// Post implements payment.Core.
func (c *Client) Post(ctx context.Context, p payment.CorePosting) (string, error) {
	body, err := json.Marshal(p)
	if err != nil {
		return "", fmt.Errorf("coresys: encode: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.BaseURL+"/v1/postings", bytes.NewReader(body))
	if err != nil {
		return "", fmt.Errorf("coresys: request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return "", fmt.Errorf("coresys: post %s: %w", p.PostingID, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("coresys: post %s: status %d: %s", p.PostingID, resp.StatusCode, bytes.TrimSpace(raw))
	}
	var out struct {
		Ref string `json:"ref"`
	}
	if err := json.Unmarshal(raw, &out); err != nil || out.Ref == "" {
		return "", fmt.Errorf("coresys: post %s: bad answer %q", p.PostingID, raw)
	}
	return out.Ref, nil
}

// Lookup implements payment.Core: GET …/v1/postings/{id}.
func (c *Client) Lookup(ctx context.Context, postingID string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.BaseURL+"/v1/postings/"+url.PathEscape(postingID), nil)
	if err != nil {
		return "", fmt.Errorf("coresys: request: %w", err)
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return "", fmt.Errorf("coresys: look up %s: %w", postingID, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
	switch resp.StatusCode {
	case http.StatusOK:
	case http.StatusNotFound:
		return "", fmt.Errorf("coresys: look up %s: %w", postingID, payment.ErrPostingNotFound)
	default:
		return "", fmt.Errorf("coresys: look up %s: status %d: %s", postingID, resp.StatusCode, bytes.TrimSpace(raw))
	}
	var out struct {
		Ref string `json:"ref"`
	}
	if err := json.Unmarshal(raw, &out); err != nil || out.Ref == "" {
		return "", fmt.Errorf("coresys: look up %s: bad answer %q", postingID, raw)
	}
	return out.Ref, nil
}

var _ payment.Core = (*Client)(nil)
