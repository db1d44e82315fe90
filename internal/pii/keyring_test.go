package pii

import (
	"bytes"
	"crypto/rand"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// legacyStore is a keys directory as every store had before keyrings: a
// lone pii.key, and a value sealed by the pre-keyring code path (key 1).
func legacyStore(t *testing.T) (dir string, sealed []byte) {
	t.Helper()
	dir = filepath.Join(t.TempDir(), "keys")
	master, err := LoadOrCreateKey(filepath.Join(dir, "pii.key"), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewSealer(master, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	if sealed, err = s.Seal(FieldIDNumber, "11010519491231002X"); err != nil {
		t.Fatal(err)
	}
	if sealed[0] != 1 {
		t.Fatalf("pre-keyring values start with 1, got %d", sealed[0])
	}
	return dir, sealed
}

func TestKeyringOpen(t *testing.T) {
	dir, old := legacyStore(t)
	server, err := LoadKeyring(dir, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, manifestFile)); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("loading a legacy store wrote a manifest: %v", err)
	}
	if id, err := AddKey(dir, time.Now(), rand.Reader); err != nil || id != 2 {
		t.Fatalf("AddKey = %d, %v", id, err)
	}
	// The running server takes up key 2 without a restart.
	fresh, err := server.Seal(FieldIDNumber, "11010519491231002X")
	if err != nil || KeyID(fresh) != 2 {
		t.Fatalf("Seal after rotation: key %d, %v", KeyID(fresh), err)
	}
	tampered := bytes.Clone(fresh)
	tampered[len(tampered)-1] ^= 1
	unknown := bytes.Clone(fresh)
	unknown[0] = 9
	tests := []struct {
		name    string
		field   Field
		sealed  []byte
		want    string
		wantErr error
	}{
		{"key 2 opens", FieldIDNumber, fresh, "11010519491231002X", nil},
		{"key 1 value from before keyrings opens", FieldIDNumber, old, "11010519491231002X", nil},
		{"unknown key id fails closed", FieldIDNumber, unknown, "", ErrUnsealable},
		{"tampered fails closed", FieldIDNumber, tampered, "", ErrUnsealable},
		{"other field fails closed", FieldPhone, fresh, "", ErrUnsealable},
		{"empty fails closed", FieldIDNumber, nil, "", ErrUnsealable},
		{"short fails closed", FieldIDNumber, []byte{2, 1}, "", ErrUnsealable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := server.Open(tt.field, tt.sealed)
			if !errors.Is(err, tt.wantErr) || got != tt.want {
				t.Fatalf("Open = %q, %v; want %q, %v", got, err, tt.want, tt.wantErr)
			}
		})
	}
	var uk *UnknownKeyError
	if _, err := server.Open(FieldIDNumber, unknown); !errors.As(err, &uk) || uk.ID != 9 {
		t.Fatalf("unknown key error = %v", err)
	}
}

func TestKeyringIndexesAndReload(t *testing.T) {
	dir, _ := legacyStore(t)
	server, err := LoadKeyring(dir, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	before := server.Index(FieldPhone, "13800000001")
	if _, err := AddKey(dir, time.Now(), rand.Reader); err != nil {
		t.Fatal(err)
	}
	all := server.Indexes(FieldPhone, "13800000001")
	if len(all) != 2 || !bytes.Equal(all[1], before) || bytes.Equal(all[0], before) {
		t.Fatalf("Indexes during the transition: want [new, old], got %x", all)
	}
	if !bytes.Equal(server.Index(FieldPhone, "13800000001"), all[0]) {
		t.Fatal("Index is not the current key's")
	}
	if !bytes.Equal(server.MAC("sms", "a"), server.MAC("sms", "a")) || bytes.Equal(server.MAC("sms", "a"), server.MAC("sms", "b")) {
		t.Fatal("MAC is not a function of its input")
	}
	// Another process (a second server) opens a value sealed with key 2
	// before it has noticed the rotation: Open re-reads the ring.
	second, err := LoadKeyring(dir, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	if err := RemoveKey(dir, 2); err == nil {
		t.Fatal("the current key was removed")
	}
	if err := RemoveKey(dir, 7); err == nil {
		t.Fatal("a key that does not exist was removed")
	}
	if _, err := AddKey(dir, time.Now(), rand.Reader); err != nil {
		t.Fatal(err)
	}
	v3, err := mustLoadKeyring(t, dir).Seal(FieldName, "张三")
	if err != nil || KeyID(v3) != 3 {
		t.Fatalf("key 3 seal: %d %v", KeyID(v3), err)
	}
	if got, err := second.Open(FieldName, v3); err != nil || got != "张三" {
		t.Fatalf("second server did not reload on an unknown key: %q %v", got, err)
	}
	if err := RemoveKey(dir, 1); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "pii.key")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("retired key file still there: %v", err)
	}
	var ids []int
	for _, k := range server.Keys() {
		ids = append(ids, k.ID)
	}
	if len(ids) != 2 || ids[0] != 2 || ids[1] != 3 || !server.Keys()[1].Current {
		t.Fatalf("Keys after retiring 1 = %+v", server.Keys())
	}
	// A retired key 1 is not recreated by the next start.
	if _, err := LoadKeyring(dir, rand.Reader); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "pii.key")); !errors.Is(err, os.ErrNotExist) {
		t.Fatal("start recreated a retired key 1")
	}
}

func mustLoadKeyring(t *testing.T, dir string) *Sealer {
	t.Helper()
	s, err := LoadKeyring(dir, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestKeyringBadManifest(t *testing.T) {
	dir, _ := legacyStore(t)
	tests := []struct{ name, manifest string }{
		{"not json", "{"},
		{"current not listed", `{"current":2,"keys":[{"id":1}]}`},
		{"listed key file missing", `{"current":4,"keys":[{"id":1},{"id":4}]}`},
		{"id out of range", `{"current":1,"keys":[{"id":1},{"id":256}]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := os.WriteFile(filepath.Join(dir, manifestFile), []byte(tt.manifest), 0o600); err != nil {
				t.Fatal(err)
			}
			if _, err := LoadKeyring(dir, rand.Reader); err == nil {
				t.Fatal("bad manifest accepted")
			}
		})
	}
}

func TestKeyringLock(t *testing.T) {
	dir, _ := legacyStore(t)
	lock := filepath.Join(dir, lockFile)
	if err := os.WriteFile(lock, []byte("4242\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := AddKey(dir, time.Now(), rand.Reader); err == nil {
		t.Fatal("a key was made while another command held the keyring")
	}
	if err := RemoveKey(dir, 1); err == nil {
		t.Fatal("a key was removed while another command held the keyring")
	}
	if err := os.Remove(lock); err != nil {
		t.Fatal(err)
	}
	if id, err := AddKey(dir, time.Now(), rand.Reader); err != nil || id != 2 {
		t.Fatalf("AddKey after the lock went = %d, %v", id, err)
	}
	if _, err := os.Stat(lock); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("AddKey left its lock behind: %v", err)
	}
}
