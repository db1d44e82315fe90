// Package billing turns policy quotes into the bills (应缴) a person sees and
// pays: one bill per insurance type and period, priced once from the policy
// in force for that period and then kept as issued, so an amount never
// changes under a person's feet between seeing it and paying it.
package billing

import (
	"time"

	"github.com/shebao-project/shebao/internal/money"
)

// Kind says why a bill exists.
type Kind string

// Bill kinds.
const (
	Current Kind = "current" // the period now due
	Arrears Kind = "arrears" // an earlier period not yet paid (欠费)
)

// Status of a bill.
type Status string

// Bill statuses. A due bill can be locked by one open order at a time
// (OrderID set); it becomes paid when that order is credited.
const (
	Due  Status = "due"
	Paid Status = "paid"
)

// Bill is an amount due for one insurance type and period.
type Bill struct {
	ID                 string
	PersonID           string
	Insurance          string // aae140 code
	Period             string // "2026-11" for monthly schemes, "2027" for annual premiums
	Kind               Kind
	BaseFen            money.Fen
	Rate               string
	AmountFen          money.Fen
	PersonalAccountFen money.Fen
	Policy             string // "<region>@<window start>", the pack the amount came from
	Status             Status
	OrderID            string // the open order holding this bill, if any
	PaidOrderID        string
	CreatedAt          time.Time
}
