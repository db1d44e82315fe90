package payment_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/shebao-project/shebao/internal/billing"
	"github.com/shebao-project/shebao/internal/coresys"
	"github.com/shebao-project/shebao/internal/identity"
	"github.com/shebao-project/shebao/internal/jobs"
	"github.com/shebao-project/shebao/internal/money"
	"github.com/shebao-project/shebao/internal/payment"
	"github.com/shebao-project/shebao/internal/payment/wechatpay"
	"github.com/shebao-project/shebao/internal/pii"
	coresandbox "github.com/shebao-project/shebao/internal/sandbox/coresys"
	"github.com/shebao-project/shebao/internal/sandbox/sms"
	wxsandbox "github.com/shebao-project/shebao/internal/sandbox/wechatpay"
	"github.com/shebao-project/shebao/internal/store/sqlite"
	"github.com/shebao-project/shebao/internal/voucher"
)

// The harness wires the real parts the way internal/app does (SQLite, the
// identity service, the WeChat Pay adapter over the official SDK talking to
// the WeChat Pay sandbox, the core-system client talking to the core
// sandbox), all in-process on loopback. Only time is controlled: the payment
// service and the job runner read clock, which tests move forward; the WeChat
// sandbox keeps real time because the SDK checks notification timestamps
// against time.Now.

const (
	wxPrefix   = "/sandbox/wechatpay"
	corePrefix = "/sandbox/core"
	period     = "2026-06"
)

// Bill amounts of the default person: Beijing pension and medical, one month.
const (
	pensionFen money.Fen = 80_000
	medicalFen money.Fen = 30_000
)

// clock is a controllable clock that only moves forward.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// credentials are generated once: two RSA-2048 keys cost most of a test's time.
var credentials = sync.OnceValues(func() (*wxsandbox.Credentials, error) {
	return wxsandbox.GenerateCredentials(rand.Reader, time.Now())
})

// Notify endpoint modes.
const (
	notifyHandle int32 = iota // pass to svc.HandleNotification
	notifyFail                // answer 500 without looking: our side is failing
	notifyRecord              // keep the request for replay and answer 204
)

type capturedNotify struct {
	body   []byte
	header http.Header
}

type harness struct {
	ctx      context.Context
	clock    *clock
	db       *sqlite.DB
	ids      *identity.Service
	svc      *payment.Service
	runner   *jobs.Runner
	provider *wechatpay.Provider
	signer   *voucher.Signer
	creds    *wxsandbox.Credentials
	wx       *wxsandbox.Server
	wxURL    string // sandbox base URL including its mount prefix
	core     *coresandbox.Server
	coreURL  string
	person   *identity.Person
	pension  string // bill ids of the default person
	medical  string

	notifyMode atomic.Int32
	notifyErrs atomic.Int32 // HandleNotification errors answered 5xx/401
	recorded   chan capturedNotify
	corePosts  atomic.Int32 // posting attempts that reached the core system
	prepayHook func()       // if set (before any concurrency), runs before each Prepay
	lookupHook func()       // likewise, after each idempotency-key lookup
}

// hookedStore is the real store with a hook after the idempotency lookup.
type hookedStore struct {
	payment.Store
	h *harness
}

func (s hookedStore) OrderByIdempotencyKey(ctx context.Context, payerID, key string) (payment.Order, error) {
	o, err := s.Store.OrderByIdempotencyKey(ctx, payerID, key)
	if s.h.lookupHook != nil {
		s.h.lookupHook()
	}
	return o, err
}

// InGroupTx keeps the SQLite store's group commit (payment.GroupCommitter)
// visible through the wrapper, so tests and benchmarks take the production
// path.
func (s hookedStore) InGroupTx(ctx context.Context, fn func(payment.Tx) error) error {
	return s.Store.(payment.GroupCommitter).InGroupTx(ctx, fn)
}

// hooked is the real provider with a hook before Prepay, so a test can hold
// a prepay in flight: instrumentation, not a mock.
type hooked struct {
	payment.Provider
	h *harness
}

// holdFirstPrepay makes the next Prepay wait, after the order is stored and
// its bills locked, until release is called; entered is closed when it waits.
func (h *harness) holdFirstPrepay() (entered <-chan struct{}, release func()) {
	in, out := make(chan struct{}), make(chan struct{})
	var first atomic.Bool
	h.prepayHook = func() {
		if first.CompareAndSwap(false, true) {
			close(in)
			<-out
		}
	}
	return in, sync.OnceFunc(func() { close(out) })
}

// RequiresOpenID forwards to the wrapped provider (WeChat Pay JSAPI: yes).
func (p hooked) RequiresOpenID() bool {
	r, ok := p.Provider.(payment.PayerAccountRequired)
	return ok && r.RequiresOpenID()
}

