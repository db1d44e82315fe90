package pii

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"
)

// AddKey makes a new key in the keyring in dir and makes it current: the
// key file first, then the manifest that lists it, each written to a
// temporary file and renamed into place. A crash before the manifest's
// rename leaves a key file nobody uses (the next AddKey overwrites it); after
// it, every process that re-reads the ring seals with the new key.
// It returns the new key's id.
func AddKey(dir string, now time.Time, random io.Reader) (int, error) {
	unlock, err := lockRing(dir)
	if err != nil {
		return 0, err
	}
	defer unlock()
	m, err := currentManifest(dir)
	if err != nil {
		return 0, err
	}
	next := 0
	for _, k := range m.Keys {
		next = max(next, k.ID)
	}
	next++
	if next > maxKeyID {
		return 0, fmt.Errorf("pii: keyring: key ids are used up (%d)", maxKeyID)
	}
	key := make([]byte, KeySize)
	if _, err := io.ReadFull(random, key); err != nil {
		return 0, fmt.Errorf("pii: generate key: %w", err)
	}
	if err := writeAtomic(dir, keyFile(next), key); err != nil {
		return 0, err
	}
	m.Keys = append(m.Keys, manifestKey{ID: next, Created: now.UTC()})
	m.Current = next
	return next, writeManifest(dir, m)
}

// RemoveKey takes key id out of the keyring in dir and deletes its file.
// The current key cannot be removed. Callers first make sure no sealed value
// still uses the key (`shebao keys retire` counts them): a value sealed with
// a removed key can never be opened again.
func RemoveKey(dir string, id int) error {
	unlock, err := lockRing(dir)
	if err != nil {
		return err
	}
	defer unlock()
	m, err := currentManifest(dir)
	if err != nil {
		return err
	}
	if id == m.Current {
		return fmt.Errorf("pii: key %d is the current key; rotate to a new key before retiring it", id)
	}
	kept := m.Keys[:0:0]
	for _, k := range m.Keys {
		if k.ID != id {
			kept = append(kept, k)
		}
	}
	if len(kept) == len(m.Keys) {
		return fmt.Errorf("pii: key %d is not in the keyring", id)
	}
	m.Keys = kept
	if err := writeManifest(dir, m); err != nil {
		return err
	}
	if err := os.Remove(filepath.Join(dir, keyFile(id))); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("pii: remove key %d: %w", id, err)
	}
	return nil
}

// lockFile is held while the keyring changes: two rotations at once would
// both make "key N" with different bytes, the second overwriting the key
// the first may already be sealing with; a retirement at the same time as a
// rotation would lose one of the two manifest changes. It is held for
// milliseconds (the reseal pass runs outside it), so a lock left behind
// means a process was killed in that window.
const lockFile = "pii-keyring.lock"

func lockRing(dir string) (unlock func(), err error) {
	path := filepath.Join(dir, lockFile)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		return nil, fmt.Errorf("pii: keyring: %s exists: another `shebao keys` command is changing the keyring; "+
			"if none is running (one was killed), delete the file and run again", path)
	} else if err != nil {
		return nil, fmt.Errorf("pii: keyring: %w", err)
	}
	fmt.Fprintf(f, "%d\n", os.Getpid())
	if err := f.Close(); err != nil {
		os.Remove(path)
		return nil, fmt.Errorf("pii: keyring: %w", err)
	}
	return func() { os.Remove(path) }, nil
}

// currentManifest reads the manifest, or describes the ring a store without
// one has: key 1, current, dated by its file.
func currentManifest(dir string) (manifest, error) {
	if _, err := os.Stat(filepath.Join(dir, manifestFile)); err == nil {
		return readManifest(dir)
	}
	info, err := os.Stat(filepath.Join(dir, keyFile(1)))
	if err != nil {
		return manifest{}, fmt.Errorf("pii: keyring: no %s and no %s in %s: %w", manifestFile, keyFile(1), dir, err)
	}
	return manifest{Current: 1, Keys: []manifestKey{{ID: 1, Created: info.ModTime().UTC()}}}, nil
}

func writeManifest(dir string, m manifest) error {
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	return writeAtomic(dir, manifestFile, append(b, '\n'))
}

// writeAtomic writes name in dir through a synced temporary file and a
// rename, then syncs the directory so the rename survives a power cut.
func writeAtomic(dir, name string, b []byte) error {
	f, err := os.CreateTemp(dir, "."+name+".tmp*") // mode 0600
	if err != nil {
		return fmt.Errorf("pii: keyring: %w", err)
	}
	_, werr := f.Write(b)
	serr := f.Sync()
	cerr := f.Close()
	if err := errors.Join(werr, serr, cerr); err != nil {
		os.Remove(f.Name())
		return fmt.Errorf("pii: keyring: write %s: %w", name, err)
	}
	if err := os.Rename(f.Name(), filepath.Join(dir, name)); err != nil {
		os.Remove(f.Name())
		return fmt.Errorf("pii: keyring: %w", err)
	}
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("pii: keyring: %w", err)
	}
	defer d.Close()
	return d.Sync()
}
