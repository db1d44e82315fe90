package browsertest

import (
	"bytes"
	"compress/gzip"
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/shebao-project/shebao/internal/app"
	"github.com/shebao-project/shebao/internal/config"
	"github.com/shebao-project/shebao/internal/sandbox/sms"
)

//go:embed testdata/axe-core/axe.min.js
var axeSource string

// chromiumPath finds the browser: $CHROMIUM, Debian's /usr/bin/chromium, or
// a chromium on $PATH; "" when there is none.
func chromiumPath() string {
	if p := os.Getenv("CHROMIUM"); p != "" {
		return p
	}
	if _, err := os.Stat("/usr/bin/chromium"); err == nil {
		return "/usr/bin/chromium"
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// startBrowser starts one headless Chromium for the test; flows open their
// own tab in their own browser context (own cookies) in it.
func startBrowser(t *testing.T) context.Context {
	t.Helper()
	bin := chromiumPath()
	if bin == "" {
		t.Skip("no Chromium: set CHROMIUM or install Debian's chromium (.ci/browser-setup.sh) to run the browser tests")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(bin),
		chromedp.NoSandbox, // CI runs as root
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("lang", "zh-CN"),
		chromedp.UserDataDir(t.TempDir()),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	bctx, cancelBrowser := chromedp.NewContext(actx)
	if err := chromedp.Do(bctx); err != nil {
		cancelBrowser()
		cancelAlloc()
		t.Fatalf("start Chromium %s: %v", bin, err)
	}
	t.Cleanup(func() { cancelBrowser(); cancelAlloc() })
	return bctx
}

// server is one running shebao with its own data directory and demo people.
type server struct {
	URL string
	hc  *http.Client
}

func startServer(t *testing.T) *server {
	t.Helper()
	run, err := app.Start(t.Context(), config.Config{Addr: "127.0.0.1:0", DataDir: t.TempDir(), Demo: true, LogFormat: "text", LogLevel: "warn"},
		app.Options{
			NotifySchedule: []time.Duration{20 * time.Millisecond, 40 * time.Millisecond, 80 * time.Millisecond, 160 * time.Millisecond},
			Log:            slog.New(slog.DiscardHandler),
		})
	if err != nil {
		t.Fatalf("app.Start: %v", err)
	}
	t.Cleanup(func() {
		if err := run.Stop(10 * time.Second); err != nil {
			t.Errorf("stop: %v", err)
		}
	})
	return &server{URL: run.URL, hc: &http.Client{Timeout: 10 * time.Second}}
}

// smsCode reads the newest code sent to phone from the sandbox outbox.
func (s *server) smsCode(t *testing.T, phone string) string {
	t.Helper()
	res, err := s.hc.Get(s.URL + "/sandbox/sms?phone=" + url.QueryEscape(phone))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out struct {
		Messages []sms.Message `json:"messages"`
	}
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil {
		t.Fatalf("SMS outbox for %s: %v", phone, err)
	}
	if c := sms.NewestCode(out.Messages); c != "" {
		return c
	}
	t.Fatalf("no SMS code for %s in the outbox", phone)
	return ""
}

// gzipSize is how many bytes b takes gzipped, as a server would send it.
func gzipSize(b []byte) int {
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	_, _ = w.Write(b)
	_ = w.Close()
	return buf.Len()
}

// recorder is installed in every document before its scripts run: it
// records what the voice guidance says instead of sending it to a speech
// engine (headless Chromium has none), and catches script errors and CSP
// violations.
const recorder = `(() => {
  window.__spoken = [];
  window.__errors = [];
  addEventListener('error', e => window.__errors.push('error: ' + e.message));
  document.addEventListener('securitypolicyviolation', e => window.__errors.push('CSP ' + e.violatedDirective + ' ' + e.blockedURI));
  const synth = {
    speaking: false, pending: false, paused: false,
    speak(u) { window.__spoken.push({text: u.text, lang: u.lang}); setTimeout(() => { u.onstart && u.onstart({}); u.onend && u.onend({}); }, 0); },
    cancel() {}, pause() {}, resume() {}, getVoices() { return []; },
    addEventListener() {}, removeEventListener() {},
  };
  Object.defineProperty(window, 'speechSynthesis', {value: synth, configurable: true});
})();`

// tab is one flow's browser tab, with its own cookies.
type tab struct {
	t   *testing.T
	ctx context.Context
	srv *server

	mu   sync.Mutex
	docs map[string]network.RequestID // document URL → its latest response
	last network.RequestID            // the latest document response
}

func newTab(t *testing.T, browser context.Context, srv *server) *tab {
	t.Helper()
	ctx, cancel := chromedp.NewContext(browser, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	tb := &tab{t: t, ctx: ctx, srv: srv, docs: map[string]network.RequestID{}}
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(375, 812, chromedp.EmulateMobile)); err != nil {
		t.Fatalf("viewport: %v", err)
	}
	responses := chromedp.Events(ctx, network.ResponseReceived)
	go func() {
		for ev, err := range responses {
			if err != nil {
				return
			}
			if ev.Type == network.ResourceTypeDocument {
				tb.mu.Lock()
				tb.last = ev.RequestID
				tb.mu.Unlock()
			}
		}
	}()
	// A browser set to Chinese: English pages come from the visible switch.
	if _, err := chromedp.Call(ctx, network.SetExtraHTTPHeaders, network.SetExtraHTTPHeadersParams{
		Headers: network.Headers{"Accept-Language": "zh-CN,zh;q=0.9"}}); err != nil {
		t.Fatalf("accept-language: %v", err)
	}
	if _, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: recorder}); err != nil {
		t.Fatalf("install recorder: %v", err)
	}
	return tb
}

func (tb *tab) do(actions ...chromedp.Action[chromedp.Void]) {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		tb.t.Fatalf("browser: %v", err)
	}
}

