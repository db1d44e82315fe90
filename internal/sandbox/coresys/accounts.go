package coresys

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sort"

	"time"

	"github.com/shebao-project/shebao/internal/money"
)

// The wire format of debits, as internal/coresys speaks it (the sandbox
// keeps its own copy, as the agency's system would).
type debitRequest struct {
	DebitID        string    `json:"debit_id"`
	Region         string    `json:"region"`
	HolderIDNumber string    `json:"holder_id_number"`
	AmountFen      money.Fen `json:"amount_fen"`
}

type debitResult struct {
	DebitID    string    `json:"debit_id"`
	Debited    bool      `json:"debited"`
	Ref        string    `json:"ref,omitempty"`
	FailCode   string    `json:"fail_code,omitempty"`
	BalanceFen money.Fen `json:"balance_fen"`
	At         time.Time `json:"at"`
}

type reversalResult struct {
	Reversed   bool      `json:"reversed"`
	Voided     bool      `json:"voided"`
	Ref        string    `json:"ref,omitempty"`
	BalanceFen money.Fen `json:"balance_fen"`
	At         time.Time `json:"at"`
}

// Why a debit is refused.
const (
	failInsufficient = "INSUFFICIENT_BALANCE"
	failNoAccount    = "NO_ACCOUNT"
	failVoided       = "VOIDED"
)

// accounts are the employee medical personal accounts (职工医保个人账户) the
// core system keeps, by ID number, and the family-offset debits taken from
// them: one per debit id, however often it is asked for; a reversal gives
// it back once; reversing an id never taken voids it, so that a debit
// arriving late cannot take the money.
type accounts struct {
	balances map[string]money.Fen
	debits   map[string]*debit
	voided   map[string]reversalResult
	debitSeq int
}

type debit struct {
	req      debitRequest
	result   debitResult
	reversal *reversalResult
}

func newAccounts() accounts {
	return accounts{balances: map[string]money.Fen{}, debits: map[string]*debit{}, voided: map[string]reversalResult{}}
}

func (s *Server) routeAccounts(prefix string) {
	s.mux.HandleFunc("POST "+prefix+"/v1/accounts/balance", s.balance)
	s.mux.HandleFunc("POST "+prefix+"/v1/debits", s.debit)
	s.mux.HandleFunc("GET "+prefix+"/v1/debits/{id}", s.getDebit)
	s.mux.HandleFunc("GET "+prefix+"/v1/debits", s.statement)
	s.mux.HandleFunc("POST "+prefix+"/v1/debits/{id}/reversal", s.reverse)
	s.mux.HandleFunc("POST "+prefix+"/control/accounts", s.setAccount)
}

// SetBalance opens (or sets) the personal account of the holder with this
// ID number: demo data and tests.
func (s *Server) SetBalance(idNumber string, fen money.Fen) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.balances[idNumber] = fen
}

// AccountBalance returns the holder's balance and whether they have an account.
func (s *Server) AccountBalance(idNumber string) (money.Fen, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, ok := s.balances[idNumber]
	return b, ok
}

func (s *Server) balance(w http.ResponseWriter, r *http.Request) {
	var body struct {
		IDNumber string `json:"id_number"`
	}
	if !decode(w, r, &body) {
		return
	}
	s.mu.Lock()
	b, ok := s.balances[body.IDNumber]
	down := s.faults.Down
	s.mu.Unlock()
	switch {
	case down:
		unavailable(w)
	case !ok:
		writeJSON(w, http.StatusNotFound, map[string]string{"code": "NO_ACCOUNT", "message": "no employee medical personal account"})
	default:
		writeJSON(w, http.StatusOK, map[string]money.Fen{"balance_fen": b})
	}
}

