package policy

import (
	"net/url"
	"strings"
)

// Source says where a figure comes from. A figure is "verified" only when it
// cites an official notice (文号) or an official gov.cn URL; anything else is
// "unverified" and must say why, in Chinese and English, so that pages, quotes
// and the operator console can show the warning.
type Source struct {
	Notice   string `yaml:"notice" json:"notice,omitempty"`
	URL      string `yaml:"url" json:"url,omitempty"`
	Status   string `yaml:"status" json:"status"`
	Reason   string `yaml:"reason" json:"reason,omitempty"`
	ReasonEn string `yaml:"reason_en" json:"reason_en,omitempty"`
}

// Source statuses.
const (
	StatusVerified   = "verified"
	StatusUnverified = "unverified"
)

// Verified reports whether the figure is backed by an official source.
func (s Source) Verified() bool { return s.Status == StatusVerified }

// check reports the problems of a source at field.
func (s Source) check(p problems, field string) {
	if s.URL != "" && !validURL(s.URL) {
		p.add(field+".url", "%q is not an http(s) URL", s.URL)
	}
	switch s.Status {
	case StatusVerified:
		if s.Notice == "" && !officialURL(s.URL) {
			p.add(field, "a verified figure must cite a notice (文号) or an official gov.cn URL")
		}
	case StatusUnverified:
		if s.Reason == "" || s.ReasonEn == "" {
			p.add(field, "an unverified figure must give reason and reason_en")
		}
	case "":
		p.add(field, "missing source (status verified|unverified)")
	default:
		p.add(field+".status", "unknown status %q (want verified|unverified)", s.Status)
	}
}

func validURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != ""
}

// officialURL accepts government hosts: *.gov.cn (including www.gov.cn).
func officialURL(s string) bool {
	u, err := url.Parse(s)
	if err != nil || !validURL(s) {
		return false
	}
	h := strings.ToLower(u.Hostname())
	return h == "gov.cn" || strings.HasSuffix(h, ".gov.cn")
}
