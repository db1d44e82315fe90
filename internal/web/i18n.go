package web

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// The pages speak Simplified Chinese and English. Every string a person
// reads is in a message catalogue, i18n/<lang>.json; templates look strings
// up with {{t "key" args…}}, where args fill fmt verbs in the message.

//go:embed i18n/*.json
var catalogueFS embed.FS

// Languages, in the order the switch offers them. The first is the default.
const (
	langZH = "zh-CN"
	langEN = "en"
)

var languages = []string{langZH, langEN}

// catalogue is one language's messages by key.
type catalogue map[string]string

// loadCatalogues reads every language's catalogue and checks that they have
// the same keys, so no page can fall back to a key in one language only.
func loadCatalogues() (map[string]catalogue, error) {
	out := map[string]catalogue{}
	for _, lang := range languages {
		b, err := catalogueFS.ReadFile("i18n/" + lang + ".json")
		if err != nil {
			return nil, fmt.Errorf("web: catalogue %s: %w", lang, err)
		}
		var c catalogue
		if err := json.Unmarshal(b, &c); err != nil {
			return nil, fmt.Errorf("web: catalogue %s: %w", lang, err)
		}
		out[lang] = c
	}
	ref := out[languages[0]]
	for _, lang := range languages[1:] {
		for k := range ref {
			if _, ok := out[lang][k]; !ok {
				return nil, fmt.Errorf("web: catalogue %s lacks %q", lang, k)
			}
		}
		for k := range out[lang] {
			if _, ok := ref[k]; !ok {
				return nil, fmt.Errorf("web: catalogue %s lacks %q", languages[0], k)
			}
		}
	}
	return out, nil
}

// keyUse finds the literal keys templates ask for: {{t "key"}} and (t "key").
var keyUse = regexp.MustCompile(`\bt "([A-Za-z0-9_.]+)"`)

// checkKeys fails the start when a template or the Go code names a key no
// catalogue has.
func checkKeys(cats map[string]catalogue, goKeys []string) error {
	var keys []string
	err := fs.WalkDir(templateFS, "templates", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := templateFS.ReadFile(p)
		for _, m := range keyUse.FindAllSubmatch(b, -1) {
			keys = append(keys, string(m[1]))
		}
		return err
	})
	if err != nil {
		return err
	}
	keys = append(keys, goKeys...)
	var missing []string
	for _, k := range keys {
		if _, ok := cats[languages[0]][k]; !ok && !slices.Contains(missing, k) {
			missing = append(missing, k)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("web: message keys missing from the catalogues: %s", strings.Join(missing, ", "))
	}
	return nil
}

// translate looks key up in c and fills its verbs with args. An unknown
// key is an error, so a missing string fails the render (and the tests)
// rather than showing a key to a person.
func (c catalogue) translate(key string, args ...any) (string, error) {
	msg, ok := c[key]
	if !ok {
		return "", fmt.Errorf("web: no message %q", key)
	}
	if len(args) == 0 {
		return msg, nil
	}
	return fmt.Sprintf(msg, args...), nil
}

// must is translate for Go code whose keys checkKeys has verified.
func (c catalogue) must(key string, args ...any) string {
	s, err := c.translate(key, args...)
	if err != nil {
		return key
	}
	return s
}

const langCookie = "lang"

// pickLang chooses the page language: the lang cookie set by the visible
// switch, else the first supported language in Accept-Language (RFC 9110
// §12.5.4, by q-value), else Chinese.
func pickLang(r *http.Request) string {
	if c, err := r.Cookie(langCookie); err == nil && slices.Contains(languages, c.Value) {
		return c.Value
	}
	return fromAcceptLanguage(r.Header.Get("Accept-Language"))
}

func fromAcceptLanguage(h string) string {
	best, bestQ := langZH, -1.0
	for _, part := range strings.Split(h, ",") {
		tag, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		q := 1.0
		if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			if f, err := strconv.ParseFloat(v, 64); err == nil {
				q = f
			}
		}
		primary, _, _ := strings.Cut(strings.ToLower(tag), "-")
		var lang string
		switch primary {
		case "zh":
			lang = langZH
		case "en":
			lang = langEN
		default:
			continue
		}
		if q > bestQ && q > 0 {
			best, bestQ = lang, q
		}
	}
	return best
}
