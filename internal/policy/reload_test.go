package policy_test

import (
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/fstest"

	"github.com/shebao-project/shebao/internal/money"
	"github.com/shebao-project/shebao/internal/policy"
)

// openMinimal is the minimal pack as the newest, open-ended window.
func openMinimal(t *testing.T) fstest.MapFS {
	return fstest.MapFS{packPath: {Data: []byte(mutate(t, `effective_to: "2025-12"`, `effective_to: ""`))}}
}

func loadWith(t *testing.T, fsys fstest.MapFS, extras ...policy.SourcePack) (*policy.Engine, error) {
	t.Helper()
	return policy.LoadWith(fsys, extras, fixedNow)
}

func floorAt(t *testing.T, e *policy.Engine, m string) money.Fen {
	t.Helper()
	v, err := e.RegionAt("999999", month(t, m))
	if err != nil {
		t.Fatal(err)
	}
	return v.Floor.Fen
}

// TestLoadWithAddsWindow: a published pack after the open window adds a
// window and ends the open one the month before it.
func TestLoadWithAddsWindow(t *testing.T) {
	next := strings.Replace(nextWindow(t, "2026-01", ""), "floor: {fen: 600000", "floor: {fen: 650000", 1)
	e, err := loadWith(t, openMinimal(t), policy.SourcePack{File: "published/7/999999/2026-01.yaml", Data: []byte(next)})
	if err != nil {
		t.Fatal(err)
	}
	ws := e.Windows("999999")
	if len(ws) != 2 || ws[0].To == nil || ws[0].To.String() != "2025-12" || ws[1].To != nil ||
		ws[1].File != "published/7/999999/2026-01.yaml" {
		t.Fatalf("windows = %+v", ws)
	}
	if got := floorAt(t, e, "2025-12"); got != 600000 {
		t.Errorf("floor 2025-12 = %d", got)
	}
	if got := floorAt(t, e, "2026-01"); got != 650000 {
		t.Errorf("floor 2026-01 = %d", got)
	}
}

// TestLoadWithLaterFile: a release whose files catch up with an open pack
// published from the console ends that pack before the new file.
func TestLoadWithLaterFile(t *testing.T) {
	fsys := fstest.MapFS{packPath: {Data: []byte(minimalPack(t))},
		"999999/2027-01.yaml": {Data: []byte(strings.Replace(nextWindow(t, "2027-01", ""), "{year: 2026, fen: 1000000", "{year: 2027, fen: 1000000", 1))}}
	published := strings.Replace(nextWindow(t, "2026-01", ""), "{year: 2027, fen: 40000", "{year: 2029, fen: 40000", 1)
	published = strings.Replace(published, "{year: 2028, fen: 41000", "{year: 2030, fen: 41000", 1)
	published = strings.Replace(published, "{year: 2026, fen: 1000000", "{year: 2024, fen: 1000000", 1)
	e, err := loadWith(t, fsys, policy.SourcePack{File: "published/3/999999/2026-01.yaml", Data: []byte(published)})
	if err != nil {
		t.Fatal(err)
	}
	if ws := e.Windows("999999"); len(ws) != 3 || ws[1].To == nil || ws[1].To.String() != "2026-12" || ws[2].To != nil {
		t.Fatalf("windows = %+v", ws)
	}
}

// TestLoadWithCorrection: a published pack for the same region and month
// replaces the file, and a later one replaces an earlier one.
func TestLoadWithCorrection(t *testing.T) {
	fix := func(floor string) []byte {
		return []byte(strings.Replace(minimalPack(t), "floor: {fen: 600000", "floor: {fen: "+floor, 1))
	}
	e, err := loadWith(t, fstest.MapFS{packPath: {Data: []byte(minimalPack(t))}},
		policy.SourcePack{File: "published/1/" + packPath, Data: fix("610000")},
		policy.SourcePack{File: "published/2/" + packPath, Data: fix("620000")})
	if err != nil {
		t.Fatal(err)
	}
	if ws := e.Windows("999999"); len(ws) != 1 || ws[0].File != "published/2/"+packPath {
		t.Fatalf("windows = %+v", ws)
	}
	if got := floorAt(t, e, "2025-06"); got != 620000 {
		t.Errorf("floor = %d, want the later correction's", got)
	}
}

