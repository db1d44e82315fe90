package sms

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
)

// Client sends text messages to an outbox served by a standalone sandbox
// (`shebao sandbox`), as the platform would to an SMS gateway.
type Client struct {
	URL  string // e.g. http://127.0.0.1:9090/sandbox/sms
	HTTP *http.Client
}

// SendSMS implements identity.SMSSender.
func (c *Client) SendSMS(ctx context.Context, phone, text string) error {
	body, _ := json.Marshal(Message{Phone: phone, Text: text})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.URL, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := c.HTTP.Do(req)
	if err != nil {
		return fmt.Errorf("sms: %w", err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusAccepted {
		return fmt.Errorf("sms: gateway answered %d", res.StatusCode)
	}
	return nil
}
