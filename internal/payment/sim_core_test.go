package payment_test

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/shebao-project/shebao/internal/payment"
)

// simCore is the agency's core system for the simulation: idempotent by
// posting id like the real one (internal/sandbox/coresys), and unreliable
// as the seed decides: down for a while, refusing one posting, or
// accepting one and losing the answer.
type simCore struct {
	sim      *sim
	down     bool
	refusing bool                  // up, answering lookups, but refusing every posting
	postings map[string]simPosting // by posting id (the order id); looked up, never iterated
	accepted []string              // posting ids in the order they were accepted
}

type simPosting struct {
	ref      string
	hash     [32]byte // of the posting as first received
	idNumber string   // whose contribution it is
}

var (
	errCoreDown = errors.New("simulated core system: 503 unavailable")
	errCoreLost = errors.New("simulated core system: answer lost (timeout)")
)

func newSimCore(s *sim) *simCore { return &simCore{sim: s, postings: map[string]simPosting{}} }

// Post implements payment.Core.
func (c *simCore) Post(_ context.Context, p payment.CorePosting) (string, error) {
	name := c.sim.nameOrder(p.PostingID)
	c.sim.interleave("core posting of "+name, "")
	if c.down || c.refusing || c.sim.roll(c.sim.faults.coreFail) {
		return "", errCoreDown
	}
	body, err := json.Marshal(p)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(body)
	if prev, ok := c.postings[p.PostingID]; ok {
		if prev.hash != sum {
			c.sim.violate("core posting %s of %s sent again with different content", p.PostingID, name)
		}
		return prev.ref, nil
	}
	var lines int64
	for _, l := range p.Lines {
		lines += int64(l.AmountFen)
	}
	if p.TransactionID == "" || len(p.Lines) == 0 || lines != int64(p.TotalFen) {
		c.sim.violate("core posting of %s is malformed: transaction %q, %d lines summing to %d fen, total %d", name, p.TransactionID, len(p.Lines), lines, p.TotalFen)
	}
	ref := fmt.Sprintf("HX%06d", len(c.accepted)+1)
	c.postings[p.PostingID] = simPosting{ref: ref, hash: sum, idNumber: p.IDNumber}
	c.accepted = append(c.accepted, p.PostingID)
	c.sim.logf("    core: accepted %s as %s", name, ref)
	c.sim.crash("before the core system's answer arrives")
	if c.sim.roll(c.sim.faults.coreLost) {
		c.sim.stats.lostPosts++
		return "", errCoreLost
	}
	return ref, nil
}

// Lookup implements payment.Core: what the core system has, unless it is
// down.
func (c *simCore) Lookup(_ context.Context, postingID string) (string, error) {
	if c.down {
		return "", errCoreDown
	}
	if p, ok := c.postings[postingID]; ok {
		return p.ref, nil
	}
	return "", fmt.Errorf("simulated core system: %s: %w", postingID, payment.ErrPostingNotFound)
}

var _ payment.Core = (*simCore)(nil)
