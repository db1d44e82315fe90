// Package coresys is the sandbox of the agency's core contribution system
// (核心业务系统): it accepts postings idempotently by posting id and can be
// told to fail, so the 72-hour posting retry can be exercised.
package coresys

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"
)

// Posting is what the core system keeps of a posting.
type Posting struct {
	PostingID  string          `json:"posting_id"`
	Ref        string          `json:"ref"`
	Body       json.RawMessage `json:"body"`
	ReceivedAt time.Time       `json:"received_at"`
}

// Faults make the core system misbehave on purpose.
type Faults struct {
	Down     bool `json:"down"`      // every posting and lookup answers 503
	FailNext int  `json:"fail_next"` // the next N postings answer 503
	// FailDebits: the next N account debits answer 503 without taking
	// anything; LoseDebitAnswers: the next N debits are taken, then
	// answered 504 as if the answer were lost on the way.
	FailDebits       int `json:"fail_debits"`
	LoseDebitAnswers int `json:"lose_debit_answers"`
}

// Server is the sandbox core system.
type Server struct {
	mu       sync.Mutex
	now      func() time.Time
	postings map[string]Posting
	seq      int
	faults   Faults
	mux      *http.ServeMux
	accounts
}

// New returns a core system mounted at prefix (e.g. "/sandbox/core").
func New(prefix string, now func() time.Time) *Server {
	s := &Server{now: now, postings: map[string]Posting{}, mux: http.NewServeMux(), accounts: newAccounts()}
	s.routeAccounts(prefix)
	s.mux.HandleFunc("POST "+prefix+"/v1/postings", s.post)
	s.mux.HandleFunc("GET "+prefix+"/v1/postings/{id}", s.get)
	s.mux.HandleFunc("GET "+prefix+"/control/faults", s.getFaults)
	s.mux.HandleFunc("POST "+prefix+"/control/faults", s.setFaults)
	return s
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

func (s *Server) post(w http.ResponseWriter, r *http.Request) {
	var body struct {
		PostingID string `json:"posting_id"`
	}
	raw, err := readAll(r)
	if err == nil {
		err = json.Unmarshal(raw, &body)
	}
	if err != nil || body.PostingID == "" {
		writeJSON(w, http.StatusBadRequest, map[string]string{"code": "BAD_REQUEST", "message": "posting_id required"})
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if p, ok := s.postings[body.PostingID]; ok {
		writeJSON(w, http.StatusOK, p) // idempotent: the same posting, the same answer
		return
	}
	if s.faults.Down || s.faults.FailNext > 0 {
		if s.faults.FailNext > 0 {
			s.faults.FailNext--
		}
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"code": "UNAVAILABLE", "message": "core system unavailable"})
		return
	}
	s.seq++
	now := s.now()
	p := Posting{PostingID: body.PostingID, Ref: fmt.Sprintf("HX%s%06d", now.Format("20060102"), s.seq), Body: raw, ReceivedAt: now}
	s.postings[body.PostingID] = p
	writeJSON(w, http.StatusOK, p)
}

func (s *Server) get(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	p, ok := s.postings[r.PathValue("id")]
	down := s.faults.Down
	s.mu.Unlock()
	if down {
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"code": "UNAVAILABLE", "message": "core system down"})
		return
	}
	if !ok {
		writeJSON(w, http.StatusNotFound, map[string]string{"code": "NOT_FOUND", "message": "no such posting"})
		return
	}
	writeJSON(w, http.StatusOK, p)
}

func (s *Server) getFaults(w http.ResponseWriter, _ *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	writeJSON(w, http.StatusOK, s.faults)
}

func (s *Server) setFaults(w http.ResponseWriter, r *http.Request) {
	var f Faults
	if err := json.NewDecoder(r.Body).Decode(&f); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"code": "BAD_REQUEST", "message": err.Error()})
		return
	}
	s.mu.Lock()
	s.faults = f
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, f)
}

// Count returns how many distinct postings were accepted.
func (s *Server) Count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.postings)
}

func readAll(r *http.Request) ([]byte, error) {
	defer r.Body.Close()
	return io.ReadAll(io.LimitReader(r.Body, 1<<20))
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
