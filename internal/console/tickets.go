package console

import (
	"net/http"
	"strconv"
	"time"

	"github.com/shebao-project/shebao/internal/apperr"
	"github.com/shebao-project/shebao/internal/ticket"
)

type queueItem struct {
	ticket.Ticket
	Overdue bool
	Person  Masked
}

type ticketsData struct {
	Status string
	Items  []queueItem
	Target time.Duration
}

// tickets is the help desk queue: those waiting for the agency, the
// earliest due first, overdue ones marked (computed now, on read).
func (h *handler) tickets(w http.ResponseWriter, r *http.Request, c *call) {
	status := ticket.Status(r.URL.Query().Get("status"))
	if status != ticket.Answered && status != ticket.Closed {
		status = ticket.Open
	}
	ts, err := h.Tickets.Queue(r.Context(), status, 200)
	if err != nil {
		h.pageError(w, r, c, err)
		return
	}
	d := ticketsData{Status: string(status), Target: h.Tickets.FirstResponseTarget(r.Context())}
	now := h.Now()
	for _, t := range ts {
		m, err := h.Store.PersonMasked(r.Context(), t.PersonID)
		if err != nil {
			h.pageError(w, r, c, err)
			return
		}
		d.Items = append(d.Items, queueItem{Ticket: t, Overdue: t.Overdue(now), Person: m})
	}
	h.show(w, r, c, "tickets", "工单", "tickets", d)
}

type ticketData struct {
	Ticket   ticket.Ticket
	Overdue  bool
	Person   Masked
	Messages []ticket.Message
	Suggest  []ticket.Suggestion // the assistant's answers to the first message, for the operator to adapt
}

// ticket shows a thread with the assistant's suggestions.
func (h *handler) ticket(w http.ResponseWriter, r *http.Request, c *call) {
	t, ms, err := h.Tickets.Thread(r.Context(), r.PathValue("id"))
	if err != nil {
		h.pageError(w, r, c, err)
		return
	}
	d := ticketData{Ticket: t, Overdue: t.Overdue(h.Now()), Messages: ms}
	if d.Person, err = h.Store.PersonMasked(r.Context(), t.PersonID); err != nil {
		h.pageError(w, r, c, err)
		return
	}
	if len(ms) > 0 {
		if d.Suggest, err = h.Tickets.Suggest(r.Context(), t.Category, ms[0].Body, 3); err != nil {
			h.pageError(w, r, c, err)
			return
		}
	}
	h.audit(r.Context(), c, "ticket.view", t.ID, "", "")
	h.show(w, r, c, "ticket", "工单 "+t.ID, "tickets", d)
}

func (h *handler) replyTicket(w http.ResponseWriter, r *http.Request, c *call) {
	id := r.PathValue("id")
	err := h.act(r.Context(), c, "ticket.reply", id, "", "", func() error {
		_, err := h.Tickets.OperatorReply(r.Context(), c.op.Name, id, r.PostFormValue("text"))
		return err
	})
	if err != nil {
		h.pageError(w, r, c, err)
		return
	}
	done(w, r, "/admin/tickets/"+id, "replied")
}

func (h *handler) closeTicket(w http.ResponseWriter, r *http.Request, c *call) {
	id := r.PathValue("id")
	note := r.PostFormValue("note")
	err := h.act(r.Context(), c, "ticket.close", id, note, "", func() error {
		_, err := h.Tickets.Close(r.Context(), ticket.Staff, c.op.Name, id, note)
		return err
	})
	if err != nil {
		h.pageError(w, r, c, err)
		return
	}
	done(w, r, "/admin/tickets", "closed")
}

// faq lists the knowledge base, inactive entries too.
func (h *handler) faq(w http.ResponseWriter, r *http.Request, c *call) {
	es, err := h.Tickets.FAQ(r.Context(), false)
	if err != nil {
		h.pageError(w, r, c, err)
		return
	}
	h.show(w, r, c, "faq", "知识库", "faq", es)
}

var errFAQID = apperr.New(apperr.NotFound, "faq_not_found", "该知识条目不存在。", "No such entry.")

// saveFAQ adds an entry (POST /admin/faq) or changes one (POST /admin/faq/{id}).
func (h *handler) saveFAQ(w http.ResponseWriter, r *http.Request, c *call) {
	e := ticket.Entry{Category: r.PostFormValue("category"), Question: r.PostFormValue("question"),
		Answer: r.PostFormValue("answer"), Keywords: r.PostFormValue("keywords"), Active: r.PostFormValue("active") != "off"}
	if v := r.PathValue("id"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			h.pageError(w, r, c, errFAQID)
			return
		}
		e.ID = id
	}
	target := "new entry"
	if e.ID != 0 {
		target = "entry " + strconv.FormatInt(e.ID, 10)
	}
	err := h.act(r.Context(), c, "faq.save", target, "", e.Question, func() error {
		_, err := h.Tickets.SaveFAQ(r.Context(), e, c.op.Name)
		return err
	})
	if err != nil {
		h.pageError(w, r, c, err)
		return
	}
	done(w, r, "/admin/faq", "faq")
}

type settingsData struct {
	TargetMinutes int
}

func (h *handler) settings(w http.ResponseWriter, r *http.Request, c *call) {
	h.show(w, r, c, "settings", "设置", "settings", settingsData{TargetMinutes: int(h.Tickets.FirstResponseTarget(r.Context()) / time.Minute)})
}

var errMinutes = apperr.New(apperr.Invalid, "target_invalid", "请输入首次响应时限（分钟）。", "Enter the target in minutes.").WithField("minutes")

func (h *handler) saveSettings(w http.ResponseWriter, r *http.Request, c *call) {
	m, err := strconv.Atoi(r.PostFormValue("minutes"))
	if err != nil {
		h.pageError(w, r, c, errMinutes)
		return
	}
	reason, err := reasonOf(r)
	if err != nil {
		h.pageError(w, r, c, err)
		return
	}
	err = h.act(r.Context(), c, "settings.first_response", ticket.SettingFirstResponse, reason, strconv.Itoa(m)+" minutes", func() error {
		return h.Tickets.SetFirstResponseTarget(r.Context(), time.Duration(m)*time.Minute, c.op.Name)
	})
	if err != nil {
		h.pageError(w, r, c, err)
		return
	}
	done(w, r, "/admin/settings", "settings")
}
