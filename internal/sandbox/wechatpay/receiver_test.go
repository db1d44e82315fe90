package wechatpay_test

import (
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wechatpay-apiv3/wechatpay-go/core/auth/verifiers"
	"github.com/wechatpay-apiv3/wechatpay-go/core/notify"
)

// received is one notification the merchant accepted, as the SDK parsed it.
type received struct {
	req     *notify.Request
	content map[string]any
}

// receiver is the merchant's notify_url, built on the SDK's notify handler
// exactly as the platform's adapter would verify and decrypt.
type receiver struct {
	ts    *httptest.Server
	fail  atomic.Int32 // answer this many next requests with 500
	hits  atomic.Int32 // every request, failed or not
	got   chan received
	bad   chan error
	order chan string // out_trade_no / out_refund_no in arrival order
}

func newReceiver(t *testing.T) *receiver {
	t.Helper()
	h := notify.NewNotifyHandler(creds.APIv3Key, verifiers.NewSHA256WithRSAPubkeyVerifier(creds.PublicKeyID, creds.PlatformKey.PublicKey))
	rc := &receiver{got: make(chan received, 64), bad: make(chan error, 64), order: make(chan string, 64)}
	rc.ts = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rc.hits.Add(1)
		if rc.fail.Add(-1) >= 0 {
			w.WriteHeader(http.StatusInternalServerError)
			_, _ = w.Write([]byte(`{"code":"FAIL","message":"失败"}`))
			return
		}
		var content map[string]any
		req, err := h.ParseNotifyRequest(r.Context(), r, &content)
		if err != nil {
			rc.bad <- err
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		key, _ := content["out_refund_no"].(string)
		if key == "" {
			key, _ = content["out_trade_no"].(string)
		}
		rc.order <- key
		rc.got <- received{req: req, content: content}
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(rc.ts.Close)
	return rc
}

func (rc *receiver) url() string { return rc.ts.URL + "/notify/wechatpay" }

// next waits for the next accepted notification.
func (rc *receiver) next(t *testing.T) received {
	t.Helper()
	select {
	case n := <-rc.got:
		return n
	case err := <-rc.bad:
		t.Fatalf("notification rejected by the SDK: %v", err)
	case <-time.After(3 * time.Second):
		t.Fatal("no notification arrived")
	}
	return received{}
}

// none asserts that no further notification arrives for a little while.
func (rc *receiver) none(t *testing.T) {
	t.Helper()
	select {
	case n := <-rc.got:
		t.Fatalf("unexpected notification %s %v", n.req.ID, n.content)
	case <-time.After(100 * time.Millisecond):
	}
}
