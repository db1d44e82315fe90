package billing

import (
	"testing"

	"github.com/shebao-project/shebao/internal/identity"
)

// TestQuoteKey: persons with the same region, type and standard bases share
// one remembered quote; a base of the person's own is never shared.
func TestQuoteKey(t *testing.T) {
	floor := []Item{{Insurance: "110", Base: "floor"}, {Insurance: "310", Base: "floor"}}
	tests := []struct {
		name       string
		region     string
		typ        identity.PersonType
		items      []Item
		wantKey    string
		wantShared bool
	}{
		{"standard bases", "110000", identity.Flexible, floor, "110000|flexible|110=floor|310=floor", true},
		{"ceiling differs from floor", "110000", identity.Flexible, []Item{{Insurance: "110", Base: "ceiling"}}, "110000|flexible|110=ceiling", true},
		{"flat premium", "440100", identity.Flexible, []Item{{Insurance: "390"}}, "440100|flexible|390=", true},
		{"own amount", "110000", identity.Flexible, []Item{{Insurance: "110", Base: "700000"}}, "", false},
		{"own amount beside a standard one", "110000", identity.Flexible, []Item{floor[0], {Insurance: "310", Base: "700000"}}, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			key, shared := quoteKey(tt.region, tt.typ, tt.items)
			if key != tt.wantKey || shared != tt.wantShared {
				t.Errorf("quoteKey = %q, %v; want %q, %v", key, shared, tt.wantKey, tt.wantShared)
			}
		})
	}
}
