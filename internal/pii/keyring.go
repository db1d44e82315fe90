package pii

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"time"
)

// The keyring lives in the keys directory (<data>/keys) as flat files, so
// `shebao backup` copies it with the other keys:
//
//	pii.key            key 1: the master key every store began with
//	pii-<N>.key        key N (N >= 2), made by `shebao keys rotate`
//	pii-keyring.json   which keys exist, when each was made, which is current
//
// Without the manifest the ring is pii.key alone, current: a store written
// before keyrings existed opens unchanged. The manifest is replaced by
// rename, so a reader sees the old ring or the new one, never half of one.
const (
	manifestFile = "pii-keyring.json"
	maxKeyID     = 255 // the id is the first byte of a sealed value
)

func keyFile(id int) string {
	if id == 1 {
		return "pii.key"
	}
	return fmt.Sprintf("pii-%d.key", id)
}

type manifest struct {
	Current int           `json:"current"`
	Keys    []manifestKey `json:"keys"`
}

type manifestKey struct {
	ID      int       `json:"id"`
	Created time.Time `json:"created"`
}

// ring is one loaded keyring; it is never changed, only replaced.
type ring struct {
	keys    map[byte]*Key
	current *Key
}

// ids lists the ring's key ids, newest first.
func (r *ring) ids() []byte {
	ids := make([]byte, 0, len(r.keys))
	for id := range r.keys {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	slices.Reverse(ids)
	return ids
}

// LoadKeyring opens the keyring in dir, creating key 1 (pii.key) on a
// store's first start. The Sealer re-reads dir when the manifest is
// replaced or a value names a key it lacks, so a running server takes up a
// rotation without a restart.
func LoadKeyring(dir string, random io.Reader) (*Sealer, error) {
	if _, err := os.Stat(filepath.Join(dir, manifestFile)); errors.Is(err, fs.ErrNotExist) {
		if _, err := LoadOrCreateKey(filepath.Join(dir, keyFile(1)), random); err != nil {
			return nil, err
		}
	}
	s := &Sealer{random: random, dir: dir}
	if err := s.reload(); err != nil {
		return nil, err
	}
	return s, nil
}

// OpenKeyring opens the keyring in dir like LoadKeyring but never creates a
// key: for commands (import, key rotation) that must work with the keys the
// servers have, never make one nobody else has.
func OpenKeyring(dir string, random io.Reader) (*Sealer, error) {
	s := &Sealer{random: random, dir: dir}
	if err := s.reload(); err != nil {
		return nil, fmt.Errorf("%w (start the platform once, or restore the keys directory, first)", err)
	}
	return s, nil
}

// refresh re-reads the keyring if its manifest was replaced since the last
// load. It costs one stat, cheap next to the database call every seal or
// lookup goes with.
func (s *Sealer) refresh() error {
	if s.dir == "" {
		return nil
	}
	info, err := os.Stat(filepath.Join(s.dir, manifestFile))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("pii: keyring: %w", err)
	}
	s.mu.Lock()
	seen := s.seen
	s.mu.Unlock()
	if sameFile(info, seen) {
		return nil
	}
	return s.reload()
}

func sameFile(a, b os.FileInfo) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return os.SameFile(a, b) && a.ModTime().Equal(b.ModTime()) && a.Size() == b.Size()
}

// reload reads the keyring from s.dir. A Sealer made by NewSealer has
// nothing to re-read.
func (s *Sealer) reload() error {
	if s.dir == "" {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r, info, err := loadRing(s.dir, s.random)
	if err != nil {
		return err
	}
	s.ring.Store(r)
	s.seen = info
	return nil
}

// loadRing reads the manifest (stat first: a manifest replaced while we
// read is seen as changed at the next refresh) and every key it lists.
func loadRing(dir string, random io.Reader) (*ring, os.FileInfo, error) {
	path := filepath.Join(dir, manifestFile)
	info, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		k, err := readKey(dir, 1, time.Time{}, random)
		if err != nil {
			return nil, nil, err
		}
		return &ring{keys: map[byte]*Key{1: k}, current: k}, nil, nil
	} else if err != nil {
		return nil, nil, fmt.Errorf("pii: keyring: %w", err)
	}
	m, err := readManifest(dir)
	if err != nil {
		return nil, nil, err
	}
	r := &ring{keys: map[byte]*Key{}}
	for _, mk := range m.Keys {
		if mk.ID < 1 || mk.ID > maxKeyID || r.keys[byte(mk.ID)] != nil {
			return nil, nil, fmt.Errorf("pii: %s: key id %d is out of range or listed twice", manifestFile, mk.ID)
		}
		k, err := readKey(dir, mk.ID, mk.Created, random)
		if err != nil {
			return nil, nil, err
		}
		r.keys[byte(mk.ID)] = k
	}
	if m.Current < 1 || m.Current > maxKeyID || r.keys[byte(m.Current)] == nil {
		return nil, nil, fmt.Errorf("pii: %s: current key %d is not listed", manifestFile, m.Current)
	}
	r.current = r.keys[byte(m.Current)]
	return r, info, nil
}

func readManifest(dir string) (manifest, error) {
	var m manifest
	b, err := os.ReadFile(filepath.Join(dir, manifestFile))
	if err != nil {
		return m, fmt.Errorf("pii: keyring: %w", err)
	}
	if err := json.Unmarshal(b, &m); err != nil {
		return m, fmt.Errorf("pii: %s: %w", manifestFile, err)
	}
	return m, nil
}

// readKey reads key id; key 1 without a manifest is dated by its file.
func readKey(dir string, id int, created time.Time, random io.Reader) (*Key, error) {
	path := filepath.Join(dir, keyFile(id))
	info, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("pii: key %d: %w", id, err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("pii: key %d: %w", id, err)
	}
	if len(b) != KeySize {
		return nil, fmt.Errorf("pii: key file %s has %d bytes, want %d", path, len(b), KeySize)
	}
	if created.IsZero() {
		created = info.ModTime().UTC()
	}
	return newKey(byte(id), b, created, random)
}

// KeyInfo describes one key of a keyring.
type KeyInfo struct {
	ID      int
	Created time.Time
	Current bool
}

// Keys lists the keyring, oldest key first.
func (s *Sealer) Keys() []KeyInfo {
	_ = s.refresh() // on a failed re-read, list the ring in use
	r := s.ring.Load()
	ids := r.ids()
	slices.Reverse(ids)
	out := make([]KeyInfo, 0, len(ids))
	for _, id := range ids {
		out = append(out, KeyInfo{ID: int(id), Created: r.keys[id].created, Current: r.keys[id] == r.current})
	}
	return out
}
