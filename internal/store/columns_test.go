package store

import "testing"

func TestQualified(t *testing.T) {
	for _, c := range []struct{ alias, in, want string }{
		{"p", "id", "p.id"},
		{"p", "id, region,\n\tname_sealed , created_at", "p.id, p.region, p.name_sealed, p.created_at"},
	} {
		if got := Qualified(c.alias, c.in); got != c.want {
			t.Errorf("Qualified(%q, %q) = %q, want %q", c.alias, c.in, got, c.want)
		}
	}
}
