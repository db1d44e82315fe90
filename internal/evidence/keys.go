package evidence

import (
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"unicode"

	"golang.org/x/mod/sumdb/note"
)

// LoadOrCreateNoteKey returns the log's Ed25519 note signer key kept at path
// (the text note.GenerateKey makes, "PRIVATE+KEY+<name>+<hash>+<key>"),
// creating one named origin on first use with mode 0600 in a 0700
// directory. The key name is the log's origin for good: an existing key
// keeps its name whatever origin is passed, because every published
// checkpoint and verifier key carries it. A file others can read is refused,
// as the voucher key is: whoever holds it can sign checkpoints.
func LoadOrCreateNoteKey(path, origin string, random io.Reader) (string, error) {
	skey, err := loadNoteKey(path)
	if err == nil || !errors.Is(err, fs.ErrNotExist) {
		return skey, err
	}
	if !validName(origin) {
		return "", fmt.Errorf("evidence: origin %q is not a note key name (non-empty, no spaces, no '+')", origin)
	}
	skey, _, err = note.GenerateKey(random, origin)
	if err != nil {
		return "", fmt.Errorf("evidence: generate note key: %w", err)
	}
	if err := writeNew(path, []byte(skey+"\n")); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return loadNoteKey(path) // another process won the race; use its key
		}
		return "", err
	}
	return skey, nil
}

func loadNoteKey(path string) (string, error) {
	info, err := os.Stat(path)
	if err != nil {
		return "", fmt.Errorf("evidence: note key: %w", err)
	}
	if runtime.GOOS != "windows" && info.Mode().Perm()&0o077 != 0 {
		return "", fmt.Errorf("evidence: note key %s has mode %v; run chmod 600 on it", path, info.Mode().Perm())
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("evidence: note key: %w", err)
	}
	skey := strings.TrimSpace(string(data))
	if _, err := note.NewSigner(skey); err != nil {
		return "", fmt.Errorf("evidence: note key %s: %w", path, err)
	}
	return skey, nil
}

// writeNew writes data to a new file at path, atomically: a temporary file
// is hard-linked into place, which fails with fs.ErrExist if path appeared.
func writeNew(path string, data []byte) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("evidence: key directory: %w", err)
	}
	tmp, err := os.CreateTemp(dir, ".note-key-*") // created 0600
	if err != nil {
		return fmt.Errorf("evidence: write note key: %w", err)
	}
	defer func() { _ = os.Remove(tmp.Name()) }()
	_, err = tmp.Write(data)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("evidence: write note key: %w", err)
	}
	return os.Link(tmp.Name(), path)
}

// NoteVerifierKey derives the public verifier key
// ("<name>+<hash>+<base64(0x01 || Ed25519 public key)>") from a signer key,
// so only the private key file needs keeping.
func NoteVerifierKey(skey string) (string, error) {
	parts := strings.SplitN(skey, "+", 5) // the base64 key may itself contain +
	if len(parts) != 5 || parts[0] != "PRIVATE" || parts[1] != "KEY" {
		return "", errors.New("evidence: not a note signer key")
	}
	raw, err := base64.StdEncoding.DecodeString(parts[4])
	if err != nil || len(raw) != 1+ed25519.SeedSize || raw[0] != 1 {
		return "", errors.New("evidence: note signer key is not Ed25519")
	}
	pub := ed25519.NewKeyFromSeed(raw[1:]).Public().(ed25519.PublicKey)
	return note.NewEd25519VerifierKey(parts[2], pub)
}

// validName is signed-note's rule for key names, which a checkpoint origin
// must also follow here, since the log's key is named after it.
func validName(s string) bool {
	return s != "" && !strings.ContainsRune(s, '+') && strings.IndexFunc(s, unicode.IsSpace) < 0
}
