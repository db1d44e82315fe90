// Package liveness is the client of a face-liveness service speaking the
// sandbox's protocol (internal/sandbox/face): open a check, send the person
// to its page, read the outcome. A deployment replaces it with its vendor's.
package liveness

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/shebao-project/shebao/internal/identity"
	"github.com/shebao-project/shebao/internal/pii"
)

// Client talks to the service at BaseURL (e.g. http://127.0.0.1:8080/sandbox/face).
type Client struct {
	BaseURL string
	HTTP    *http.Client
}

// Start implements identity.FaceProvider. Only the masked name leaves us.
func (c *Client) Start(ctx context.Context, idNumber, name, returnURL string) (string, string, error) {
	body, _ := json.Marshal(map[string]string{"name": pii.MaskName(name), "return_url": returnURL})
	var out struct {
		Ref string `json:"ref"`
		URL string `json:"url"`
	}
	if err := c.call(ctx, http.MethodPost, c.BaseURL+"/checks", body, &out); err != nil {
		return "", "", err
	}
	return out.Ref, out.URL, nil
}

// Result implements identity.FaceProvider.
func (c *Client) Result(ctx context.Context, ref string) (identity.FaceOutcome, error) {
	var out struct {
		Outcome string `json:"outcome"`
	}
	if err := c.call(ctx, http.MethodGet, c.BaseURL+"/checks/"+ref, nil, &out); err != nil {
		return "", err
	}
	return identity.FaceOutcome(out.Outcome), nil
}

func (c *Client) call(ctx context.Context, method, url string, body []byte, out any) error {
	req, err := http.NewRequestWithContext(ctx, method, url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := c.HTTP.Do(req)
	if err != nil {
		return fmt.Errorf("liveness: %w", err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("liveness: %s answered %d", url, res.StatusCode)
	}
	return json.NewDecoder(res.Body).Decode(out)
}

var _ identity.FaceProvider = (*Client)(nil)
