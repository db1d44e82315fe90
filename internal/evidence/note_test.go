package evidence_test

import (
	"bytes"
	"crypto/rand"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/emmansun/gmsm/sm2"
	"golang.org/x/mod/sumdb/note"

	"github.com/shebao-project/shebao/internal/evidence"
)

// TestCheckpointNote checks the checkpoint against the specs with the
// reference note package: three lines (origin, size, base64 root), an
// Ed25519 signature a standard verifier accepts while it ignores the SM2
// line, and an SM2 line our verifier accepts.
func TestCheckpointNote(t *testing.T) {
	f := newFixture(t)
	f.appendOrders(t, 0, 3)
	c := f.checkpoint(t)

	std, err := note.NewVerifier(f.log.VerifierKey())
	if err != nil {
		t.Fatal(err)
	}
	n, err := note.Open(c.Note, note.VerifierList(std))
	if err != nil {
		t.Fatalf("standard verifier: %v", err)
	}
	if len(n.Sigs) != 1 || n.Sigs[0].Name != testOrigin {
		t.Errorf("verified signatures %+v, want one by %s", n.Sigs, testOrigin)
	}
	if len(n.UnverifiedSigs) != 1 || n.UnverifiedSigs[0].Name != testOrigin+"/sm2" {
		t.Errorf("unverified signatures %+v, want the SM2 line ignored", n.UnverifiedSigs)
	}
	lines := strings.Split(n.Text, "\n")
	if len(lines) != 4 || lines[0] != testOrigin || lines[1] != "12" || lines[3] != "" {
		t.Errorf("note text %q is not origin, size, root", n.Text)
	}
	cp, err := evidence.ParseCheckpoint(n.Text)
	if err != nil || cp.Size != 12 || !bytes.Equal(cp.Root, c.Root) || cp.Text() != n.Text {
		t.Errorf("ParseCheckpoint = %+v, %v", cp, err)
	}

	both, err := evidence.Verifiers(f.log.VerifierKey(), &f.sm2.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	if n, err := note.Open(c.Note, both); err != nil || len(n.Sigs) != 2 {
		t.Errorf("with the SM2 verifier: %v, %d signatures", err, len(n.Sigs))
	}

	other, _ := sm2.GenerateKey(rand.Reader)
	wrong, _ := evidence.Verifiers(f.log.VerifierKey(), &other.PublicKey)
	if n, err := note.Open(c.Note, wrong); err != nil || len(n.Sigs) != 1 {
		t.Errorf("another SM2 key has another key ID, so its line stays unverified: %v", err)
	}

	tampered := bytes.Replace(c.Note, []byte("\n12\n"), []byte("\n13\n"), 1)
	var invalid *note.InvalidSignatureError
	if _, err := note.Open(tampered, both); !errors.As(err, &invalid) {
		t.Errorf("edited size: %v, want an invalid signature", err)
	}
}

func TestParseCheckpointRejects(t *testing.T) {
	root := "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="
	for name, text := range map[string]string{
		"leading zero":   "o\n012\n" + root + "\n",
		"short root":     "o\n12\nAAAA\n",
		"extension line": "o\n12\n" + root + "\next\n",
		"no final nl":    "o\n12\n" + root,
		"empty origin":   "\n12\n" + root + "\n",
	} {
		if _, err := evidence.ParseCheckpoint(text); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if _, err := evidence.ParseCheckpoint("o\n0\n" + root + "\n"); err != nil {
		t.Errorf("empty tree: %v", err)
	}
}

func TestNoteKeyFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keys", "evidence-note.key")
	a, err := evidence.LoadOrCreateNoteKey(path, testOrigin, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(path)
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode %v, %v; want 0600", info.Mode().Perm(), err)
	}
	b, err := evidence.LoadOrCreateNoteKey(path, "another.example/log", rand.Reader)
	if err != nil || a != b {
		t.Errorf("reload gave another key (%v); an existing key keeps its name", err)
	}
	vkey, err := evidence.NoteVerifierKey(a)
	if err != nil || !strings.HasPrefix(vkey, testOrigin+"+") {
		t.Fatalf("NoteVerifierKey = %q, %v", vkey, err)
	}
	s, _ := note.NewSigner(a)
	v, _ := note.NewVerifier(vkey)
	msg, _ := note.Sign(&note.Note{Text: "hello\n"}, s)
	if _, err := note.Open(msg, note.VerifierList(v)); err != nil {
		t.Errorf("derived verifier key does not verify: %v", err)
	}
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := evidence.LoadOrCreateNoteKey(path, testOrigin, rand.Reader); err == nil {
		t.Error("a world-readable key was used")
	}
	if _, err := evidence.LoadOrCreateNoteKey(filepath.Join(t.TempDir(), "k"), "has space", rand.Reader); err == nil {
		t.Error("an origin with a space became a key name")
	}
}