func (p hooked) Prepay(ctx context.Context, r payment.PrepayRequest) (*payment.PayParams, error) {
	if p.h.prepayHook != nil {
		p.h.prepayHook()
	}
	return p.Provider.Prepay(ctx, r)
}

// counting counts the requests that go through it: instrumentation, not a mock.
type counting struct{ n *atomic.Int32 }

func (c counting) RoundTrip(r *http.Request) (*http.Response, error) {
	c.n.Add(1)
	return http.DefaultTransport.RoundTrip(r)
}

// rules: WeChat Pay only; limits set per test (zero means none).
type rules struct{ perPayment, perDay money.Fen }

func (r rules) ChannelLimits(string, string, time.Time) (money.Fen, money.Fen) {
	return r.perPayment, r.perDay
}

func (rules) ChannelAllowed(_, channel string, _ time.Time) bool { return channel == "wechatpay" }

func (rules) PaidWith(_, _, insurance, _ string) string {
	if insurance == "310" {
		return "110"
	}
	return ""
}

func agency(string) payment.Agency {
	return payment.Agency{Name: "北京市社会保险事业管理中心（测试）", CreditCode: "12110000MB0000001X", BillCode: "11010601"}
}

func insuranceName(code string) string {
	return map[string]string{"110": "企业职工基本养老保险", "310": "职工基本医疗保险"}[code]
}

