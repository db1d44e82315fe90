package billing

import (
	"encoding/binary"
	"fmt"
	"io"
)

// runIDs draws the ids of one monthly run's bills. A bill id is otherwise
// 20 random characters, which puts each of a million new bills at a random
// place in the bills' primary-key index: every page of that index is
// rewritten by every transaction of the run, and SQLite copies each rewritten
// page into its write-ahead log. A run's ids instead share a prefix drawn
// once for the run, then count up, then end in random characters: they land
// next to each other in the index, in the order they are stored. The
// alphabet and length are those of every bill id; 40 bits of the run prefix
// and 30 bits per bill are random, and nothing is granted by knowing an id
// (every request is authorised against the person the bill belongs to).
type runIDs struct {
	random io.Reader
	prefix string
	seq    uint64
}

// sortedIDAlphabet is idEncoding's alphabet in byte order, so that the
// counting part of a run's ids sorts as the count does.
const sortedIDAlphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"

const (
	runPrefixChars = 8 // random, once per run
	runSeqChars    = 6 // the bill's number in the run: 2^30 bills
	runRandomChars = 6 // random, per bill
)

func (s *Service) newRunIDs() (*runIDs, error) {
	raw := make([]byte, 5)
	if _, err := io.ReadFull(s.random, raw); err != nil {
		return nil, fmt.Errorf("billing: random run id prefix: %w", err)
	}
	return &runIDs{random: s.random, prefix: "bil_" + idEncoding.EncodeToString(raw)[:runPrefixChars]}, nil
}

// next returns the run's next bill id.
func (r *runIDs) next() (string, error) {
	if r.seq >= 1<<(5*runSeqChars) {
		return "", fmt.Errorf("billing: more than %d bills in one run", 1<<(5*runSeqChars))
	}
	var raw [4]byte
	if _, err := io.ReadFull(r.random, raw[:]); err != nil {
		return "", fmt.Errorf("billing: random id: %w", err)
	}
	b := make([]byte, 0, len(r.prefix)+runSeqChars+runRandomChars)
	b = append(b, r.prefix...)
	b = appendBase32(b, r.seq, runSeqChars, sortedIDAlphabet)
	b = appendBase32(b, uint64(binary.BigEndian.Uint32(raw[:])), runRandomChars, sortedIDAlphabet)
	r.seq++
	return string(b), nil
}

// appendBase32 appends the low 5×n bits of v as n characters, most
// significant first.
func appendBase32(b []byte, v uint64, n int, alphabet string) []byte {
	for i := n - 1; i >= 0; i-- {
		b = append(b, alphabet[(v>>(5*uint(i)))&31])
	}
	return b
}
