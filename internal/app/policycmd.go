package app

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/shebao-project/shebao/internal/policy"
	"github.com/shebao-project/shebao/policies"
)

// runPolicyCommand implements `shebao quote` and `shebao estimate`: the same
// JSON request as the API on stdin, the same JSON response (or error body) on
// stdout. Exit 0 on success, 2 when the request is refused, 1 on a failure
// of ours.
func runPolicyCommand(cmd string, stdin io.Reader, stdout, stderr io.Writer, now func() time.Time) int {
	eng, err := policy.Load(policies.FS, now)
	if err != nil {
		fmt.Fprintf(stderr, "shebao %s: policy packs: %v\n", cmd, err)
		return 1
	}
	dec := json.NewDecoder(io.LimitReader(stdin, 1<<20))
	dec.DisallowUnknownFields()
	var out any
	switch cmd {
	case "quote":
		var req policy.QuoteRequest
		if err = dec.Decode(&req); err == nil {
			out, err = eng.Quote(req)
		}
	case "estimate":
		var req policy.EstimateRequest
		if err = dec.Decode(&req); err == nil {
			out, err = eng.Estimate(req)
		}
	}
	enc := json.NewEncoder(stdout)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err != nil {
		var pe *policy.Error
		body := map[string]any{"code": "invalid_json", "message": "请求不是有效的JSON：" + err.Error(), "message_en": "The request is not valid JSON: " + err.Error()}
		if errors.As(err, &pe) {
			body = map[string]any{"code": pe.Code, "message": pe.Message, "message_en": pe.MessageEn, "field": pe.Field, "allowed": pe.Allowed}
		}
		_ = enc.Encode(map[string]any{"error": body})
		return 2
	}
	if err := enc.Encode(out); err != nil {
		fmt.Fprintf(stderr, "shebao %s: %v\n", cmd, err)
		return 1
	}
	return 0
}
