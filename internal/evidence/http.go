package evidence

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"

	"github.com/shebao-project/shebao/internal/store"
)

// Handler serves the log's public, read-only API; mount it at
// /api/v1/log/:
//
//	GET /api/v1/log/checkpoint               latest checkpoint note (text/plain)
//	GET /api/v1/log/key                      note verifier key (text/plain)
//	GET /api/v1/log/proof?leaf=N&size=S      inclusion proof (JSON)
//	GET /api/v1/log/consistency?from=A&to=B  consistency proof (JSON)
//
// Bad parameters are 400 with the API's error body
// {"error":{"code","message","message_en","field"}}.
func (l *Log) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v1/log/checkpoint", l.serveCheckpoint)
	mux.HandleFunc("GET /api/v1/log/key", l.serveKey)
	mux.HandleFunc("GET /api/v1/log/proof", l.serveProof)
	mux.HandleFunc("GET /api/v1/log/consistency", l.serveConsistency)
	mux.HandleFunc("/api/v1/log/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, apiError{Code: "not_found", Message: "没有这个接口。", MessageEn: "No such endpoint."})
	})
	return mux
}

type apiError struct {
	Code      string `json:"code"`
	Message   string `json:"message"`
	MessageEn string `json:"message_en"`
	Field     string `json:"field,omitempty"`
}

func writeError(w http.ResponseWriter, status int, e apiError) {
	writeJSON(w, status, struct {
		Error apiError `json:"error"`
	}{e})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

func (l *Log) fail(w http.ResponseWriter, r *http.Request, err error) {
	var re *RangeError
	if errors.As(err, &re) {
		writeError(w, http.StatusBadRequest, apiError{Code: "out_of_range", Message: re.Message, MessageEn: re.MessageEn, Field: re.Field})
		return
	}
	l.log.ErrorContext(r.Context(), "evidence api", "path", r.URL.Path, "err", err)
	writeError(w, http.StatusInternalServerError, apiError{Code: "internal",
		Message: "服务暂时不可用，请稍后再试。", MessageEn: "The service is temporarily unavailable; try again later."})
}

func (l *Log) serveCheckpoint(w http.ResponseWriter, r *http.Request) {
	c, err := l.store.LatestCheckpoint(r.Context())
	if errors.Is(err, store.ErrNotFound) {
		writeError(w, http.StatusNotFound, apiError{Code: "no_checkpoint",
			Message: "日志尚未生成检查点。", MessageEn: "The log has no checkpoint yet."})
		return
	} else if err != nil {
		l.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	_, _ = w.Write(c.Note)
}

func (l *Log) serveKey(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = w.Write([]byte(l.vkey + "\n"))
}

func (l *Log) serveProof(w http.ResponseWriter, r *http.Request) {
	leaf, ok1 := param(w, r, "leaf")
	if !ok1 {
		return
	}
	size, ok2 := param(w, r, "size")
	if !ok2 {
		return
	}
	p, err := l.InclusionProof(r.Context(), leaf, size)
	if err != nil {
		l.fail(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable") // a proof never changes
	writeJSON(w, http.StatusOK, p)
}

func (l *Log) serveConsistency(w http.ResponseWriter, r *http.Request) {
	from, ok1 := param(w, r, "from")
	if !ok1 {
		return
	}
	to, ok2 := param(w, r, "to")
	if !ok2 {
		return
	}
	p, err := l.ConsistencyProof(r.Context(), from, to)
	if err != nil {
		l.fail(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	writeJSON(w, http.StatusOK, p)
}

// param reads a required decimal query parameter, answering 400 if it is
// missing or not a non-negative integer.
func param(w http.ResponseWriter, r *http.Request, name string) (uint64, bool) {
	s := r.URL.Query().Get(name)
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		writeError(w, http.StatusBadRequest, apiError{Code: "invalid_parameter", Field: name,
			Message:   "参数 " + name + " 必须是非负整数。",
			MessageEn: "The " + name + " parameter must be a non-negative integer."})
		return 0, false
	}
	return n, true
}
