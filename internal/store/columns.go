package store

import "strings"

// Qualified prefixes each name of a comma-separated column list with
// alias, for the same list in a join where another table has columns of
// the same names (created_at, say).
func Qualified(alias, columns string) string {
	names := strings.Split(columns, ",")
	for i, n := range names {
		names[i] = alias + "." + strings.TrimSpace(n)
	}
	return strings.Join(names, ", ")
}
