package policy

import "github.com/shebao-project/shebao/internal/money"

// Note tells people about a figure a result relies on that is not backed by
// an official notice, or about the rounding applied. Quotes and estimates list
// every one they used; RegionView lists every one in the window.
type Note struct {
	Policy string `json:"policy,omitempty"`
	Field  string `json:"field"`
	Status string `json:"status"`
	Zh     string `json:"zh"`
	En     string `json:"en"`
}

var roundingNames = map[money.Rounding][2]string{
	money.HalfUpFen:  {"四舍五入到分", "rounded half-up to the fen"},
	money.DownFen:    {"舍去分以下", "truncated to the fen"},
	money.UpJiao:     {"见分进角", "rounded up to the jiao"},
	money.HalfUpYuan: {"四舍五入到元", "rounded half-up to the yuan"},
}

// shown is a value as written in Chinese and in English ("7270.00 元", "7270.00 yuan").
type shown struct{ zh, en string }

func plain(s string) shown { return shown{s, s} }

func yuan(f money.Fen) shown { return shown{f.Yuan() + " 元", f.Yuan() + " yuan"} }

// figureNote describes one sourced figure and the value used.
func figureNote(policy, field, zhLabel, enLabel string, value shown, src Source) Note {
	n := Note{Policy: policy, Field: field, Status: src.Status}
	if src.Verified() {
		n.Zh = policy + " " + zhLabel + " " + value.zh + "：依据 " + cite(src)
		n.En = policy + " " + enLabel + " " + value.en + ": per " + cite(src)
		return n
	}
	n.Zh = policy + " " + zhLabel + " " + value.zh + " 未经官方核实：" + src.Reason
	n.En = policy + " " + enLabel + " " + value.en + " is unverified: " + src.ReasonEn
	return n
}

func cite(s Source) string {
	switch {
	case s.Notice != "" && s.URL != "":
		return s.Notice + " " + s.URL
	case s.Notice != "":
		return s.Notice
	}
	return s.URL
}

func roundingNote(pk *pack) Note {
	names := roundingNames[pk.rounding]
	src := pk.spec.Rounding.Source
	id := pk.policyID()
	n := Note{Policy: id, Field: "rounding", Status: src.Status}
	zh := id + " 金额取整：" + names[0] + "（" + string(pk.rounding) + "）"
	en := id + " amounts are " + names[1] + " (" + string(pk.rounding) + ")"
	if src.Verified() {
		n.Zh, n.En = zh+"，依据 "+cite(src), en+", per "+cite(src)
	} else {
		n.Zh, n.En = zh+"；该规则未经官方核实："+src.Reason, en+"; this rule is unverified: "+src.ReasonEn
	}
	return n
}

// noteSet collects notes once each, in first-use order.
type noteSet struct {
	seen  map[string]bool
	notes []Note
}

func (s *noteSet) add(n Note) {
	if s.seen == nil {
		s.seen = map[string]bool{}
	}
	key := n.Policy + "|" + n.Field
	if s.seen[key] {
		return
	}
	s.seen[key] = true
	s.notes = append(s.notes, n)
}

// addIfUnverified adds a figure note only when its source is unverified.
func (s *noteSet) addIfUnverified(n Note) {
	if n.Status != StatusVerified {
		s.add(n)
	}
}

func (s *noteSet) list() []Note {
	if s.notes == nil {
		return []Note{}
	}
	return s.notes
}