func newHarness(t testing.TB, opts ...func(*payment.Deps)) *harness {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	dir := t.TempDir()
	h := &harness{ctx: ctx, clock: &clock{t: time.Now()}, recorded: make(chan capturedNotify, 16)}
	log := slog.New(slog.DiscardHandler)
	var err error
	if h.creds, err = credentials(); err != nil {
		t.Fatal(err)
	}
	if h.db, err = sqlite.Open(ctx, filepath.Join(dir, "shebao.db")); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = h.db.Close() })
	sealer, err := pii.NewSealer(bytes.Repeat([]byte{7}, pii.KeySize), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	sm2Key, err := voucher.LoadOrCreateKey(filepath.Join(dir, "keys", "agency-sm2.pem"), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	h.signer = voucher.NewSigner(sm2Key)
	h.ids = identity.NewService(identity.Deps{Store: h.db, Sealer: sealer, SMS: sms.NewOutbox(h.clock.Now),
		Now: h.clock.Now, Random: rand.Reader, Log: log})

	// WeChat Pay sandbox on real time, retrying every 10 ms three times.
	h.wx, err = wxsandbox.NewServer(wxsandbox.Config{Credentials: h.creds, MountPrefix: wxPrefix, Logger: log,
		HTTPClient: &http.Client{Timeout: 5 * time.Second}, AllowHTTPNotify: true, PollInterval: 5 * time.Millisecond,
		NotifySchedule: []time.Duration{10 * time.Millisecond, 10 * time.Millisecond, 10 * time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	wxTS := httptest.NewServer(h.wx)
	t.Cleanup(wxTS.Close)
	h.wxURL = wxTS.URL + wxPrefix
	h.core = coresandbox.New(corePrefix, h.clock.Now)
	coreTS := httptest.NewServer(h.core)
	t.Cleanup(coreTS.Close)
	h.coreURL = coreTS.URL + corePrefix
	notifyTS := httptest.NewServer(http.HandlerFunc(h.serveNotify))
	t.Cleanup(notifyTS.Close)

	h.provider, err = wechatpay.New(ctx, wechatpay.Config{
		MchID: h.creds.MchID, AppID: h.creds.AppID, MerchantSerial: h.creds.MerchantSerial, MerchantKey: h.creds.MerchantKey,
		PublicKeyID: h.creds.PublicKeyID, PublicKey: &h.creds.PlatformKey.PublicKey, APIv3Key: h.creds.APIv3Key,
		BaseURL: h.wxURL, NotifyURL: notifyTS.URL + "/api/v1/payments/wechatpay/notify", CashierURL: h.wxURL + "/cashier/",
	})
	if err != nil {
		t.Fatal(err)
	}
	h.runner = jobs.NewRunner(h.db, h.clock.Now, log)
	core := &coresys.Client{BaseURL: h.coreURL, HTTP: &http.Client{Timeout: 5 * time.Second, Transport: counting{&h.corePosts}}}
	deps := payment.Deps{
		Store: hookedStore{h.db.Payments(), h}, Providers: map[string]payment.Provider{"wechatpay": hooked{h.provider, h}},
		Core: core, Persons: h.ids, Rules: rules{}, Signer: h.signer, Agency: agency, InsuranceName: insuranceName,
		Now: h.clock.Now, Random: rand.Reader, Log: log,
	}
	for _, o := range opts {
		o(&deps)
	}
	h.svc = payment.NewService(deps)
	for _, k := range payment.JobKinds() {
		if k != payment.JobReconcile { // tests reconcile by calling Reconcile
			h.runner.Handle(k, h.svc.RunJob)
		}
	}
	// Deliveries start only now that svc is set; cleanup stops them first.
	done := make(chan struct{})
	go func() { defer close(done); h.wx.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })

	h.person = h.register(t, 1)
	h.pension = h.bill(t, h.person.ID, "110", period, pensionFen)
	h.medical = h.bill(t, h.person.ID, "310", period, medicalFen)
	return h
}

// serveNotify is our notify_url, answering as the API surface does.
func (h *harness) serveNotify(w http.ResponseWriter, r *http.Request) {
	switch h.notifyMode.Load() {
	case notifyFail:
		w.WriteHeader(http.StatusInternalServerError)
		return
	case notifyRecord:
		body, _ := io.ReadAll(r.Body)
		h.recorded <- capturedNotify{body: body, header: r.Header.Clone()}
		w.WriteHeader(http.StatusNoContent)
		return
	}
	err := h.svc.HandleNotification(r.Context(), "wechatpay", r)
	switch {
	case err == nil:
		w.WriteHeader(http.StatusNoContent)
	case errors.Is(err, payment.ErrBadNotification):
		h.notifyErrs.Add(1)
		w.WriteHeader(http.StatusUnauthorized)
	default:
		h.notifyErrs.Add(1)
		w.WriteHeader(http.StatusInternalServerError)
	}
}

// register makes insured person n (Beijing, flexible worker) with a valid
// GB 11643 ID number and an openid.
func (h *harness) register(t testing.TB, n int) *identity.Person {
	t.Helper()
	first17 := fmt.Sprintf("110105198503%02d451", n)
	check, ok := identity.IDCheckDigit(first17)
	if !ok {
		t.Fatalf("bad id prefix %s", first17)
	}
	p, err := h.ids.Register(h.ctx, identity.NewPerson{
		ID: fmt.Sprintf("per_test%02d", n), Region: "110000", Type: identity.Flexible, Name: "张伟",
		IDNumber: first17 + string(check), Phone: fmt.Sprintf("138000000%02d", n), OpenID: fmt.Sprintf("oSBtest%021d", n),
	})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func (h *harness) bill(t testing.TB, personID, insurance, per string, amount money.Fen) string {
	t.Helper()
	id := fmt.Sprintf("bil_%s_%s_%s", personID, insurance, per)
	err := h.db.InsertBill(h.ctx, billing.Bill{ID: id, PersonID: personID, Insurance: insurance, Period: per,
		Kind: billing.Current, BaseFen: 500_000, Rate: "0.16", AmountFen: amount, Policy: "110000@2026-01",
		Status: billing.Due, CreatedAt: h.clock.Now()})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func (h *harness) create(key string, billIDs ...string) (*payment.OrderWithPay, error) {
	return h.svc.CreateOrder(h.ctx, h.person, payment.CreateOrderRequest{BillIDs: billIDs, Channel: "wechatpay", IdempotencyKey: key})
}

func (h *harness) mustCreate(t testing.TB, key string, billIDs ...string) *payment.OrderWithPay {
	t.Helper()
	o, err := h.create(key, billIDs...)
	if err != nil {
		t.Fatalf("CreateOrder(%s): %v", key, err)
	}
	if o.Order.State != payment.AwaitingPayment || o.Pay == nil || o.Pay.PrepayID == "" {
		t.Fatalf("CreateOrder(%s) = %s with pay %+v, want awaiting_payment with a prepay_id", key, o.Order.State, o.Pay)
	}
	return o
}

// cashier simulates the payer's choice in WeChat's payment sheet and returns
// the sandbox's HTTP status.
func (h *harness) cashier(t testing.TB, prepayID, outcome string) int {
	t.Helper()
	return h.post(t, h.wxURL+"/cashier/"+prepayID, map[string]string{"outcome": outcome})
}

func (h *harness) pay(t testing.TB, prepayID string) {
	t.Helper()
	if st := h.cashier(t, prepayID, "success"); st != http.StatusOK {
		t.Fatalf("cashier success: status %d", st)
	}
}

func (h *harness) post(t testing.TB, url string, v any) int {
	t.Helper()
	body, _ := json.Marshal(v)
	resp, err := http.Post(url, "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode
}

func (h *harness) coreDown(t testing.TB, down bool) {
	t.Helper()
	if st := h.post(t, h.coreURL+"/control/faults", coresandbox.Faults{Down: down}); st != http.StatusOK {
		t.Fatalf("core faults: status %d", st)
	}
}

func (h *harness) wxFaults(t testing.TB, f wxsandbox.Faults) {
	t.Helper()
	if err := h.wx.SetFaults(f); err != nil {
		t.Fatal(err)
	}
}

// settle waits until the sandbox has finished every delivery for the order
// (acknowledged or given up) and at least want deliveries exist.
func (h *harness) settle(t testing.TB, outTradeNo string, want int) {
	t.Helper()
	h.waitFor(t, "deliveries for "+outTradeNo, func() bool {
		n := 0
		for _, d := range h.wx.Notifications() {
			if d.OutTradeNo != outTradeNo {
				continue
			}
			if !d.Delivered && !d.Exhausted {
				return false
			}
			n++
		}
		return n >= want
	})
}

func (h *harness) waitFor(t testing.TB, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// drain runs due jobs until none is left due at the current clock.
func (h *harness) drain(t testing.TB) {
	t.Helper()
	for i := 0; h.runner.RunDue(h.ctx) > 0; i++ {
		if i == 20 {
			t.Fatal("jobs keep coming due")
		}
	}
}

func (h *harness) order(t testing.TB, id string) payment.Order {
	t.Helper()
	o, err := h.svc.OrderFor(h.ctx, h.person.ID, id)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func (h *harness) bills(t testing.TB, ids ...string) []billing.Bill {
	t.Helper()
	bs, err := h.db.BillsByIDs(h.ctx, ids)
	if err != nil || len(bs) != len(ids) {
		t.Fatalf("bills %v: %d, %v", ids, len(bs), err)
	}
	return bs
}

// forgedNotification builds a TRANSACTION.SUCCESS notification for
// outTradeNo claiming total fen were paid, encrypted with the APIv3 key and
// signed with the sandbox's platform key (which the test holds), exactly as
// WeChat Pay would send it. With badSig the signature is over other bytes.
func (h *harness) forgedNotification(t testing.TB, outTradeNo string, total int64, badSig bool) *http.Request {
	t.Helper()
	now := time.Now()
	suffix := rand.Text()[:10]
	plain, _ := json.Marshal(map[string]any{
		"appid": h.creds.AppID, "mchid": h.creds.MchID, "out_trade_no": outTradeNo, "transaction_id": "42000" + suffix,
		"trade_type": "JSAPI", "trade_state": "SUCCESS", "trade_state_desc": "支付成功", "bank_type": "OTHERS",
		"success_time": now.Format(time.RFC3339), "payer": map[string]string{"openid": h.person.OpenID},
		"amount": map[string]any{"total": total, "payer_total": total, "currency": "CNY", "payer_currency": "CNY"},
	})
	return h.signedNotification(t, plain, "EV-"+suffix, badSig)
}

// signedNotification wraps a transaction's plaintext as WeChat Pay would:
// encrypted with the APIv3 key, in an event signed by the platform key
// (with badSig, over a body one byte longer than the one sent).
func (h *harness) signedNotification(t testing.TB, plain []byte, eventID string, badSig bool) *http.Request {
	t.Helper()
	now := time.Now()
	block, err := aes.NewCipher([]byte(h.creds.APIv3Key))
	if err != nil {
		t.Fatal(err)
	}
	gcm, _ := cipher.NewGCM(block)
	nonce := rand.Text()[:12]
	body, _ := json.Marshal(map[string]any{
		"id": eventID, "create_time": now.Format(time.RFC3339), "resource_type": "encrypt-resource",
		"event_type": "TRANSACTION.SUCCESS", "summary": "支付成功",
		"resource": map[string]string{"original_type": "transaction", "algorithm": "AEAD_AES_256_GCM", "associated_data": "transaction",
			"nonce": nonce, "ciphertext": base64.StdEncoding.EncodeToString(gcm.Seal(nil, []byte(nonce), plain, []byte("transaction")))},
	})
	ts, sigNonce := strconv.FormatInt(now.Unix(), 10), rand.Text()
	signed := body
	if badSig {
		signed = append(slices.Clone(body), ' ')
	}
	sum := sha256.Sum256([]byte(ts + "\n" + sigNonce + "\n" + string(signed) + "\n"))
	sig, err := rsa.SignPKCS1v15(nil, h.creds.PlatformKey, crypto.SHA256, sum[:])
	if err != nil {
		t.Fatal(err)
	}
	r := httptest.NewRequest(http.MethodPost, "/api/v1/payments/wechatpay/notify", bytes.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("Wechatpay-Timestamp", ts)
	r.Header.Set("Wechatpay-Nonce", sigNonce)
	r.Header.Set("Wechatpay-Signature", base64.StdEncoding.EncodeToString(sig))
	r.Header.Set("Wechatpay-Serial", h.creds.PublicKeyID)
	r.Header.Set("Wechatpay-Signature-Type", "WECHATPAY2-SHA256-RSA2048")
	return r
}
