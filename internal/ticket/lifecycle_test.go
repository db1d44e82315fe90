package ticket_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/shebao-project/shebao/internal/console/consoletest"
	"github.com/shebao-project/shebao/internal/ticket"
)

func notices(ns []ticket.Notice) string {
	var s []string
	for _, n := range ns {
		s = append(s, fmt.Sprintf("%s→%s", n.Kind, n.To))
	}
	return strings.Join(s, " ")
}

// TestLifecycle follows a ticket through its timers on a controlled clock:
// opened, overdue on read, escalated by its job, answered (first response
// recorded once), followed up (a new due time), answered in time (no second
// escalation), closed; and the dashboard's figures from it.
func TestLifecycle(t *testing.T) {
	w := consoletest.New(t)
	p := w.Person(t, 1)
	t0 := w.Clock.Now()
	steps := []struct {
		name    string
		advance time.Duration
		act     func(tk *ticket.Ticket) error
		status  ticket.Status
		overdue bool
		notices string
	}{
		{"opened", 0, func(tk *ticket.Ticket) (err error) {
			*tk, err = w.Tickets.Open(w.Ctx, ticket.OpenParams{PersonID: p.ID, Category: "not_credited", Text: "上周缴的养老保险还没到账"})
			return err
		}, ticket.Open, false, "new→operators"},
		{"44 minutes: not yet due", 44 * time.Minute, nil, ticket.Open, false, ""},
		{"46 minutes: overdue and escalated", 2 * time.Minute, nil, ticket.Open, true, "escalated→supervisors"},
		{"50 minutes: answered", 4 * time.Minute, func(tk *ticket.Ticket) (err error) {
			*tk, err = w.Tickets.OperatorReply(w.Ctx, "li.na", tk.ID, "已核实，核心系统入账延迟，今天内到账。")
			return err
		}, ticket.Answered, false, "answered→citizen"},
		{"60 minutes: citizen follows up", 10 * time.Minute, func(tk *ticket.Ticket) (err error) {
			*tk, err = w.Tickets.CitizenReply(w.Ctx, p.ID, tk.ID, "请问具体几点能到账？")
			return err
		}, ticket.Open, false, "new→operators"},
		{"70 minutes: answered again", 10 * time.Minute, func(tk *ticket.Ticket) (err error) {
			*tk, err = w.Tickets.OperatorReply(w.Ctx, "li.na", tk.ID, "预计18点前。")
			return err
		}, ticket.Answered, false, "answered→citizen"},
		{"2 hours: the follow-up's timer finds it answered", 50 * time.Minute, nil, ticket.Answered, false, ""},
		{"closed by the citizen", 0, func(tk *ticket.Ticket) (err error) {
			*tk, err = w.Tickets.Close(w.Ctx, ticket.Citizen, p.ID, tk.ID, "")
			return err
		}, ticket.Closed, false, ""},
	}
	var tk ticket.Ticket
	for _, s := range steps {
		w.Clock.Advance(s.advance)
		if s.act != nil {
			if err := s.act(&tk); err != nil {
				t.Fatalf("%s: %v", s.name, err)
			}
		}
		w.RunJobs()
		got, _, err := w.Tickets.Thread(w.Ctx, tk.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != s.status || got.Overdue(w.Clock.Now()) != s.overdue {
			t.Fatalf("%s: status %s overdue %v, want %s %v", s.name, got.Status, got.Overdue(w.Clock.Now()), s.status, s.overdue)
		}
		if n := notices(w.Notices.Take()); n != s.notices {
			t.Fatalf("%s: notices %q, want %q", s.name, n, s.notices)
		}
	}
	final, msgs, _ := w.Tickets.Thread(w.Ctx, tk.ID)
	if final.FirstResponse() != 50*time.Minute || final.DueAt != t0.Add(105*time.Minute) {
		t.Fatalf("first response %s, due %s", final.FirstResponse(), final.DueAt.Sub(t0))
	}
	var authors []string
	for _, m := range msgs {
		authors = append(authors, string(m.Author))
	}
	if got := strings.Join(authors, " "); got != "citizen system operator citizen operator citizen" {
		t.Fatalf("thread authors %q", got)
	}

	// A second ticket answered in 10 minutes: the real average is 30.
	w.Clock.Advance(time.Hour)
	second, err := w.Tickets.Open(w.Ctx, ticket.OpenParams{PersonID: p.ID, Category: "auth", Text: "刷脸总是失败，怎么办"})
	if err != nil {
		t.Fatal(err)
	}
	w.Clock.Advance(10 * time.Minute)
	if _, err := w.Tickets.OperatorReply(w.Ctx, "li.na", second.ID, "请改用电子社保卡密码登录。"); err != nil {
		t.Fatal(err)
	}
	st, err := w.Tickets.Stats(w.Ctx, t0.Add(-time.Hour), w.Clock.Now().Add(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	if st.Opened != 2 || st.Responded != 2 || st.AvgFirstResponse != 30*time.Minute || st.WithinTarget != 1 || st.Escalated != 1 || st.OpenNow != 0 {
		t.Fatalf("stats %+v", st)
	}
}

// TestTargetSetting: the first-response target is a setting; tickets
// opened after a change are due by the new target.
func TestTargetSetting(t *testing.T) {
	w := consoletest.New(t)
	p := w.Person(t, 1)
	if got := w.Tickets.FirstResponseTarget(w.Ctx); got != 45*time.Minute {
		t.Fatalf("default target %s", got)
	}
	if err := w.Tickets.SetFirstResponseTarget(w.Ctx, 20*time.Minute, "admin"); err != nil {
		t.Fatal(err)
	}
	tk, err := w.Tickets.Open(w.Ctx, ticket.OpenParams{PersonID: p.ID, Category: "other", Text: "想咨询一下灵活就业参保"})
	if err != nil {
		t.Fatal(err)
	}
	if tk.DueAt.Sub(tk.CreatedAt) != 20*time.Minute {
		t.Fatalf("due after %s", tk.DueAt.Sub(tk.CreatedAt))
	}
	if err := w.Tickets.SetFirstResponseTarget(w.Ctx, 0, "admin"); err == nil {
		t.Fatal("a zero target was accepted")
	}
}

// TestQueueOrder: the queue lists the earliest due first and a person only
// sees their own tickets.
func TestQueueOrder(t *testing.T) {
	w := consoletest.New(t)
	a, b := w.Person(t, 1), w.Person(t, 2)
	first, _ := w.Tickets.Open(w.Ctx, ticket.OpenParams{PersonID: a.ID, Category: "payment", Text: "银行卡提示超出限额"})
	w.Clock.Advance(time.Minute)
	second, _ := w.Tickets.Open(w.Ctx, ticket.OpenParams{PersonID: b.ID, Category: "payment", Text: "支付一直失败怎么办"})
	q, err := w.Tickets.Queue(w.Ctx, ticket.Open, 10)
	if err != nil || len(q) != 2 || q[0].ID != first.ID || q[1].ID != second.ID {
		t.Fatalf("queue %v, %v", q, err)
	}
	if _, _, err := w.Tickets.ThreadFor(w.Ctx, b.ID, first.ID); err == nil {
		t.Fatal("a person read another's ticket")
	}
	if _, err := w.Tickets.CitizenReply(w.Ctx, b.ID, first.ID, "我也有这个问题"); err == nil {
		t.Fatal("a person replied to another's ticket")
	}
	if _, err := w.Tickets.Open(w.Ctx, ticket.OpenParams{PersonID: a.ID, Category: "nonsense", Text: "随便写点什么"}); err == nil {
		t.Fatal("an unknown category was accepted")
	}
}

// TestSMSNotifier: the citizen gets a text without the message body; staff
// notices go to the staff notifier.
func TestSMSNotifier(t *testing.T) {
	w := consoletest.New(t)
	p := w.Person(t, 1)
	n := ticket.SMSNotifier{Persons: w.Identity, SMS: w.SMS, Staff: w.Notices}
	tk := ticket.Ticket{ID: "T260601ABCDEFGH", PersonID: p.ID, Status: ticket.Answered}
	if err := n.Notify(w.Ctx, ticket.Notice{Kind: ticket.NoticeAnswered, To: ticket.TheCitizen, Ticket: tk}); err != nil {
		t.Fatal(err)
	}
	if err := n.Notify(w.Ctx, ticket.Notice{Kind: ticket.NoticeNew, To: ticket.Operators, Ticket: tk}); err != nil {
		t.Fatal(err)
	}
	if got := w.Notices.Take(); len(got) != 1 || got[0].To != ticket.Operators {
		t.Fatalf("staff notices %v", got)
	}
	msgs := w.SMS.Messages(p.Phone)
	if len(msgs) != 1 || !strings.Contains(msgs[0].Text, tk.ID) {
		t.Fatalf("texts %v", msgs)
	}
}

// TestSeedFAQ: the seed fills an empty knowledge base once.
func TestSeedFAQ(t *testing.T) {
	w := consoletest.New(t)
	n, err := w.Tickets.SeedFAQ(w.Ctx)
	if err != nil || n != len(ticket.DefaultFAQ()) {
		t.Fatalf("seeded %d, %v", n, err)
	}
	if n, _ := w.Tickets.SeedFAQ(w.Ctx); n != 0 {
		t.Fatalf("seeded again: %d", n)
	}
	s, err := w.Tickets.Suggest(w.Ctx, "", "缴费三天了还没到账", 3)
	if err != nil || len(s) == 0 || s[0].Entry.Category != "not_credited" {
		t.Fatalf("suggestions %v, %v", s, err)
	}
}

// TestEscalatesEachWait: a follow-up that is not answered in time is
// escalated again; the first escalation does not count for it.
func TestEscalatesEachWait(t *testing.T) {
	w := consoletest.New(t)
	p := w.Person(t, 1)
	tk, err := w.Tickets.Open(w.Ctx, ticket.OpenParams{PersonID: p.ID, Category: "refund", Text: "退款什么时候到账？"})
	if err != nil {
		t.Fatal(err)
	}
	w.Clock.Advance(46 * time.Minute)
	w.RunJobs()
	if _, err := w.Tickets.OperatorReply(w.Ctx, "li.na", tk.ID, "一般1至3个工作日。"); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Tickets.CitizenReply(w.Ctx, p.ID, tk.ID, "已经过了3个工作日了"); err != nil {
		t.Fatal(err)
	}
	w.RunJobs()
	w.Notices.Take()
	w.Clock.Advance(44 * time.Minute)
	w.RunJobs()
	if n := notices(w.Notices.Take()); n != "" {
		t.Fatalf("escalated before the follow-up was due: %q", n)
	}
	w.Clock.Advance(2 * time.Minute)
	w.RunJobs()
	if n := notices(w.Notices.Take()); n != "escalated→supervisors" {
		t.Fatalf("follow-up overdue: notices %q", n)
	}
	w.Clock.Advance(time.Hour)
	w.RunJobs()
	if n := notices(w.Notices.Take()); n != "" {
		t.Fatalf("escalated twice for one wait: %q", n)
	}
}
