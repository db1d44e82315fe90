package postgres

import (
	"slices"
	"testing"
)

func TestLibpqConn(t *testing.T) {
	tests := []struct {
		in, conn string
		schemas  []string
	}{
		{"postgres://u@h:5432/db?sslmode=disable", "postgres://u@h:5432/db?sslmode=disable", nil},
		{"postgres://u@h/db?pool_max_conns=8&search_path=s1&sslmode=disable", "postgres://u@h/db?sslmode=disable", []string{"s1"}},
		{"postgres://u@h/db?search_path=%22%24user%22%2Cpublic", "postgres://u@h/db", []string{"public"}},
		{"host=h dbname=db search_path=a,b pool_max_conns=3", "host=h dbname=db", []string{"a", "b"}},
	}
	for _, tt := range tests {
		conn, schemas, err := libpqConn(tt.in)
		if err != nil || conn != tt.conn || !slices.Equal(schemas, tt.schemas) {
			t.Errorf("libpqConn(%q) = %q, %q, %v; want %q, %q", tt.in, conn, schemas, err, tt.conn, tt.schemas)
		}
	}
}
