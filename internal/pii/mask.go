package pii

import "unicode/utf8"

// MaskIDNumber keeps the first 3 and last 4 characters of an identity
// document number, as government service pages do: 110***********1234.
func MaskIDNumber(id string) string { return maskMiddle(id, 3, 4) }

// MaskPhone keeps the first 3 and last 4 digits: 138****0001.
func MaskPhone(phone string) string { return maskMiddle(phone, 3, 4) }

// MaskName keeps the first character of a name: 张* for two characters,
// 欧阳** for longer names keeps only the first as well, so that given names
// never appear. Latin names keep their first letter.
func MaskName(name string) string {
	n := utf8.RuneCountInString(name)
	if n == 0 {
		return ""
	}
	first, _ := utf8.DecodeRuneInString(name)
	out := []rune{first}
	for i := 1; i < n; i++ {
		out = append(out, '*')
	}
	if n == 1 {
		out = append(out, '*')
	}
	return string(out)
}

func maskMiddle(s string, head, tail int) string {
	r := []rune(s)
	if len(r) <= head+tail {
		out := make([]rune, len(r))
		for i := range out {
			out[i] = '*'
		}
		return string(out)
	}
	for i := head; i < len(r)-tail; i++ {
		r[i] = '*'
	}
	return string(r)
}
