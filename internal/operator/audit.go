package operator

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"time"

	"github.com/emmansun/gmsm/sm3"
)

// Entry is one line of the operator audit log: who did what to which
// target, why, and when.
type Entry struct {
	Seq      int64 // 1, 2, 3, … without gaps
	At       time.Time
	Operator string // the operator's login name; "cli", "system" or "-" (unknown) otherwise
	Action   string // e.g. hold.release, pii.unmask, login.failed
	Target   string // an order id, a ticket id, an operator's name…
	Reason   string // as the operator typed it
	Detail   string
	PrevHash []byte
	Hash     []byte
}

// genesis is the prev_hash of entry 1.
var genesis = make([]byte, sm3.Size)

// EntryHash is SM3(prev_hash || encoding of the entry), the encoding being
// seq and the time in Unix milliseconds as 8-byte big-endian integers, then
// each text field as a 4-byte big-endian length and its UTF-8 bytes. Fixed
// lengths and length prefixes make the encoding unambiguous.
func EntryHash(prev []byte, e Entry) []byte {
	var b bytes.Buffer
	b.Write(prev)
	_ = binary.Write(&b, binary.BigEndian, e.Seq)
	_ = binary.Write(&b, binary.BigEndian, e.At.UnixMilli())
	for _, f := range []string{e.Operator, e.Action, e.Target, e.Reason, e.Detail} {
		_ = binary.Write(&b, binary.BigEndian, uint32(len(f)))
		b.WriteString(f)
	}
	h := sm3.Sum(b.Bytes())
	return h[:]
}

// Record appends e to the audit log, chained to the entry before it.
// Callers record before they act, so no action goes unrecorded: an action
// that then fails is recorded again with the action name + ".failed".
func (s *Service) Record(ctx context.Context, e Entry) error {
	e.At = s.now().UTC().Truncate(time.Millisecond)
	_, err := s.store.AppendAudit(ctx, e, func(e *Entry) {
		if e.Seq == 1 {
			e.PrevHash = genesis
		}
		e.Hash = EntryHash(e.PrevHash, *e)
	})
	if err != nil {
		return fmt.Errorf("operator: audit %s: %w", e.Action, err)
	}
	return nil
}

// audit records an entry where the caller has nothing better to do with a
// failure than log it (a failed login must still answer "failed").
func (s *Service) audit(ctx context.Context, e Entry) {
	if err := s.Record(ctx, e); err != nil {
		s.log.ErrorContext(ctx, "operator audit", "action", e.Action, "err", err)
	}
}

// Recent lists entries newest first, up to limit, below seq before (0:
// from the newest), for the console's audit page.
func (s *Service) Recent(ctx context.Context, before int64, limit int) ([]Entry, error) {
	return s.store.RecentAudit(ctx, before, limit)
}

// Verification is the result of checking the whole chain.
type Verification struct {
	Entries  int64  // entries read
	Head     []byte // hash of the last entry: write it down to notice the newest entries being cut off later
	OK       bool
	BrokenAt int64 // the first entry that does not verify
	Problem  string
}

// VerifyAudit recomputes the chain from the first entry and names the
// first that was edited, deleted or inserted.
func (s *Service) VerifyAudit(ctx context.Context) (Verification, error) {
	v := Verification{OK: true, Head: genesis}
	const page = 1000
	for after := int64(0); ; {
		es, err := s.store.AuditEntries(ctx, after, page)
		if err != nil {
			return v, err
		}
		for _, e := range es {
			if p := checkEntry(v.Entries+1, v.Head, e); p != "" {
				v.OK, v.BrokenAt, v.Problem = false, e.Seq, p
				return v, nil
			}
			v.Entries, v.Head = e.Seq, e.Hash
		}
		if len(es) < page {
			return v, nil
		}
		after = es[len(es)-1].Seq
	}
}

// checkEntry says what is wrong with e as entry number want after prev.
func checkEntry(want int64, prev []byte, e Entry) string {
	switch {
	case e.Seq != want:
		return fmt.Sprintf("entry %d missing: found %d next", want, e.Seq)
	case !bytes.Equal(e.PrevHash, prev):
		return fmt.Sprintf("entry %d does not follow entry %d (an entry was removed or replaced)", e.Seq, e.Seq-1)
	case !bytes.Equal(e.Hash, EntryHash(prev, e)):
		return fmt.Sprintf("entry %d was altered after it was written", e.Seq)
	}
	return ""
}
