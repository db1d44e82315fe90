package evidence

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/transparency-dev/merkle/proof"
	"golang.org/x/mod/sumdb/note"
)

// bundleHeader is the first line of a c2sp.org/tlog-proof@v1 proof.
const bundleHeader = "c2sp.org/tlog-proof@v1"

// Bundle is a proof in the c2sp.org/tlog-proof@v1 format: everything needed
// to check offline, with only the log's verifier key, that one leaf is in
// the log. Proof files conventionally end in ".tlog-proof".
type Bundle struct {
	Extra      []byte   // the leaf data; optional in the format
	Index      uint64   // the leaf's index
	Hashes     [][]byte // the inclusion path in the checkpoint's tree
	Checkpoint []byte   // the signed checkpoint note, verbatim
}

// Marshal writes b in the tlog-proof text format.
func (b Bundle) Marshal() []byte {
	var buf bytes.Buffer
	buf.WriteString(bundleHeader + "\n")
	if len(b.Extra) > 0 {
		buf.WriteString("extra " + base64.StdEncoding.EncodeToString(b.Extra) + "\n")
	}
	buf.WriteString("index " + strconv.FormatUint(b.Index, 10) + "\n")
	for _, h := range b.Hashes {
		buf.WriteString(base64.StdEncoding.EncodeToString(h) + "\n")
	}
	buf.WriteString("\n")
	buf.Write(b.Checkpoint)
	return buf.Bytes()
}

// ParseBundle reads a tlog-proof; it checks the format only.
func ParseBundle(data []byte) (Bundle, error) {
	head, cp, ok := bytes.Cut(data, []byte("\n\n"))
	if !ok {
		return Bundle{}, errors.New("evidence: proof has no empty line before its checkpoint")
	}
	lines := strings.Split(string(head), "\n")
	if lines[0] != bundleHeader {
		return Bundle{}, fmt.Errorf("evidence: proof does not start with %s", bundleHeader)
	}
	lines = lines[1:]
	var b Bundle
	if len(lines) > 0 && strings.HasPrefix(lines[0], "extra ") {
		extra, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(lines[0], "extra "))
		if err != nil {
			return Bundle{}, fmt.Errorf("evidence: proof extra data: %w", err)
		}
		b.Extra, lines = extra, lines[1:]
	}
	if len(lines) == 0 || !strings.HasPrefix(lines[0], "index ") {
		return Bundle{}, errors.New("evidence: proof has no index line")
	}
	idx := strings.TrimPrefix(lines[0], "index ")
	n, err := strconv.ParseUint(idx, 10, 64)
	if err != nil || strconv.FormatUint(n, 10) != idx {
		return Bundle{}, fmt.Errorf("evidence: proof index %q is not a decimal without leading zeros", idx)
	}
	b.Index = n
	for _, l := range lines[1:] {
		h, err := base64.StdEncoding.DecodeString(l)
		if err != nil || len(h) != hasher.Size() {
			return Bundle{}, fmt.Errorf("evidence: proof hash %q is not a base64 SHA-256 hash", l)
		}
		b.Hashes = append(b.Hashes, h)
	}
	b.Checkpoint = cp
	return b, nil
}

// VerifyBundle checks a tlog-proof offline: the checkpoint note must carry a
// valid signature by verifierKey (the log's note verifier key, as served at
// GET /api/v1/log/key), its origin must be that key's name, and leafData
// must be the leaf at the proof's index in the checkpoint's tree, by the
// library's RFC 6962 inclusion check. With leafData nil the bundle's own
// extra data is taken as the leaf: that proves those bytes are logged, and
// the caller should then decode them (ParseLeaf) to see what they say.
func VerifyBundle(bundle []byte, verifierKey string, leafData []byte) error {
	v, err := note.NewVerifier(verifierKey)
	if err != nil {
		return fmt.Errorf("evidence: verifier key: %w", err)
	}
	_, err = VerifyBundleWith(bundle, note.VerifierList(v), v.Name(), leafData)
	return err
}

// VerifyBundleWith is VerifyBundle with a set of verifiers (Verifiers gives
// the Ed25519 and SM2 pair) and the expected origin; it returns the
// checkpoint the proof is against.
func VerifyBundleWith(bundle []byte, verifiers note.Verifiers, origin string, leafData []byte) (Checkpoint, error) {
	b, err := ParseBundle(bundle)
	if err != nil {
		return Checkpoint{}, err
	}
	n, err := note.Open(b.Checkpoint, verifiers)
	if err != nil {
		return Checkpoint{}, fmt.Errorf("evidence: proof checkpoint: %w", err)
	}
	cp, err := ParseCheckpoint(n.Text)
	if err != nil {
		return Checkpoint{}, err
	}
	if cp.Origin != origin {
		return Checkpoint{}, fmt.Errorf("evidence: proof is for log %q, not %q", cp.Origin, origin)
	}
	switch {
	case leafData == nil && b.Extra == nil:
		return Checkpoint{}, errors.New("evidence: no leaf data given and none in the proof")
	case leafData == nil:
		leafData = b.Extra
	case b.Extra != nil && !bytes.Equal(b.Extra, leafData):
		return Checkpoint{}, errors.New("evidence: the proof's extra data is not the leaf given")
	}
	if err := proof.VerifyInclusion(hasher, b.Index, cp.Size, hasher.HashLeaf(leafData), b.Hashes, cp.Root); err != nil {
		return Checkpoint{}, fmt.Errorf("evidence: leaf %d is not in checkpoint of size %d: %w", b.Index, cp.Size, err)
	}
	return cp, nil
}
