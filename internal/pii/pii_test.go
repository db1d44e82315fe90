package pii

import (
	"bytes"
	"crypto/rand"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func newTestSealer(t *testing.T) *Sealer {
	t.Helper()
	s, err := NewSealer(bytes.Repeat([]byte{7}, KeySize), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSealOpen(t *testing.T) {
	s := newTestSealer(t)
	sealed, err := s.Seal(FieldIDNumber, "11010519491231002X")
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(sealed, []byte("1101051949")) {
		t.Fatal("sealed value contains the plaintext")
	}
	got, err := s.Open(FieldIDNumber, sealed)
	if err != nil || got != "11010519491231002X" {
		t.Fatalf("Open = %q, %v", got, err)
	}
	// The field is bound: a sealed ID number does not open as a phone.
	if _, err := s.Open(FieldPhone, sealed); !errors.Is(err, ErrUnsealable) {
		t.Fatalf("moved field opened: %v", err)
	}
	// A flipped bit is detected.
	sealed[len(sealed)-1] ^= 1
	if _, err := s.Open(FieldIDNumber, sealed); !errors.Is(err, ErrUnsealable) {
		t.Fatalf("tampered value opened: %v", err)
	}
	if _, err := s.Open(FieldIDNumber, []byte{1, 2}); !errors.Is(err, ErrUnsealable) {
		t.Fatalf("short value opened: %v", err)
	}
	// Two seals of the same value differ (random nonce), so equal columns leak nothing.
	a, _ := s.Seal(FieldPhone, "13800000001")
	b, _ := s.Seal(FieldPhone, "13800000001")
	if bytes.Equal(a, b) {
		t.Fatal("sealing is deterministic")
	}
}

func TestIndex(t *testing.T) {
	s := newTestSealer(t)
	if !bytes.Equal(s.Index(FieldPhone, "13800000001"), s.Index(FieldPhone, "13800000001")) {
		t.Fatal("index not deterministic")
	}
	if bytes.Equal(s.Index(FieldPhone, "13800000001"), s.Index(FieldIDNumber, "13800000001")) {
		t.Fatal("index not separated by field")
	}
	other, _ := NewSealer(bytes.Repeat([]byte{8}, KeySize), rand.Reader)
	if bytes.Equal(s.Index(FieldPhone, "1"), other.Index(FieldPhone, "1")) {
		t.Fatal("index does not depend on the key")
	}
}

func TestMasks(t *testing.T) {
	tests := []struct{ got, want string }{
		{MaskIDNumber("11010519491231002X"), "110***********002X"},
		{MaskPhone("13800000001"), "138****0001"},
		{MaskName("张三"), "张*"},
		{MaskName("欧阳娜娜"), "欧***"},
		{MaskName("王"), "王*"},
		{MaskName(""), ""},
		{MaskPhone("123"), "***"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
}

func TestLoadOrCreateKey(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keys", "pii.key")
	k1, err := LoadOrCreateKey(path, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	k2, err := LoadOrCreateKey(path, rand.Reader)
	if err != nil || !bytes.Equal(k1, k2) {
		t.Fatalf("second load differs: %v", err)
	}
	info, _ := os.Stat(path)
	if info.Mode().Perm() != 0o600 {
		t.Fatalf("key mode %v", info.Mode().Perm())
	}
	os.WriteFile(path, []byte("short"), 0o600)
	if _, err := LoadOrCreateKey(path, rand.Reader); err == nil {
		t.Fatal("wrong-size key accepted")
	}
}
