// Package policyadmin lets operators publish policy packs from the console
// instead of only with a new release: upload a pack, see its problems, see
// what it changes and for how many people, publish it, roll it back.
//
// The packs in force are the release's embedded files plus the packs
// published here and not rolled back (policy.LoadWith): a published pack for
// the same region and first month replaces the file (a correction), any
// other adds a window. The whole set is validated before anything is
// stored, so a publication can never leave the engine unable to load.
//
// Decisions made here:
//
//   - A pack takes effect on its own effective_from. One that starts before
//     the current month (Beijing time) is refused, unless it corrects the
//     window in force this month: notices often arrive after the month they
//     take effect, and the continuation pack (暂按上年度标准执行) is then
//     corrected; windows that have ended were billed and paid under their
//     figures and stay as they were.
//   - A roll-back is refused for a pack whose window has ended, for the
//     same reason, and when removing it would break the set.
//   - Every publication and roll-back is compared with the set version the
//     operator previewed (Store.Version): if another operator or server
//     changed the packs in between, it is refused and must be previewed
//     again, so what was previewed is what is published.
//   - Bills already issued keep their amounts (billing prices a bill once);
//     the impact counts the bills of the pack's first month still to issue,
//     or of the current month for a correction of the current window.
//   - Other server processes pick a change up within Interval (Run).
package policyadmin

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"time"

	"github.com/emmansun/gmsm/sm3"

	"github.com/shebao-project/shebao/internal/billing"
)

// Pack statuses. A pack is published once and may be rolled back once;
// publishing the same YAML again makes a new pack.
const (
	StatusPublished  = "published"
	StatusRolledBack = "rolled_back"
)

// Pack is a policy pack published from the console, as stored.
type Pack struct {
	ID            int64
	Region        string // GB/T 2260 code or "national"
	EffectiveFrom string // YYYY-MM, the pack's first month
	YAML          string
	// SHA256 and SM3 identify the YAML (lower-case hex): SM3 is the national
	// standard digest (GB/T 32905) the agency's integrity checks use,
	// SHA-256 what an operator can check with sha256sum on any workstation.
	SHA256         string
	SM3            string
	Status         string
	PublishedBy    string // operator login name, as in the operator audit log
	PublishedAt    time.Time
	Reason         string
	RolledBackBy   string
	RolledBackAt   time.Time // zero while published
	RollbackReason string
}

// File is the name the pack has in problems and windows; it ends in
// <region>/<effective_from>.yaml as policy.LoadWith requires.
func (p Pack) File() string {
	return "published/" + strconv.FormatInt(p.ID, 10) + "/" + p.Region + "/" + p.EffectiveFrom + ".yaml"
}

// Policy is the window's id as quotes cite it: "110000@2027-07".
func (p Pack) Policy() string { return p.Region + "@" + p.EffectiveFrom }

// RollBack is a roll-back as stored.
type RollBack struct {
	ID     int64
	By     string
	At     time.Time
	Reason string
}

// Store keeps the published packs and reads the insured population for
// impact previews. Drivers translate errors to the store sentinels.
type Store interface {
	// Packs lists every pack ever published, rolled-back ones included, by id.
	Packs(ctx context.Context) ([]Pack, error)
	// Pack returns one pack; store.ErrNotFound if there is none.
	Pack(ctx context.Context, id int64) (Pack, error)
	// Version grows with every publication and roll-back: the highest id
	// plus the number of rolled-back packs (ids are never reused, a pack is
	// rolled back at most once). Servers compare it to notice a change.
	Version(ctx context.Context) (int64, error)
	// Insert stores p as published, if Version is still expect, and returns
	// it with its id; store.ErrConflict if the version moved.
	Insert(ctx context.Context, p Pack, expect int64) (Pack, error)
	// RollBack marks a published pack rolled back, if Version is still
	// expect; store.ErrNotFound for no such pack, store.ErrConflict if it
	// is rolled back already or the version moved.
	RollBack(ctx context.Context, r RollBack, expect int64) error
	// EnrolledInRegion is billing.RunStore's EnrolledAfter for the persons
	// of one region: a page of up to limit persons whose id sorts after
	// after, in id order, each with their active enrolments.
	EnrolledInRegion(ctx context.Context, region, after string, limit int) ([]billing.Enrolled, error)
}

// version is Store.Version computed from the list of packs.
func version(packs []Pack) int64 {
	var v int64
	for _, p := range packs {
		v = max(v, p.ID)
	}
	for _, p := range packs {
		if p.Status == StatusRolledBack {
			v++
		}
	}
	return v
}

// digests returns the SHA-256 and SM3 of data in lower-case hex.
func digests(data []byte) (string, string) {
	a := sha256.Sum256(data)
	b := sm3.Sum(data)
	return hex.EncodeToString(a[:]), hex.EncodeToString(b[:])
}
