package ticket

import (
	"net/http"
	"strings"

	"github.com/shebao-project/shebao/internal/apperr"
	"github.com/shebao-project/shebao/internal/payment"
)

type listData struct{ Tickets []Ticket }

func (c *citizen) list(w http.ResponseWriter, r *http.Request, v *visit) {
	ts, err := c.s.ForPerson(r.Context(), v.p.ID)
	if err != nil {
		c.fail(w, r, v, err)
		return
	}
	c.render(w, r, v, http.StatusOK, "list", "title.list", listData{Tickets: ts})
}

type formData struct {
	Category, Text, OrderID, ErrorCode string
	Orders                             []payment.Order
	Suggestions                        []Suggestion // shown before filing
}

// newForm is the ticket form, prefilled from where the person came from:
// /tickets/new?order=ID from an order page, ?code=sms_code_invalid from an
// error page.
func (c *citizen) newForm(w http.ResponseWriter, r *http.Request, v *visit) {
	q := r.URL.Query()
	d := formData{OrderID: q.Get("order"), ErrorCode: q.Get("code")}
	var o *payment.Order
	if d.OrderID != "" {
		if got, err := c.Orders.OrderFor(r.Context(), v.p.ID, d.OrderID); err == nil {
			o = &got
		} else {
			d.OrderID = ""
		}
	}
	d.Category = or(q.Get("category"), categoryFor(d.ErrorCode, o))
	c.form(w, r, v, http.StatusOK, d, nil)
}

func or(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func (c *citizen) form(w http.ResponseWriter, r *http.Request, v *visit, status int, d formData, e *apperr.Error) {
	os, err := c.Orders.Orders(r.Context(), v.p.ID, 20)
	if err != nil {
		c.fail(w, r, v, err)
		return
	}
	d.Orders = os
	c.renderErr(w, r, v, status, "new", "title.new", d, e)
}

// file files the ticket; the first time, if the FAQ has answers for the
// text, it shows them instead and lets the person file anyway.
func (c *citizen) file(w http.ResponseWriter, r *http.Request, v *visit) {
	d := formData{Category: r.PostFormValue("category"), Text: strings.TrimSpace(r.PostFormValue("text")),
		OrderID: r.PostFormValue("order"), ErrorCode: r.PostFormValue("code")}
	if d.OrderID != "" {
		if _, err := c.Orders.OrderFor(r.Context(), v.p.ID, d.OrderID); err != nil {
			d.OrderID = ""
			c.form(w, r, v, http.StatusBadRequest, d, safe(err))
			return
		}
	}
	if r.PostFormValue("confirm") != "1" && d.Text != "" {
		s, err := c.s.Suggest(r.Context(), d.Category, d.Text, 3)
		if err != nil {
			c.fail(w, r, v, err)
			return
		}
		if len(s) > 0 {
			d.Suggestions = s
			c.form(w, r, v, http.StatusOK, d, nil)
			return
		}
	}
	t, err := c.s.Open(r.Context(), OpenParams{PersonID: v.p.ID, Category: d.Category, Text: d.Text, OrderID: d.OrderID, ErrorCode: d.ErrorCode})
	if err != nil {
		c.form(w, r, v, statusOf(safe(err)), d, safe(err))
		return
	}
	http.Redirect(w, r, "/tickets/"+t.ID, http.StatusSeeOther)
}

type threadData struct {
	Ticket   Ticket
	Messages []Message
}

func (c *citizen) thread(w http.ResponseWriter, r *http.Request, v *visit) {
	c.showThread(w, r, v, r.PathValue("id"), http.StatusOK, nil)
}

func (c *citizen) showThread(w http.ResponseWriter, r *http.Request, v *visit, id string, status int, e *apperr.Error) {
	t, ms, err := c.s.ThreadFor(r.Context(), v.p.ID, id)
	if err != nil {
		c.fail(w, r, v, err)
		return
	}
	c.renderErr(w, r, v, status, "thread", "title.thread", threadData{Ticket: t, Messages: ms}, e)
}

func (c *citizen) reply(w http.ResponseWriter, r *http.Request, v *visit) {
	id := r.PathValue("id")
	if _, err := c.s.CitizenReply(r.Context(), v.p.ID, id, r.PostFormValue("text")); err != nil {
		c.showThread(w, r, v, id, statusOf(safe(err)), safe(err))
		return
	}
	http.Redirect(w, r, "/tickets/"+id, http.StatusSeeOther)
}

func (c *citizen) close(w http.ResponseWriter, r *http.Request, v *visit) {
	id := r.PathValue("id")
	if _, err := c.s.Close(r.Context(), Citizen, v.p.ID, id, ""); err != nil {
		c.showThread(w, r, v, id, statusOf(safe(err)), safe(err))
		return
	}
	http.Redirect(w, r, "/tickets/"+id, http.StatusSeeOther)
}

// safe is the face of err a person may see.
func safe(err error) *apperr.Error {
	if e, ok := apperr.As(err); ok {
		return e
	}
	return apperr.InternalError(err)
}

func statusOf(e *apperr.Error) int {
	if s, ok := map[apperr.Kind]int{apperr.Invalid: 400, apperr.Unauthorized: 401, apperr.Forbidden: 403, apperr.NotFound: 404,
		apperr.Conflict: 409, apperr.RateLimited: 429, apperr.Unavailable: 503, apperr.Refused: 422}[e.Kind]; ok {
		return s
	}
	return http.StatusInternalServerError
}

func (c *citizen) fail(w http.ResponseWriter, r *http.Request, v *visit, err error) {
	e := safe(err)
	if e.Kind == apperr.Internal {
		c.s.log.ErrorContext(r.Context(), "ticket page", "path", r.URL.Path, "err", err)
	}
	c.renderErr(w, r, v, statusOf(e), "error", "title.error", nil, e)
}
