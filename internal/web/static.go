package web

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"net/http"
	"path"
	"strings"
)

//go:embed static
var staticFS embed.FS

// staticFiles serves /static/ with content-hashed URLs (/static/app.css?v=…),
// so files can be cached for a year and still change with each release.
// Each is also kept gzipped: the page budget counts bytes transferred.
// (Only static files are compressed here: pages carry a CSRF token next to
// what a person typed, which compression could leak (BREACH).)
type staticFiles struct {
	hash map[string]string
	gz   map[string][]byte
}

func loadStatic() (*staticFiles, error) {
	s := &staticFiles{hash: map[string]string{}, gz: map[string][]byte{}}
	err := fs.WalkDir(staticFS, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := staticFS.ReadFile(p)
		if err != nil {
			return err
		}
		name := strings.TrimPrefix(p, "static/")
		sum := sha256.Sum256(b)
		s.hash[name] = hex.EncodeToString(sum[:6])
		var z bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&z, gzip.BestCompression)
		if _, err := zw.Write(b); err != nil {
			return err
		}
		if err := zw.Close(); err != nil {
			return err
		}
		s.gz[name] = z.Bytes()
		return nil
	})
	return s, err
}

func (s *staticFiles) url(name string) string { return "/static/" + name + "?v=" + s.hash[name] }

func (s *staticFiles) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	name := strings.TrimPrefix(path.Clean(r.URL.Path), "/static/")
	if _, ok := s.hash[name]; !ok {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	w.Header().Add("Vary", "Accept-Encoding")
	if strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") && r.Header.Get("Range") == "" {
		w.Header().Set("Content-Type", contentType(name))
		w.Header().Set("Content-Encoding", "gzip")
		w.Header().Set("ETag", `"`+s.hash[name]+`-gz"`)
		_, _ = w.Write(s.gz[name])
		return
	}
	http.ServeFileFS(w, r, staticFS, "static/"+name)
}

func contentType(name string) string {
	switch path.Ext(name) {
	case ".css":
		return "text/css; charset=utf-8"
	case ".js":
		return "text/javascript; charset=utf-8"
	}
	return "application/octet-stream"
}