// TestLoadWithRefusesBrokenSet: a pack that breaks the region's windows is
// refused with the problem, in English and Chinese, naming the pack.
func TestLoadWithRefusesBrokenSet(t *testing.T) {
	closed := fstest.MapFS{packPath: {Data: []byte(minimalPack(t))}}
	cases := []struct{ name, from, reason, zh string }{
		{"gap", "2026-03", "gap", "不连续"},
		{"overlap", "2025-06", "overlaps", "重叠"},
	}
	for _, c := range cases {
		file := "upload/999999/" + c.from + ".yaml"
		_, err := loadWith(t, closed, policy.SourcePack{File: file, Data: []byte(nextWindow(t, c.from, ""))})
		var le *policy.LoadError
		if !errors.As(err, &le) {
			t.Fatalf("%s: err = %v", c.name, err)
		}
		found := false
		for _, p := range le.Problems {
			found = found || (p.File == file && p.Field == "effective_from" && strings.Contains(p.Reason, c.reason) &&
				strings.Contains(p.ReasonZh, c.zh))
		}
		if !found {
			t.Errorf("%s: problems %+v", c.name, le.Problems)
		}
	}
	_, err := loadWith(t, closed, policy.SourcePack{File: "upload/999999/2026-01.yaml", Data: []byte("region: [")})
	if err == nil || !strings.Contains(err.Error(), "cannot decode") {
		t.Errorf("broken YAML: %v", err)
	}
	if _, err := policy.LoadWith(fstest.MapFS{}, nil, fixedNow); err == nil {
		t.Error("no packs at all accepted")
	}
}

// TestReplaceUnderLoad: readers quoting while the packs are swapped back and
// forth always see one set or the other, never a mix within one answer
// (run with -race).
func TestReplaceUnderLoad(t *testing.T) {
	live := testEngine(t, nil)
	corrected, err := loadWith(t, fstest.MapFS{packPath: {Data: []byte(mutate(t, "floor: {fen: 600000", "floor: {fen: 700000"))}})
	if err != nil {
		t.Fatal(err)
	}
	original, err := loadWith(t, fstest.MapFS{packPath: {Data: []byte(minimalPack(t))}})
	if err != nil {
		t.Fatal(err)
	}
	req := policy.QuoteRequest{Region: "999999", PersonType: policy.PersonFlexible, AsOf: "2025-06-15",
		Items: []policy.QuoteItem{{Insurance: "110", Base: "floor"}}, Periods: policy.Periods{From: "2025-01", To: "2025-06"}}
	var stop atomic.Bool
	var seen [2]atomic.Int64
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for !stop.Load() {
				q, err := live.Quote(req)
				if err != nil {
					t.Error(err)
					return
				}
				for _, l := range q.Lines {
					if l.Kind == "" && l.BaseFen != q.Lines[0].BaseFen { // late-fee lines have no base
						t.Errorf("one quote mixes two sets: %+v", q.Lines)
						return
					}
				}
				switch q.Lines[0].BaseFen {
				case 600000:
					seen[0].Add(1)
				case 700000:
					seen[1].Add(1)
				default:
					t.Errorf("base %d", q.Lines[0].BaseFen)
				}
				if v, err := live.RegionAt("999999", month(t, "2025-03")); err != nil || (v.Floor.Fen != 600000 && v.Floor.Fen != 700000) {
					t.Errorf("RegionAt: %v %v", v, err)
				}
			}
		})
	}
	for i := 0; i < 2000 || seen[0].Load() == 0 || seen[1].Load() == 0; i++ {
		if i%2 == 0 {
			live.Replace(corrected)
		} else {
			live.Replace(original)
		}
		if i > 1_000_000 {
			break
		}
	}
	stop.Store(true)
	wg.Wait()
	live.Replace(corrected)
	if got := floorAt(t, live, "2025-03"); got != 700000 {
		t.Errorf("after Replace: floor %d", got)
	}
}
