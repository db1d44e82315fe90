package postgres_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/shebao-project/shebao/internal/store/postgres"
	"github.com/shebao-project/shebao/internal/store/sqlite"
)

// TestSameMethodsAsSQLite holds the two engines to one API: every exported
// method of sqlite's DB and Tx exists here with the same signature, and
// nothing more. It fails when a method is added to one engine only, which
// is when the other one needs it too. (It needs no server.)
func TestSameMethodsAsSQLite(t *testing.T) {
	pairs := []struct {
		name             string
		sqlite, postgres reflect.Type
	}{
		{"*DB", reflect.TypeFor[*sqlite.DB](), reflect.TypeFor[*postgres.DB]()},
		{"*Tx", reflect.TypeFor[*sqlite.Tx](), reflect.TypeFor[*postgres.Tx]()},
	}
	for _, p := range pairs {
		want, got := methods(p.sqlite), methods(p.postgres)
		for name, sig := range want {
			switch g, ok := got[name]; {
			case !ok:
				t.Errorf("postgres.%s lacks %s%s", p.name, name, sig)
			case g != sig:
				t.Errorf("postgres.%s.%s is %s, sqlite's is %s", p.name, name, g, sig)
			}
		}
		for name, sig := range got {
			if _, ok := want[name]; !ok {
				t.Errorf("postgres.%s has %s%s, which sqlite.%s lacks", p.name, name, sig, p.name)
			}
		}
	}
}

// methods maps each exported method of t to its signature, receiver left
// out and the engine's own package name (InTx hands out its own *Tx) made
// neutral.
func methods(t reflect.Type) map[string]string {
	out := map[string]string{}
	for m := range t.Methods() {
		in := make([]reflect.Type, 0, m.Type.NumIn()-1)
		for i := 1; i < m.Type.NumIn(); i++ {
			in = append(in, m.Type.In(i))
		}
		outs := make([]reflect.Type, 0, m.Type.NumOut())
		for i := range m.Type.NumOut() {
			outs = append(outs, m.Type.Out(i))
		}
		sig := reflect.FuncOf(in, outs, m.Type.IsVariadic()).String()
		out[m.Name] = strings.NewReplacer("*sqlite.", "*engine.", "*postgres.", "*engine.").Replace(sig)
	}
	return out
}
