// Package face is the sandbox of a face-liveness service: the platform
// opens a check, the person "does" it on the service's page (here: three
// buttons, pass, fail and time out, or a JSON call for scripts), and the
// platform asks for the outcome. It exists for demo mode and tests.
package face

import (
	"crypto/rand"
	"encoding/json"
	"html/template"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Server is the liveness sandbox mounted at a prefix such as /sandbox/face.
type Server struct {
	prefix string
	now    func() time.Time
	mu     sync.Mutex
	checks map[string]*check
	mux    *http.ServeMux
}

type check struct {
	name      string // masked
	returnURL string
	outcome   string // pending, passed, failed, timeout
	created   time.Time
}

// New builds the sandbox.
func New(prefix string, now func() time.Time) *Server {
	s := &Server{prefix: prefix, now: now, checks: map[string]*check{}, mux: http.NewServeMux()}
	s.mux.HandleFunc("POST "+prefix+"/checks", s.open)
	s.mux.HandleFunc("GET "+prefix+"/checks/{ref}", s.result)
	s.mux.HandleFunc("GET "+prefix+"/do/{ref}", s.page)
	s.mux.HandleFunc("POST "+prefix+"/do/{ref}", s.decide)
	return s
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// open starts a check: {"name":"张*","return_url":"/login/face/…"} →
// {"ref","url"}. The service never needs more than a masked name here; the
// real ones take the ID number and compare with the photo on record.
func (s *Server) open(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Name      string `json:"name"`
		ReturnURL string `json:"return_url"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 4<<10)).Decode(&req); err != nil {
		http.Error(w, `{"code":"BAD_REQUEST"}`, http.StatusBadRequest)
		return
	}
	ref := strings.ToLower(rand.Text())
	s.mu.Lock()
	s.checks[ref] = &check{name: req.Name, returnURL: relative(req.ReturnURL), outcome: "pending", created: s.now()}
	s.mu.Unlock()
	writeJSON(w, map[string]string{"ref": ref, "url": s.prefix + "/do/" + ref})
}

func (s *Server) result(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	c, ok := s.checks[r.PathValue("ref")]
	out := ""
	if ok {
		out = c.outcome
	}
	s.mu.Unlock()
	if !ok {
		http.Error(w, `{"code":"NOT_FOUND"}`, http.StatusNotFound)
		return
	}
	writeJSON(w, map[string]string{"outcome": out})
}

var pageTpl = template.Must(template.New("p").Parse(`<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>人脸识别（沙箱）</title></head>
<body><main><h1>人脸识别（沙箱）</h1><p>正在为 {{.Name}} 进行活体检测。沙箱环境：请选择检测结果。</p>
<form method="post"><input type="hidden" name="return" value="{{.Return}}">
<p><button type="submit" name="outcome" value="passed">通过</button></p>
<p><button type="submit" name="outcome" value="failed">未通过</button></p>
<p><button type="submit" name="outcome" value="timeout">超时</button></p></form></main></body></html>`))

func (s *Server) page(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	c, ok := s.checks[r.PathValue("ref")]
	s.mu.Unlock()
	if !ok {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_ = pageTpl.Execute(w, map[string]string{"Name": c.name, "Return": c.returnURL})
}

// decide sets the outcome, from the page's form or {"outcome":…} JSON.
func (s *Server) decide(w http.ResponseWriter, r *http.Request) {
	outcome, back := r.PostFormValue("outcome"), r.PostFormValue("return")
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		var req struct {
			Outcome string `json:"outcome"`
		}
		_ = json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<10)).Decode(&req)
		outcome = req.Outcome
	}
	if outcome != "passed" && outcome != "failed" && outcome != "timeout" {
		http.Error(w, `{"code":"BAD_OUTCOME","message":"outcome: passed, failed or timeout"}`, http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	c, ok := s.checks[r.PathValue("ref")]
	if ok {
		c.outcome = outcome
		if back == "" {
			back = c.returnURL
		}
	}
	s.mu.Unlock()
	if !ok {
		http.NotFound(w, r)
		return
	}
	if back = relative(back); back != "" && !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		http.Redirect(w, r, back, http.StatusSeeOther)
		return
	}
	writeJSON(w, map[string]string{"outcome": outcome})
}

// relative keeps only a same-site path, so the page cannot be used to send
// people elsewhere.
func relative(u string) string {
	if strings.HasPrefix(u, "/") && !strings.HasPrefix(u, "//") && !strings.Contains(u, "\\") {
		return u
	}
	return ""
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}
