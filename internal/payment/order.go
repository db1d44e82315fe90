// Package payment takes an order from creation to credited: it asks the
// provider for a payment, accepts the provider's verified word that money
// arrived, posts the contribution to the agency's core system, and issues the
// vouchers. Every state change is an event stored in the same transaction as
// the change, and every step is idempotent, so a duplicate notification, a
// retried request or a crash between two steps can neither lose a payment nor
// credit it twice.
package payment

import (
	"fmt"
	"slices"
	"time"

	"github.com/shebao-project/shebao/internal/money"
)

// State is an order's place in its life cycle. The names are part of the API.
type State string

// Order states. See transitions for what may follow what.
const (
	Created         State = "created"          // stored, provider not yet asked
	AwaitingPayment State = "awaiting_payment" // provider order exists, person has not paid
	Paid            State = "paid"             // provider confirmed payment
	Posting         State = "posting"          // being posted to the agency's core system
	Credited        State = "credited"         // posted; vouchers issued
	Closed          State = "closed"           // unpaid and closed (expired, cancelled, superseded)
	Failed          State = "failed"           // the provider refused to create the payment
	Held            State = "held"             // money received but something is wrong; an operator decides
	Refunding       State = "refunding"
	Refunded        State = "refunded"
)

// transitions lists the allowed next states. A paid order can never go back
// to an unpaid state: money that arrived is either credited or refunded.
var transitions = map[State][]State{
	// created → paid: the provider created the order and was paid, but we
	// crashed before recording the prepay; its notification still counts.
	Created:         {AwaitingPayment, Failed, Closed, Paid, Held},
	AwaitingPayment: {Paid, Closed, Held},
	// A payment can complete just before our close reached the provider, or
	// after a prepay we took for failed (a timeout) had in fact succeeded:
	// the provider's word that money arrived wins.
	Closed:    {Paid, Held},
	Failed:    {Paid, Held},
	Paid:      {Posting, Held, Refunding},
	Posting:   {Credited, Held, Refunding},
	Held:      {Posting, Refunding},
	Refunding: {Refunded},
	Credited:  {Refunding},
}

// CanTransition reports whether from → to is allowed.
func CanTransition(from, to State) bool { return slices.Contains(transitions[from], to) }

// Terminal reports whether nothing more happens to an order in state s
// without an operator.
func (s State) Terminal() bool {
	return s == Credited || s == Failed || s == Refunded
}

// Reentrant reports whether an order can enter s more than once: whether
// s lies on a cycle of the transitions (Held does: released to Posting, it
// can be held again).
func (s State) Reentrant() bool { return reachable(s)[s] }

// reachable is every state an order in s can come to by one or more
// transitions.
func reachable(s State) map[State]bool {
	seen := map[State]bool{}
	next := slices.Clone(transitions[s])
	for len(next) > 0 {
		t := next[len(next)-1]
		next = next[:len(next)-1]
		if !seen[t] {
			seen[t] = true
			next = append(next, transitions[t]...)
		}
	}
	return seen
}

// Unpaid reports whether no money has arrived for an order in state s.
func (s State) Unpaid() bool {
	return s == Created || s == AwaitingPayment || s == Closed || s == Failed
}

// Order is a payment for one or more bills of one insured person.
type Order struct {
	ID             string
	PersonID       string // the insured person the bills belong to
	PayerID        string // who pays: the person, or a family member by proxy
	Region         string
	Channel        string
	State          State
	AmountFen      money.Fen
	Description    string
	OutTradeNo     string
	PrepayID       string
	TransactionID  string
	IdempotencyKey string
	RequestHash    []byte
	BillIDs        []string
	CoreRef        string
	HoldReason     string
	HoldUntil      time.Time  // when a hold ends by itself; zero if not held
	PayParams      *PayParams // what the payer was given to pay with, kept so a retry gets the same
	Supersedes     string     // the earlier order for the same bills this one replaced
	CreatedAt      time.Time
	UpdatedAt      time.Time
	ExpiresAt      time.Time
	PaidAt         time.Time // zero until paid
	// ReceivedFen is what the provider reported paid, recorded with the
	// payment: zero until paid, and for orders no provider was paid for
	// (credit pay, family offset). It differs from AmountFen only for a
	// payment of another amount, which is held and can only be refunded.
	ReceivedFen money.Fen
	CreditedAt  time.Time // zero until credited
	Version     int       // optimistic concurrency: each stored change increments it
}

// Event records one transition of an order, with why it happened.
type Event struct {
	Seq     int64
	OrderID string
	From    State
	To      State
	Reason  string
	Detail  string
	At      time.Time
}

// Transition moves o to state to and returns the event to store with it.
func (o *Order) Transition(to State, reason string, at time.Time) (Event, error) {
	if !CanTransition(o.State, to) {
		return Event{}, fmt.Errorf("payment: order %s cannot go from %s to %s", o.ID, o.State, to)
	}
	ev := Event{OrderID: o.ID, From: o.State, To: to, Reason: reason, At: at}
	o.State = to
	o.UpdatedAt = at
	return ev, nil
}
