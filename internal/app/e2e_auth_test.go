package app_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/shebao-project/shebao/internal/app"
	"github.com/shebao-project/shebao/internal/config"
	"github.com/shebao-project/shebao/internal/identity"
)

func demoID(first17 string) string {
	c, _ := identity.IDCheckDigit(first17)
	return first17 + string(c)
}

// TestE2EEcardPassword: set the e-card password with an SMS code, sign in
// with it, and get locked out after five wrong tries.
func TestE2EEcardPassword(t *testing.T) {
	t.Parallel()
	e := startApp(t)
	token, _ := e.login(t, "13800000003")
	id := demoID("32010219920215622")
	wantError(t, e.call(t, "POST", "/api/v1/auth/sessions", "", nil, map[string]string{"method": "ecard_password", "id_number": id, "pin": "135790"}), 400, "pin_not_set", "")
	e.call(t, "POST", "/api/v1/auth/sms-codes", "", nil, map[string]string{"phone": "13800000003"})
	wantError(t, e.call(t, "PUT", "/api/v1/me/ecard-pin", token, nil, map[string]string{"pin": "12345", "code": "000000"}), 400, "pin_invalid", "pin")
	e.call(t, "PUT", "/api/v1/me/ecard-pin", token, nil, map[string]string{"pin": "135790", "code": e.smsCode(t, "13800000003")}).want(t, http.StatusNoContent)
	var s struct {
		Token string `json:"token"`
	}
	e.call(t, "POST", "/api/v1/auth/sessions", "", nil, map[string]string{"method": "ecard_password", "id_number": id, "pin": "135790"}).want(t, 201).json(t, &s)
	e.call(t, "GET", "/api/v1/me", s.Token, nil, nil).want(t, 200)
	for i := 0; i < 5; i++ {
		wantError(t, e.call(t, "POST", "/api/v1/auth/sessions", "", nil, map[string]string{"method": "ecard_password", "id_number": id, "pin": "000000"}), 401, "pin_wrong", "pin")
	}
	// Locked now, even with the right password.
	wantError(t, e.call(t, "POST", "/api/v1/auth/sessions", "", nil, map[string]string{"method": "ecard_password", "id_number": id, "pin": "135790"}), 429, "pin_locked", "")
}

// TestE2EFaceLiveness: a failed or timed-out face check offers the e-card
// password (seed §5); a passed one signs in, once.
func TestE2EFaceLiveness(t *testing.T) {
	t.Parallel()
	e := startApp(t)
	id := demoID("44010619880612302")
	start := func() (string, string) {
		var s struct {
			SessionID string `json:"session_id"`
			URL       string `json:"url"`
		}
		e.call(t, "POST", "/api/v1/auth/face-sessions", "", nil, map[string]string{"id_number": id}).want(t, 201).json(t, &s)
		return s.SessionID, s.URL
	}
	decide := func(url, outcome string) {
		path := strings.TrimPrefix(url, e.URL)
		e.raw(t, "POST", path, nil, map[string]string{"outcome": outcome}).want(t, 200)
	}
	face := func(sid string) resp {
		return e.call(t, "POST", "/api/v1/auth/sessions", "", nil, map[string]string{"method": "face", "session_id": sid})
	}
	sid, url := start()
	wantError(t, face(sid), 409, "face_pending", "")
	decide(url, "failed")
	fail := wantError(t, face(sid), 401, "face_failed", "")
	if !strings.Contains(fail.Error.Message, "电子社保卡密码") {
		t.Errorf("a failed face check should offer the e-card password: %q", fail.Error.Message)
	}
	sid, url = start()
	decide(url, "timeout")
	wantError(t, face(sid), 401, "face_timeout", "")
	sid, url = start()
	decide(url, "passed")
	face(sid).want(t, 201)
	wantError(t, face(sid), 401, "face_session_invalid", "session_id")
	wantError(t, e.call(t, "POST", "/api/v1/auth/face-sessions", "", nil, map[string]string{"id_number": demoID("11010519491231002")}), 404, "person_not_found", "id_number")
}

// TestE2EAuthRateLimit: sign-in endpoints refuse a client address that
// calls too often, with Retry-After, without touching other endpoints.
func TestE2EAuthRateLimit(t *testing.T) {
	t.Parallel()
	run, err := app.Start(t.Context(), config.Config{Addr: "127.0.0.1:0", DataDir: t.TempDir(), Demo: true,
		LogFormat: "text", LogLevel: "error", AuthPerMinute: 6}, app.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer run.Stop(5 * time.Second)
	post := func(i int) *http.Response {
		body := strings.NewReader(fmt.Sprintf(`{"phone":"138000001%02d"}`, i))
		res, err := http.Post(run.URL+"/api/v1/auth/sms-codes", "application/json", body)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res
	}
	for i := 0; i < 5; i++ {
		if res := post(i); res.StatusCode != http.StatusAccepted {
			t.Fatalf("request %d answered %d", i, res.StatusCode)
		}
	}
	res := post(9)
	if res.StatusCode != http.StatusTooManyRequests || res.Header.Get("Retry-After") == "" {
		t.Fatalf("6th request answered %d, Retry-After %q", res.StatusCode, res.Header.Get("Retry-After"))
	}
	if res, err := http.Get(run.URL + "/api/v1/regions"); err != nil || res.StatusCode != 200 {
		t.Fatalf("other endpoints limited too: %v %v", res, err)
	}
}
