package console

import (
	"net/http"
	"strconv"

	"github.com/shebao-project/shebao/internal/operator"
)

type auditData struct {
	Entries []operator.Entry
	Check   operator.Verification
	Older   int64 // the seq to page from, 0 when there is nothing older
}

// auditLog shows the operator audit log, newest first, with the result of
// verifying the whole chain.
func (h *handler) auditLog(w http.ResponseWriter, r *http.Request, c *call) {
	before, _ := strconv.ParseInt(r.URL.Query().Get("before"), 10, 64)
	es, err := h.Operators.Recent(r.Context(), before, 100)
	if err != nil {
		h.pageError(w, r, c, err)
		return
	}
	d := auditData{Entries: es}
	if d.Check, err = h.Operators.VerifyAudit(r.Context()); err != nil {
		h.pageError(w, r, c, err)
		return
	}
	if len(es) == 100 && es[len(es)-1].Seq > 1 {
		d.Older = es[len(es)-1].Seq
	}
	h.show(w, r, c, "audit", "操作审计", "audit", d)
}

type operatorsData struct {
	Operators []operator.Operator
	Created   *operator.Created // just created: its TOTP secret, shown once
	Name      string
}

func (h *handler) operators(w http.ResponseWriter, r *http.Request, c *call) {
	h.showOperators(w, r, c, nil)
}

func (h *handler) showOperators(w http.ResponseWriter, r *http.Request, c *call, created *operator.Created) {
	ops, err := h.Operators.Operators(r.Context())
	if err != nil {
		h.pageError(w, r, c, err)
		return
	}
	h.show(w, r, c, "operators", "操作员", "operators", operatorsData{Operators: ops, Created: created})
}

// createOperator adds an account and answers with its TOTP enrolment URI,
// shown this once (the POST's answer, never a URL).
func (h *handler) createOperator(w http.ResponseWriter, r *http.Request, c *call) {
	role, err := operator.ParseRole(r.PostFormValue("role"))
	if err != nil {
		h.pageError(w, r, c, err)
		return
	}
	reason, err := reasonOf(r)
	if err != nil {
		h.pageError(w, r, c, err)
		return
	}
	created, err := h.Operators.Create(r.Context(), operator.NewOperator{Name: r.PostFormValue("name"),
		DisplayName: r.PostFormValue("display_name"), Role: role, Password: r.PostFormValue("password"), By: c.op.Name, Reason: reason})
	if err != nil {
		h.pageError(w, r, c, err)
		return
	}
	h.showOperators(w, r, c, created)
}

func (h *handler) setDisabled(disabled bool) opHandler {
	return func(w http.ResponseWriter, r *http.Request, c *call) {
		reason, err := reasonOf(r)
		if err != nil {
			h.pageError(w, r, c, err)
			return
		}
		if err := h.Operators.SetDisabled(r.Context(), c.op, r.PathValue("id"), disabled, reason); err != nil {
			h.pageError(w, r, c, err)
			return
		}
		done(w, r, "/admin/operators", "operator")
	}
}

func (h *handler) unlockOperator(w http.ResponseWriter, r *http.Request, c *call) {
	reason, err := reasonOf(r)
	if err != nil {
		h.pageError(w, r, c, err)
		return
	}
	if err := h.Operators.Unlock(r.Context(), c.op, r.PathValue("id"), reason); err != nil {
		h.pageError(w, r, c, err)
		return
	}
	done(w, r, "/admin/operators", "operator")
}
