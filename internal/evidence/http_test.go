package evidence_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"
	"golang.org/x/mod/sumdb/note"

	"github.com/shebao-project/shebao/internal/evidence"
)

func get(t *testing.T, h http.Handler, target string) (*http.Response, string) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, target, nil))
	body, _ := io.ReadAll(rec.Result().Body)
	return rec.Result(), string(body)
}

func TestHandlerScenarios(t *testing.T) {
	f := newFixture(t)
	h := f.log.Handler()
	if res, body := get(t, h, "/api/v1/log/checkpoint"); res.StatusCode != 404 || !strings.Contains(body, `"code":"no_checkpoint"`) {
		t.Errorf("no checkpoint yet: %d %s", res.StatusCode, body)
	}
	f.appendOrders(t, 0, 3)
	f.checkpoint(t)

	_, vkey := get(t, h, "/api/v1/log/key")
	v, err := note.NewVerifier(strings.TrimSpace(vkey))
	if err != nil {
		t.Fatalf("served key %q: %v", vkey, err)
	}
	res, text := get(t, h, "/api/v1/log/checkpoint")
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
		t.Errorf("checkpoint content type %q", ct)
	}
	n, err := note.Open([]byte(text), note.VerifierList(v))
	if err != nil {
		t.Fatalf("served checkpoint: %v", err)
	}
	cp, _ := evidence.ParseCheckpoint(n.Text)

	res, body := get(t, h, "/api/v1/log/proof?leaf=5&size=12")
	var ip struct {
		LeafIndex uint64   `json:"leaf_index"`
		TreeSize  uint64   `json:"tree_size"`
		LeafHash  []byte   `json:"leaf_hash"`
		Hashes    [][]byte `json:"hashes"`
	}
	if err := json.Unmarshal([]byte(body), &ip); err != nil || res.StatusCode != 200 {
		t.Fatalf("proof: %d %s", res.StatusCode, body)
	}
	if err := proof.VerifyInclusion(rfc6962.DefaultHasher, ip.LeafIndex, ip.TreeSize, ip.LeafHash, ip.Hashes, cp.Root); err != nil {
		t.Errorf("served inclusion proof: %v", err)
	}
	if _, body := get(t, h, "/api/v1/log/consistency?from=12&to=12"); body != `{"from":12,"to":12,"hashes":[]}`+"\n" {
		t.Errorf("trivial consistency proof: %s", body)
	}

	for _, tc := range []struct{ target, code, field string }{
		{"/api/v1/log/proof?size=12", "invalid_parameter", "leaf"},
		{"/api/v1/log/proof?leaf=x&size=12", "invalid_parameter", "leaf"},
		{"/api/v1/log/proof?leaf=-1&size=12", "invalid_parameter", "leaf"},
		{"/api/v1/log/proof?leaf=1", "invalid_parameter", "size"},
		{"/api/v1/log/proof?leaf=1&size=13", "out_of_range", "size"},
		{"/api/v1/log/proof?leaf=12&size=12", "out_of_range", "leaf"},
		{"/api/v1/log/consistency?from=4", "invalid_parameter", "to"},
		{"/api/v1/log/consistency?from=8&to=4", "out_of_range", "from"},
		{"/api/v1/log/consistency?from=4&to=13", "out_of_range", "to"},
	} {
		res, body := get(t, h, tc.target)
		var e struct {
			Error struct{ Code, Message, MessageEn, Field string }
		}
		_ = json.Unmarshal([]byte(body), &e)
		if res.StatusCode != 400 || e.Error.Code != tc.code || e.Error.Field != tc.field || e.Error.Message == "" ||
			!strings.Contains(body, `"message_en"`) {
			t.Errorf("%s: %d %s; want 400 %s on %s", tc.target, res.StatusCode, body, tc.code, tc.field)
		}
	}
	if res, _ := get(t, h, "/api/v1/log/nope"); res.StatusCode != 404 {
		t.Errorf("unknown path: %d", res.StatusCode)
	}
}
