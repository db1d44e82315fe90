package ticket

import (
	"cmp"
	"slices"
	"strings"
	"unicode"
)

// The assistant's matcher is deliberately simple, so an operator can see
// why an answer was suggested and fix the FAQ when it is wrong: an entry
// scores 3 for each of its keywords found in the person's text, 1 for each
// term (a Chinese character bigram, or a Latin/digit word) shared with its
// question and keywords, and 1 more if it is about the category chosen.
// Chinese is not split into words: bigrams find 未到账 in 还没到账吗 without
// a dictionary.
const (
	keywordWeight = 3
	minScore      = 3 // one keyword, or three shared terms
)

// Suggestion is an FAQ entry proposed for a text, with why.
type Suggestion struct {
	Entry   Entry
	Score   int
	Matched []string // keywords found, then shared terms
}

// stopTerms are bigrams of how people ask, not what they ask about.
var stopTerms = map[string]bool{"怎么": true, "么办": true, "什么": true, "为什": true, "请问": true, "如何": true,
	"可以": true, "是否": true, "已经": true, "这个": true, "一下": true, "我的": true, "你们": true, "问题": true,
	"时候": true, "的时": true, "了怎": true, "吗？": true}

// Terms splits text into its matching terms, in order of first appearance.
func Terms(text string) []string {
	var out []string
	seen := map[string]bool{}
	add := func(t string) {
		if !seen[t] && !stopTerms[t] {
			seen[t] = true
			out = append(out, t)
		}
	}
	var han, word []rune
	flush := func() {
		if len(han) == 1 {
			han = han[:0]
		}
		for i := 0; i+1 < len(han); i++ {
			add(string(han[i : i+2]))
		}
		if len(word) >= 2 {
			add(string(word))
		}
		han, word = han[:0], word[:0]
	}
	for _, r := range strings.ToLower(text) {
		switch {
		case unicode.Is(unicode.Han, r):
			if len(word) > 0 {
				flush()
			}
			han = append(han, r)
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			if len(han) > 0 {
				flush()
			}
			word = append(word, r)
		default:
			flush()
		}
	}
	flush()
	return out
}

// keywords splits an entry's keyword field on spaces and commas.
func keywords(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return unicode.IsSpace(r) || strings.ContainsRune(",，、;；", r)
	})
}

// Suggest ranks the active entries for a text and category: at most n, best
// first, each above the minimum score.
func Suggest(entries []Entry, category, text string, n int) []Suggestion {
	lower := strings.ToLower(text)
	query := Terms(text)
	var out []Suggestion
	for _, e := range entries {
		if !e.Active {
			continue
		}
		s := Suggestion{Entry: e}
		for _, k := range keywords(e.Keywords) {
			if strings.Contains(lower, k) {
				s.Score += keywordWeight
				s.Matched = append(s.Matched, k)
			}
		}
		own := Terms(e.Question + " " + e.Keywords)
		for _, t := range query {
			if slices.Contains(own, t) {
				s.Score++
				if !containsPart(s.Matched, t) {
					s.Matched = append(s.Matched, t)
				}
			}
		}
		if s.Score > 0 && category != "" && e.Category == category {
			s.Score++
		}
		if s.Score >= minScore {
			out = append(out, s)
		}
	}
	slices.SortStableFunc(out, func(a, b Suggestion) int {
		return cmp.Or(cmp.Compare(b.Score, a.Score), cmp.Compare(a.Entry.ID, b.Entry.ID))
	})
	return out[:min(n, len(out))]
}

// containsPart reports whether t is inside one of the matched keywords, so
// the explanation lists 未到账 once rather than also 未到 and 到账.
func containsPart(matched []string, t string) bool {
	return slices.ContainsFunc(matched, func(m string) bool { return strings.Contains(m, t) })
}