// eval evaluates a JavaScript expression (awaiting a promise) into T.
func eval[T any](tb *tab, js string) T {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, 30*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js, chromedp.EvalAwaitPromise))
	if err != nil {
		tb.t.Fatalf("evaluate %.80q: %v", js, err)
	}
	return v
}

// open navigates by URL (for pages the flow does not reach by keyboard).
func (tb *tab) open(path string) {
	tb.t.Helper()
	tb.do(chromedp.Navigate(tb.srv.URL + path))
	tb.settle()
}

// settle waits until the document has loaded and its deferred scripts ran.
func (tb *tab) settle() {
	tb.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(tb.ctx, 5*time.Second)
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.readyState === 'complete' && !window.__leaving`))
		cancel()
		if err == nil && ok {
			return
		}
		time.Sleep(30 * time.Millisecond)
	}
	tb.t.Fatalf("page did not load")
}

// press sends keys and, when they navigate, waits for the next page.
func (tb *tab) press(keys string, navigates bool) {
	tb.t.Helper()
	if navigates {
		eval[bool](tb, `window.__leaving = true`)
	}
	tb.do(chromedp.KeyEvent(keys))
	if navigates {
		tb.settle()
	}
}

// tabTo presses Tab until the focused element matches selector, checking
// on the way that every focused element shows where the focus is.
func (tb *tab) tabTo(selector string) {
	tb.t.Helper()
	for i := 0; i < 60; i++ {
		tb.do(chromedp.KeyEvent(kb.Tab))
		st := eval[focusState](tb, fmt.Sprintf(`(() => {
  const el = document.activeElement;
  const cs = getComputedStyle(el);
  const visible = (cs.outlineStyle !== 'none' && parseFloat(cs.outlineWidth) >= 2) || cs.boxShadow !== 'none';
  return {match: el.matches(%q), visible, what: el.outerHTML.slice(0, 120)};
})()`, selector))
		if !st.Visible {
			tb.t.Errorf("%s: focus is not visible on %s", tb.path(), st.What)
		}
		if st.Match {
			return
		}
	}
	tb.t.Fatalf("%s: Tab never reached %s", tb.path(), selector)
}

type focusState struct {
	Match   bool   `json:"match"`
	Visible bool   `json:"visible"`
	What    string `json:"what"`
}

// typeText types text into the focused field.
func (tb *tab) typeText(s string) { tb.t.Helper(); tb.do(chromedp.KeyEvent(s)) }

func (tb *tab) path() string {
	loc, err := chromedp.Run(tb.ctx, chromedp.Location())
	if err != nil {
		return "?"
	}
	u, _ := url.Parse(loc)
	return u.RequestURI()
}

// text is the visible text of the main content.
func (tb *tab) text() string {
	tb.t.Helper()
	return eval[string](tb, `document.querySelector('main') ? document.querySelector('main').innerText : document.body.innerText`)
}

// waitText reloads nothing: it waits for the page (which updates itself)
// to show s.
func (tb *tab) waitText(s string) {
	tb.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(tb.ctx, 5*time.Second)
		txt, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.readyState === 'complete' && document.body ? document.body.innerText : ''`))
		cancel()
		if err == nil && strings.Contains(txt, s) {
			tb.settle()
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	tb.t.Fatalf("%s never showed %q; it shows:\n%s", tb.path(), s, tb.text())
}

// documentBytes is the body of the current document as the server sent it.
func (tb *tab) documentBytes() []byte {
	tb.t.Helper()
	tb.mu.Lock()
	id := tb.last
	tb.mu.Unlock()
	res, err := chromedp.Call(tb.ctx, network.GetResponseBody, network.GetResponseBodyParams{RequestID: id})
	if err != nil {
		tb.t.Fatalf("%s: response body: %v", tb.path(), err)
	}
	return res.Body
}

// resourceBytes fetches a same-origin resource as a first visit would.
func (tb *tab) resourceBytes(u string) []byte {
	tb.t.Helper()
	res, err := tb.srv.hc.Get(u)
	if err != nil {
		tb.t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		tb.t.Fatal(err)
	}
	return b
}

// screenshot saves the viewport as dir/name.png when SHEBAO_SCREENSHOTS
// names a directory (relative paths are from the module root).
func (tb *tab) screenshot(name string) {
	tb.t.Helper()
	dir := os.Getenv("SHEBAO_SCREENSHOTS")
	if dir == "" {
		return
	}
	if !filepath.IsAbs(dir) {
		dir = filepath.Join(moduleRoot(tb.t), dir)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		tb.t.Fatal(err)
	}
	eval[bool](tb, `(window.scrollTo(0, 0), document.activeElement && document.activeElement.blur && document.activeElement.blur(), true)`)
	ctx, cancel := context.WithTimeout(tb.ctx, 20*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		tb.t.Fatalf("screenshot: %v", err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		tb.t.Fatal(err)
	}
}

func moduleRoot(t *testing.T) string {
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d
		}
		if filepath.Dir(d) == d {
			return dir
		}
	}
}