func (s *Server) debit(w http.ResponseWriter, r *http.Request) {
	var req debitRequest
	if !decode(w, r, &req) {
		return
	}
	if req.DebitID == "" || req.AmountFen <= 0 {
		writeJSON(w, http.StatusBadRequest, map[string]string{"code": "BAD_REQUEST", "message": "debit_id and a positive amount_fen required"})
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if d, ok := s.debits[req.DebitID]; ok {
		if d.req.AmountFen != req.AmountFen || d.req.HolderIDNumber != req.HolderIDNumber {
			writeJSON(w, http.StatusConflict, map[string]string{"code": "CONFLICT", "message": "debit id used for another debit"})
			return
		}
		writeJSON(w, http.StatusOK, d.result) // idempotent: the same debit, the same answer
		return
	}
	if s.faults.Down || s.faults.FailDebits > 0 {
		if s.faults.FailDebits > 0 {
			s.faults.FailDebits--
		}
		unavailable(w)
		return
	}
	now := s.now()
	res := debitResult{DebitID: req.DebitID, At: now}
	bal, ok := s.balances[req.HolderIDNumber]
	switch _, void := s.voided[req.DebitID]; {
	case void:
		res.FailCode = failVoided
	case !ok:
		res.FailCode = failNoAccount
	case bal < req.AmountFen:
		res.FailCode, res.BalanceFen = failInsufficient, bal
	default:
		s.debitSeq++
		s.balances[req.HolderIDNumber] = bal - req.AmountFen
		res.Debited, res.Ref, res.BalanceFen = true, fmt.Sprintf("GJ%s%06d", now.Format("20060102"), s.debitSeq), bal-req.AmountFen
		s.debits[req.DebitID] = &debit{req: req, result: res}
	}
	if res.Debited && s.faults.LoseDebitAnswers > 0 {
		s.faults.LoseDebitAnswers--
		writeJSON(w, http.StatusGatewayTimeout, map[string]string{"code": "TIMEOUT", "message": "answer lost"})
		return
	}
	writeJSON(w, http.StatusOK, res) // a refusal is kept nowhere: the same id may be debited after a top-up
}

func (s *Server) getDebit(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	d, ok := s.debits[r.PathValue("id")]
	down := s.faults.Down
	var res debitResult
	if ok {
		res = d.result
	}
	s.mu.Unlock()
	switch {
	case down:
		unavailable(w)
	case !ok:
		writeJSON(w, http.StatusNotFound, map[string]string{"code": "NOT_FOUND", "message": "no such debit"})
	default:
		writeJSON(w, http.StatusOK, res)
	}
}

func (s *Server) reverse(w http.ResponseWriter, r *http.Request) {
	var req struct {
		ReversalID string `json:"reversal_id"`
	}
	if !decode(w, r, &req) {
		return
	}
	id := r.PathValue("id")
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.faults.Down {
		unavailable(w)
		return
	}
	now := s.now()
	d, ok := s.debits[id]
	switch {
	case ok && d.reversal != nil:
		writeJSON(w, http.StatusOK, d.reversal) // idempotent
	case ok:
		s.debitSeq++
		s.balances[d.req.HolderIDNumber] += d.req.AmountFen
		d.reversal = &reversalResult{Reversed: true, Ref: fmt.Sprintf("CZ%s%06d", now.Format("20060102"), s.debitSeq),
			BalanceFen: s.balances[d.req.HolderIDNumber], At: now}
		writeJSON(w, http.StatusOK, d.reversal)
	default:
		v, seen := s.voided[id]
		if !seen {
			v = reversalResult{Voided: true, At: now}
			s.voided[id] = v
		}
		writeJSON(w, http.StatusOK, v)
	}
}

func (s *Server) setAccount(w http.ResponseWriter, r *http.Request) {
	var body struct {
		IDNumber   string    `json:"id_number"`
		BalanceFen money.Fen `json:"balance_fen"`
	}
	if !decode(w, r, &body) {
		return
	}
	s.SetBalance(body.IDNumber, body.BalanceFen)
	writeJSON(w, http.StatusOK, map[string]money.Fen{"balance_fen": body.BalanceFen})
}

func decode(w http.ResponseWriter, r *http.Request, v any) bool {
	raw, err := readAll(r)
	if err == nil {
		err = json.Unmarshal(raw, v)
	}
	if err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"code": "BAD_REQUEST", "message": err.Error()})
		return false
	}
	return true
}

func unavailable(w http.ResponseWriter) {
	writeJSON(w, http.StatusServiceUnavailable, map[string]string{"code": "UNAVAILABLE", "message": "core system unavailable"})
}

// beijing is the zone the statement's days are in.
var beijing = time.FixedZone("CST", 8*3600)

// statementRow is a debit in a day's statement.
type statementRow struct {
	DebitID     string    `json:"debit_id"`
	Ref         string    `json:"ref"`
	AmountFen   money.Fen `json:"amount_fen"`
	At          time.Time `json:"at"`
	ReversalRef string    `json:"reversal_ref,omitempty"`
}

// statement lists the debits taken on ?date=YYYY-MM-DD (Beijing time), in
// the order they were taken, with their reversals.
func (s *Server) statement(w http.ResponseWriter, r *http.Request) {
	day, err := time.ParseInLocation("2006-01-02", r.URL.Query().Get("date"), beijing)
	if err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"code": "BAD_REQUEST", "message": "date=YYYY-MM-DD required"})
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.faults.Down {
		unavailable(w)
		return
	}
	rows := []statementRow{}
	for id, d := range s.debits {
		at := d.result.At
		if at.Before(day) || !at.Before(day.AddDate(0, 0, 1)) {
			continue
		}
		row := statementRow{DebitID: id, Ref: d.result.Ref, AmountFen: d.req.AmountFen, At: at}
		if d.reversal != nil {
			row.ReversalRef = d.reversal.Ref
		}
		rows = append(rows, row)
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].Ref < rows[j].Ref })
	writeJSON(w, http.StatusOK, map[string]any{"debits": rows})
}
