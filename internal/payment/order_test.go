package payment

import (
	"testing"
	"time"
)

func TestTransitions(t *testing.T) {
	allowed := []struct{ from, to State }{
		{Created, AwaitingPayment}, {Created, Failed}, {Created, Closed},
		{AwaitingPayment, Paid}, {AwaitingPayment, Closed},
		{Closed, Paid}, {Failed, Paid}, {Created, Paid}, // the provider's word that money arrived wins
		{Paid, Posting}, {Posting, Credited}, {Paid, Held}, {Held, Posting},
		{Credited, Refunding}, {Refunding, Refunded},
	}
	for _, tt := range allowed {
		if !CanTransition(tt.from, tt.to) {
			t.Errorf("%s → %s should be allowed", tt.from, tt.to)
		}
	}
	refused := []struct{ from, to State }{
		{Paid, AwaitingPayment}, {Paid, Closed}, {Credited, Paid}, {Credited, Closed},
		{Posting, Paid}, {Refunded, Paid}, {Failed, AwaitingPayment}, {Created, Credited}, {AwaitingPayment, Credited},
	}
	for _, tt := range refused {
		if CanTransition(tt.from, tt.to) {
			t.Errorf("%s → %s should be refused", tt.from, tt.to)
		}
	}
}

func TestTransitionRecordsEvent(t *testing.T) {
	at := time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
	o := &Order{ID: "o1", State: AwaitingPayment}
	ev, err := o.Transition(Paid, "notification", at)
	if err != nil {
		t.Fatal(err)
	}
	if ev.From != AwaitingPayment || ev.To != Paid || ev.OrderID != "o1" || !ev.At.Equal(at) || o.State != Paid {
		t.Fatalf("event %+v, order state %s", ev, o.State)
	}
	if _, err := o.Transition(AwaitingPayment, "x", at); err == nil {
		t.Fatal("paid order went back to awaiting payment")
	}
	if o.State != Paid {
		t.Fatal("refused transition changed the state")
	}
}

func TestNoPathFromPaidToUnpaid(t *testing.T) {
	// Every state reachable from Paid: none may be an unpaid state.
	for s := range reachable(Paid) {
		if s.Unpaid() {
			t.Errorf("unpaid state %s reachable from paid", s)
		}
	}
}

func TestReentrant(t *testing.T) {
	// Held → Posting → Held is the only cycle: an order released by an
	// operator can be held again. Every state that sends the payer a
	// message without a uniqueness check must not be on one.
	for _, tt := range []struct {
		s    State
		want bool
	}{
		{Created, false}, {AwaitingPayment, false}, {Closed, false}, {Failed, false},
		{Paid, false}, {Posting, true}, {Held, true}, {Credited, false},
		{Refunding, false}, {Refunded, false},
	} {
		if got := tt.s.Reentrant(); got != tt.want {
			t.Errorf("%s.Reentrant() = %v, want %v", tt.s, got, tt.want)
		}
	}
}
