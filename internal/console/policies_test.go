package console_test

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/shebao-project/shebao/internal/console"
	"github.com/shebao-project/shebao/internal/console/consoletest"
	"github.com/shebao-project/shebao/internal/identity"
	"github.com/shebao-project/shebao/internal/operator"
	"github.com/shebao-project/shebao/internal/policy"
	"github.com/shebao-project/shebao/internal/policyadmin"
	"github.com/shebao-project/shebao/policies"
)

// policyConsole boots the console with publishing enabled over the World's
// database, and returns the live engine it publishes into.
func policyConsole(t *testing.T, w *consoletest.World) (http.Handler, *policy.Engine) {
	t.Helper()
	eng, err := policy.Load(policies.FS, w.Clock.Now)
	if err != nil {
		t.Fatal(err)
	}
	svc := policyadmin.NewService(policyadmin.Deps{Store: w.DB.PolicyPacks(), Engine: eng, Files: policies.FS,
		Audit: w.Operators, Now: w.Clock.Now, Log: w.Log})
	if err := svc.Reload(w.Ctx); err != nil {
		t.Fatal(err)
	}
	h, err := console.NewHandler(console.Deps{Operators: w.Operators, Tickets: w.Tickets, Payments: w.Payments, Persons: w.Identity,
		Policies: eng, PolicyAdmin: svc, Store: w.DB.ConsoleStore(), Now: w.Clock.Now, Log: w.Log, Wake: w.Runner.Wake})
	if err != nil {
		t.Fatal(err)
	}
	return h, eng
}

// nextYear is Beijing's 2026-07 pack as next year's notice, 2027-07, with
// a higher floor.
func nextYear(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("../../policies/110000/2026-07.yaml")
	if err != nil {
		t.Fatal(err)
	}
	s := strings.Replace(string(b), `effective_from: "2026-07"`, `effective_from: "2027-07"`, 1)
	return strings.Replace(s, "floor: {fen: 727000", "floor: {fen: 780000", 1)
}

func floorIn(t *testing.T, e *policy.Engine, m string) string {
	t.Helper()
	month, err := policy.ParseMonth(m)
	if err != nil {
		t.Fatal(err)
	}
	v, err := e.RegionAt("110000", month)
	if err != nil {
		t.Fatal(err)
	}
	return v.Floor.Fen.Yuan()
}

var versionField = regexp.MustCompile(`name="version" value="(\d+)"`)

