package policyadmin_test

import (
	"strings"
	"testing"
	"time"

	"github.com/shebao-project/shebao/internal/apperr"
	"github.com/shebao-project/shebao/internal/policyadmin"
	"github.com/shebao-project/shebao/policies"
)

// TestPublishNextYear is the issue's "an operator can publish next year's
// policy": preview shows the changed figures and who pays how much more,
// publishing puts the figures in force from the pack's month only, and a
// roll-back brings the old ones back. Both are in the audit log.
func TestPublishNextYear(t *testing.T) {
	w := newWorld(t)
	w.person(1, "110000", "110=floor", "310=floor")
	w.person(2, "110000", "110=floor", "310=floor")
	w.person(3, "110000", "110=ceiling", "310=ceiling")
	w.person(4, "110000", "110=800000", "310=800000") // inside both ranges
	w.person(5, "110000", "110=730000")               // below the new floor
	w.person(6, "310000", "110=floor")                // another region
	w.person(7, "110000", "-110=floor")               // suspended only

	p, err := w.svc.Preview(t.Context(), beijing2027(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Problems) > 0 {
		t.Fatalf("problems: %+v", p.Problems)
	}
	if p.Region != "110000" || p.From.String() != "2027-07" || p.Correction || p.Current == nil || p.Current.From.String() != "2026-07" {
		t.Fatalf("preview header %+v", p)
	}
	wantChange(t, p.Changes, "floor", "7270.00 元", "7800.00 元")
	wantChange(t, p.Changes, "ceiling", "36348.00 元", "39000.00 元")
	wantChange(t, p.Changes, "effective", "2026-07 起（未定截止 open）", "2027-07 起（未定截止 open）")
	if len(p.Changes) != 4 { // the window, average wage, floor and ceiling
		t.Errorf("changes %+v", p.Changes)
	}

	// P1, P2: (780000 − 727000) × (0.20 + 0.108) = 16324 more each; P3 at the
	// ceiling: 1201200 − (726960 + 392558) = 81682 more; P4 unchanged; P5
	// refused: 7300 元 is now below the floor.
	im := p.Impact
	if im == nil || im.Month.String() != "2027-07" || im.Persons != 5 || im.Changed != 4 || im.Increased != 3 ||
		im.Decreased != 0 || im.TotalDeltaFen != 2*16324+81682 || im.MaxIncreaseFen != 81682 ||
		im.BeforeFen != 2*223916+1119518+246400+146000 || im.AfterFen != 2*240240+1201200+246400 {
		t.Fatalf("impact %+v", im)
	}
	if len(im.Refused) != 1 || im.Refused[0].Persons != 1 || !strings.Contains(im.Refused[0].ReasonEn, "range") {
		t.Fatalf("refused %+v", im.Refused)
	}

	pk, err := w.svc.Publish(t.Context(), policyadmin.PublishRequest{By: "admin.wang", YAML: beijing2027(t),
		Reason: "京人社发〔2027〕号 2027年度缴费基数", Version: p.Version})
	if err != nil {
		t.Fatal(err)
	}
	if pk.ID == 0 || pk.Policy() != "110000@2027-07" || pk.SHA256 != p.SHA256 || pk.PublishedBy != "admin.wang" {
		t.Fatalf("published %+v", pk)
	}
	if got := floorBase(t, w.engine, "110000", "2027-07"); got != 780000 {
		t.Errorf("2027-07 floor %d after publishing", got)
	}
	if got := floorBase(t, w.engine, "110000", "2027-06"); got != 727000 {
		t.Errorf("2027-06 floor %d: the old window must still cover it", got)
	}
	ws := w.engine.Windows("110000")
	if last := ws[len(ws)-1]; last.File != pk.File() || ws[len(ws)-2].To == nil || ws[len(ws)-2].To.String() != "2027-06" {
		t.Errorf("windows %+v", ws)
	}
	if a := w.lastAudit(); a.Action != "policy.publish" || a.Operator != "admin.wang" || a.Target != "110000@2027-07" ||
		!strings.Contains(a.Detail, pk.SM3) {
		t.Errorf("audit %+v", a)
	}
	list, err := w.svc.List(t.Context())
	if err != nil || len(list) != 1 || !list[0].InForce || list[0].To != "" {
		t.Fatalf("list %+v %v", list, err)
	}

	w.clock.Set(w.clock.Now().Add(24 * time.Hour))
	rb, err := w.svc.RollBack(t.Context(), policyadmin.RollBackRequest{By: "admin.li", ID: pk.ID, Reason: "基数录入错误"})
	if err != nil {
		t.Fatal(err)
	}
	if rb.Status != policyadmin.StatusRolledBack || rb.RolledBackBy != "admin.li" {
		t.Errorf("rolled back %+v", rb)
	}
	if got := floorBase(t, w.engine, "110000", "2027-07"); got != 727000 {
		t.Errorf("2027-07 floor %d after the roll-back", got)
	}
	if ws := w.engine.Windows("110000"); ws[len(ws)-1].To != nil || ws[len(ws)-1].From.String() != "2026-07" {
		t.Errorf("windows after roll-back %+v", ws)
	}
	if a := w.lastAudit(); a.Action != "policy.rollback" || a.Operator != "admin.li" || !strings.Contains(a.Target, "110000@2027-07") {
		t.Errorf("audit %+v", a)
	}
	_, err = w.svc.RollBack(t.Context(), policyadmin.RollBackRequest{By: "admin.li", ID: pk.ID, Reason: "again"})
	wantCode(t, err, "policy_pack_rolled_back")
	_, err = w.svc.RollBack(t.Context(), policyadmin.RollBackRequest{By: "admin.li", ID: 99, Reason: "none"})
	wantCode(t, err, "policy_pack_not_found")
}

// TestProblems: what the console shows instead of a preview.
func TestProblems(t *testing.T) {
	w := newWorld(t)
	ctx := t.Context()
	cases := []struct {
		name, field, reason, zh string
		yaml                    []byte
	}{
		{"broken YAML", "(yaml)", "cannot decode", "无法解析", []byte("region: [")},
		{"floor above ceiling", "floor", "above ceiling", "高于上限", pack(t, "110000/2026-07.yaml",
			"floor: {fen: 727000", "floor: {fen: 4000000")},
		{"a closed window in the past", "effective_from", "before this month", "早于本月", pack(t, "110000/2025-07.yaml",
			"floor: {fen: ", "floor: {fen: 1")},
		{"identical to the pack in force", "(file)", "identical", "完全相同", pack(t, "110000/2026-07.yaml")},
		{"overlapping a closed window", "effective_from", "overlaps", "重叠", pack(t, "110000/2025-07.yaml",
			`effective_from: "2025-07"`, `effective_from: "2026-01"`)},
	}
	for _, c := range cases {
		ps, err := w.svc.Validate(ctx, c.yaml)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if !hasProblem(ps, c.field, c.reason, c.zh) {
			t.Errorf("%s: problems %+v", c.name, ps)
		}
		_, err = w.svc.Publish(ctx, policyadmin.PublishRequest{By: "admin", YAML: c.yaml, Reason: "试一下", Version: 0})
		if wantCode(t, err, policyadmin.CodePackInvalid); len(policyadmin.Problems(err)) == 0 {
			t.Errorf("%s: publish refusal lists no problems", c.name)
		}
	}
	// Correcting the window in force this month is allowed though it began
	// in July: notices arrive late.
	fix := pack(t, "110000/2026-07.yaml", "floor: {fen: 727000", "floor: {fen: 727100")
	if ps, err := w.svc.Validate(ctx, fix); err != nil || len(ps) != 0 {
		t.Fatalf("correction of the current window: %+v %v", ps, err)
	}
	if _, err := w.svc.Validate(ctx, nil); err == nil {
		t.Error("an empty upload was accepted")
	}
	if ps, _ := w.svc.Validate(ctx, beijing2027(t)); len(ps) != 0 {
		t.Fatalf("next year: %+v", ps)
	}
	// A correction of 2026-07 ending in March leaves a gap before a
	// published 2027-07.
	publish(t, w, beijing2027(t))
	gap := pack(t, "110000/2026-07.yaml", `effective_to: ""`, `effective_to: "2027-03"`)
	ps, err := w.svc.Validate(ctx, gap)
	if err != nil || !hasProblem(ps, "effective_from", "gap", "不连续") {
		t.Fatalf("gap: %+v %v", ps, err)
	}
	if ps[0].File != "published/1/110000/2027-07.yaml" {
		t.Errorf("gap reported on %s", ps[0].File)
	}
}

// TestStalePreview: a publication made from a preview older than another
// operator's publication is refused, as is a roll-back of an ended window.
func TestStalePreview(t *testing.T) {
	w := newWorld(t)
	old, err := w.svc.Preview(t.Context(), pack(t, "310000/2026-07.yaml", "floor: {fen: ", "floor: {fen: 1"))
	if err != nil || len(old.Problems) > 0 {
		t.Fatalf("%+v %v", old, err)
	}
	first := publish(t, w, beijing2027(t))
	_, err = w.svc.Publish(t.Context(), policyadmin.PublishRequest{By: "admin", YAML: pack(t, "310000/2026-07.yaml", "floor: {fen: ", "floor: {fen: 1"),
		Reason: "更正", Version: old.Version})
	wantCode(t, err, "policy_packs_changed")

	// 2028-07 follows; by September 2028 the 2027-07 window has ended.
	publish(t, w, pack(t, "110000/2026-07.yaml", `effective_from: "2026-07"`, `effective_from: "2028-07"`))
	w.clock.Set(time.Date(2028, 9, 1, 2, 0, 0, 0, time.UTC))
	_, err = w.svc.RollBack(t.Context(), policyadmin.RollBackRequest{By: "admin", ID: first.ID, Reason: "太晚了"})
	wantCode(t, err, "policy_pack_ended")
}

// TestOtherServersRefresh: a second server on the same database picks the
// publication up on its next Refresh.
func TestOtherServersRefresh(t *testing.T) {
	a := newWorld(t)
	b := openWorld(t, a.path, a.clock)
	publish(t, a, beijing2027(t))
	if got := floorBase(t, b.engine, "110000", "2027-07"); got != 727000 {
		t.Fatalf("b saw the publication before refreshing: %d", got)
	}
	changed, err := b.svc.Refresh(t.Context())
	if err != nil || !changed {
		t.Fatalf("refresh: %v %v", changed, err)
	}
	if got := floorBase(t, b.engine, "110000", "2027-07"); got != 780000 {
		t.Fatalf("b after refresh: %d", got)
	}
	if changed, err := b.svc.Refresh(t.Context()); err != nil || changed {
		t.Fatalf("second refresh: %v %v", changed, err)
	}
	if changed, err := a.svc.Refresh(t.Context()); err != nil || changed {
		t.Fatalf("the publisher reloads its own publication: %v %v", changed, err)
	}
	// A one-shot tool (the monthly bill run) loads the same set.
	eng, err := policyadmin.Load(t.Context(), a.db.PolicyPacks(), policies.FS, a.clock.Now)
	if err != nil {
		t.Fatal(err)
	}
	if got := floorBase(t, eng, "110000", "2027-07"); got != 780000 {
		t.Fatalf("Load: %d", got)
	}
}

func publish(t *testing.T, w *world, yaml []byte) policyadmin.Pack {
	t.Helper()
	p, err := w.svc.Preview(t.Context(), yaml)
	if err != nil || len(p.Problems) > 0 {
		t.Fatalf("preview: %+v %v", p, err)
	}
	pk, err := w.svc.Publish(t.Context(), policyadmin.PublishRequest{By: "admin", YAML: yaml, Reason: "发布", Version: p.Version})
	if err != nil {
		t.Fatal(err)
	}
	return pk
}

func wantChange(t *testing.T, cs []policyadmin.Change, field, old, new string) {
	t.Helper()
	for _, c := range cs {
		if c.Field == field {
			if c.Old != old || c.New != new {
				t.Errorf("%s: %q → %q, want %q → %q", field, c.Old, c.New, old, new)
			}
			return
		}
	}
	t.Errorf("no change of %s in %+v", field, cs)
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	e, ok := apperr.As(err)
	if !ok || e.Code != code {
		t.Fatalf("err = %v, want code %s", err, code)
	}
}
