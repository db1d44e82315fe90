// Package auditlog is the append-only record of who viewed or changed what
// (Cybersecurity Law art. 21 asks for at least six months). Entries are
// hash-chained with SM3: each hash covers the entry's fields and the hash
// before it, so editing or deleting any row breaks every hash after it, and
// Verify names the first row where the chain breaks.
package auditlog

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"time"

	"github.com/emmansun/gmsm/sm3"
)

// Entry is one audited action. Actor and Target are ids, never personal
// data; Detail is a short free text without ID or phone numbers.
type Entry struct {
	Seq      int64     `json:"seq"`
	At       time.Time `json:"at"`
	Actor    string    `json:"actor"`
	Action   string    `json:"action"`
	Target   string    `json:"target"`
	Detail   string    `json:"detail"`
	PrevHash []byte    `json:"prev_hash"`
	Hash     []byte    `json:"hash"`
}

// Store keeps the chain. Appends happen in the caller's write transaction,
// which serialises them, so Last and Insert see a stable end of the chain.
type Store interface {
	LastAuditEntry(ctx context.Context) (Entry, bool, error)
	InsertAuditEntry(ctx context.Context, e Entry) error
}

// Reader walks the chain for verification and export.
type Reader interface {
	AuditEntries(ctx context.Context, after int64, limit int) ([]Entry, error)
}

// Append chains e after the last entry and stores it.
func Append(ctx context.Context, s Store, e Entry) error {
	last, ok, err := s.LastAuditEntry(ctx)
	if err != nil {
		return fmt.Errorf("auditlog: last entry: %w", err)
	}
	e.Seq, e.PrevHash = 1, make([]byte, sm3.Size)
	if ok {
		e.Seq, e.PrevHash = last.Seq+1, last.Hash
	}
	e.Hash = Hash(e)
	return s.InsertAuditEntry(ctx, e)
}

// Hash is SM3 over the entry's fields, each length-prefixed so that no two
// different entries encode to the same bytes, and the previous hash.
func Hash(e Entry) []byte {
	var b bytes.Buffer
	num := func(v int64) { _ = binary.Write(&b, binary.BigEndian, v) }
	str := func(s string) { num(int64(len(s))); b.WriteString(s) }
	num(e.Seq)
	num(e.At.UnixMilli())
	str(e.Actor)
	str(e.Action)
	str(e.Target)
	str(e.Detail)
	b.Write(e.PrevHash)
	sum := sm3.Sum(b.Bytes())
	return sum[:]
}

// Problem is where the chain breaks.
type Problem struct {
	Seq    int64
	Reason string
}

// Verify walks the whole chain and reports the first break: a missing
// sequence number (a deleted row), a previous-hash mismatch, or a hash that
// does not match the row's fields (an edited row).
func Verify(ctx context.Context, r Reader) (int64, *Problem, error) {
	prev := make([]byte, sm3.Size)
	var seq, n int64
	for {
		page, err := r.AuditEntries(ctx, seq, 1000)
		if err != nil {
			return n, nil, err
		}
		if len(page) == 0 {
			return n, nil, nil
		}
		for _, e := range page {
			switch {
			case e.Seq != seq+1:
				return n, &Problem{seq + 1, fmt.Sprintf("entry %d is missing (next is %d)", seq+1, e.Seq)}, nil
			case !bytes.Equal(e.PrevHash, prev):
				return n, &Problem{e.Seq, "previous-hash link does not match entry " + fmt.Sprint(seq)}, nil
			case !bytes.Equal(Hash(e), e.Hash):
				return n, &Problem{e.Seq, "entry was changed after it was written"}, nil
			}
			prev, seq = e.Hash, e.Seq
			n++
		}
	}
}