// TestPublishPolicy walks the flow in the console: an administrator
// uploads next year's pack, previews the change and its impact, publishes
// it and rolls it back; a support operator can see but not publish.
func TestPublishPolicy(t *testing.T) {
	w := consoletest.New(t)
	h, eng := policyConsole(t, w)
	for n := 1; n <= 2; n++ {
		p := w.Person(t, n)
		for _, ins := range []string{"110", "310"} {
			if err := w.DB.PutEnrolment(w.Ctx, identity.Enrolment{PersonID: p.ID, Insurance: ins, Status: "active", Since: "2025-01", Base: "floor"}); err != nil {
				t.Fatal(err)
			}
		}
	}
	admin := signIn(t, w, "admin.wang", operator.Administrator)
	support := signIn(t, w, "kefu.li", operator.Support)

	rec := do(t, h, http.MethodGet, "/admin/policies/new", admin, nil)
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `enctype="multipart/form-data"`) {
		t.Fatalf("upload form: %d %s", rec.Code, rec.Body.String())
	}
	rec = do(t, h, http.MethodPost, "/admin/policies/preview", admin, url.Values{"yaml": {nextYear(t)}})
	body := rec.Body.String()
	if rec.Code != http.StatusOK {
		t.Fatalf("preview: %d %s", rec.Code, body)
	}
	// 2 persons × (7800 − 7270) × (0.20 + 0.108) = 2 × 163.24 more a month.
	for _, want := range []string{"7270.00 元", "7800.00 元", "+¥326.48", "¥163.24", "发布，2027-07 起生效", "接替 110000@2026-07"} {
		if !strings.Contains(body, want) {
			t.Errorf("preview lacks %q", want)
		}
	}
	if strings.Contains(body, `src="http`) || strings.Contains(body, `href="http`) {
		t.Error("preview refers to another host")
	}
	m := versionField.FindStringSubmatch(body)
	if m == nil {
		t.Fatal("no version on the preview")
	}
	// A new form each time: do adds the session's CSRF token to it.
	publish := func() url.Values {
		return url.Values{"yaml": {nextYear(t)}, "version": {m[1]}, "reason": {"京人社发〔2027〕号"}}
	}

	if rec := do(t, h, http.MethodPost, "/admin/policies/publish", support, publish()); rec.Code != http.StatusForbidden {
		t.Fatalf("support publishing: %d", rec.Code)
	}
	if rec := do(t, h, http.MethodGet, "/admin/policies/new", support, nil); rec.Code != http.StatusForbidden {
		t.Fatalf("support opening the form: %d", rec.Code)
	}
	if got := floorIn(t, eng, "2027-07"); got != "7270.00" {
		t.Fatalf("floor %s before publishing", got)
	}
	rec = do(t, h, http.MethodPost, "/admin/policies/publish", admin, publish())
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/admin/policies?done=policy_published" {
		t.Fatalf("publish: %d %s %s", rec.Code, rec.Header().Get("Location"), rec.Body.String())
	}
	if got := floorIn(t, eng, "2027-07"); got != "7800.00" {
		t.Fatalf("floor %s after publishing", got)
	}
	es, _ := w.Operators.Recent(w.Ctx, 0, 1)
	if es[0].Action != "policy.publish" || es[0].Operator != "admin.wang" || es[0].Reason != "京人社发〔2027〕号" {
		t.Fatalf("not audited: %+v", es[0])
	}

	rec = do(t, h, http.MethodGet, "/admin/policies", support, nil)
	body = rec.Body.String()
	if !strings.Contains(body, "published/1/110000/2027-07.yaml") || !strings.Contains(body, "生效中") || strings.Contains(body, "回滚理由") {
		t.Fatalf("support's list: %s", body)
	}
	if rec := do(t, h, http.MethodGet, "/admin/policies/1", support, nil); rec.Code != 200 || !strings.Contains(rec.Body.String(), "floor: {fen: 780000") {
		t.Fatalf("pack page: %d", rec.Code)
	}
	if rec := do(t, h, http.MethodPost, "/admin/policies/1/rollback", support, url.Values{"reason": {"试试"}}); rec.Code != http.StatusForbidden {
		t.Fatalf("support rolling back: %d", rec.Code)
	}
	if !strings.Contains(do(t, h, http.MethodGet, "/admin/policies", admin, nil).Body.String(), "回滚理由") {
		t.Fatal("no roll-back form for the administrator")
	}
	rec = do(t, h, http.MethodPost, "/admin/policies/1/rollback", admin, url.Values{"reason": {"基数录入错误"}})
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("roll back: %d %s", rec.Code, rec.Body.String())
	}
	if got := floorIn(t, eng, "2027-07"); got != "7270.00" {
		t.Fatalf("floor %s after the roll-back", got)
	}
	if es, _ := w.Operators.Recent(w.Ctx, 0, 1); es[0].Action != "policy.rollback" {
		t.Fatalf("roll-back not audited: %+v", es[0])
	}
	// The old preview is stale now: publishing from it shows it again, redone.
	rec = do(t, h, http.MethodPost, "/admin/policies/publish", admin, publish())
	if rec.Code != http.StatusConflict || !strings.Contains(rec.Body.String(), "请重新预览") {
		t.Fatalf("stale publish: %d %s", rec.Code, rec.Body.String())
	}
}

// TestPolicyProblemsShown: an upload with problems is shown with each one in
// Chinese and English, and an uploaded file is read like pasted text.
func TestPolicyProblemsShown(t *testing.T) {
	w := consoletest.New(t)
	h, _ := policyConsole(t, w)
	admin := signIn(t, w, "admin.wang", operator.Administrator)
	bad := strings.Replace(nextYear(t), "ceiling: {fen: 3634800", "ceiling: {fen: 700000", 1)

	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	_ = mw.WriteField("csrf", console.CSRFToken(admin))
	_ = mw.WriteField("yaml", "")
	fw, _ := mw.CreateFormFile("file", "2027-07.yaml")
	_, _ = fw.Write([]byte(strings.ReplaceAll(bad, "\n", "\r\n")))
	_ = mw.Close()
	r := httptest.NewRequest(http.MethodPost, "/admin/policies/preview", &buf)
	r.Header.Set("Content-Type", mw.FormDataContentType())
	r.AddCookie(&http.Cookie{Name: "sb_admin", Value: admin})
	rec := serve(h, r)
	body := rec.Body.String()
	if rec.Code != http.StatusUnprocessableEntity {
		t.Fatalf("bad pack: %d %s", rec.Code, body)
	}
	for _, want := range []string{"不能发布", "缴费基数下限 780000 分高于上限 700000 分", "floor 780000 fen is above ceiling 700000 fen", "重新预览"} {
		if !strings.Contains(body, want) {
			t.Errorf("problems page lacks %q", want)
		}
	}
	if strings.Contains(body, "/admin/policies/publish") {
		t.Error("a pack with problems offers to publish")
	}
	rec = do(t, h, http.MethodPost, "/admin/policies/preview", admin, url.Values{"yaml": {"  "}})
	if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), "请粘贴或上传政策包") {
		t.Fatalf("empty upload: %d", rec.Code)
	}
}
