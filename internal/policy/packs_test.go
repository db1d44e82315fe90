package policy_test

import (
	"testing"

	"github.com/shebao-project/shebao/internal/money"
	"github.com/shebao-project/shebao/internal/policy"
)

// packCase is one window's published figures. status is the expected source
// status of the floor and ceiling; ceilStatus overrides it for the ceiling.
type packCase struct {
	region, month, policy string
	avg, floor, ceiling   money.Fen // ceiling 0: none published
	status, ceilStatus    string
}

var packCases = []packCase{
	// Beijing district repost https://www.bjchy.gov.cn/affair/zfywdt/4028805a963caa6d01968c40d939029d.html
	{"110000", "2024-01", "110000@2023-07", 1129700, 632600, 3389100, "verified", ""},
	// 关于2024年度各项社会保险缴费工资基数上下限的通告 rsj.beijing.gov.cn …/t20240731_3763677.html
	{"110000", "2025-06", "110000@2024-07", 1176100, 682100, 3528300, "verified", ""},
	// 京人社发〔2025〕11号 rsj.beijing.gov.cn …/t20250918_4204880.html
	{"110000", "2025-07", "110000@2025-07", 1193700, 716200, 3581100, "verified", ""},
	// rsj.beijing.gov.cn …/202608/t20260821_4831461.html (average wage computed: unverified)
	{"110000", "2026-11", "110000@2026-07", 1211600, 727000, 3634800, "verified", ""},
	// Shanghai district repost https://www.shpt.gov.cn/fyzx-fy/20230629/903363.html
	{"310000", "2023-07", "310000@2023-07", 1218300, 731000, 3654900, "verified", ""},
	{"310000", "2024-03", "310000@2024-03", 1218300, 731000, 3654900, "verified", ""},
	// rsj.sh.gov.cn …/20240731/t0035_1426429.html
	{"310000", "2024-07", "310000@2024-07", 1230700, 738400, 3692100, "verified", ""},
	// rsj.sh.gov.cn …/20250918/t0035_1435637.html, disputed between repositories: unverified
	{"310000", "2025-07", "310000@2025-07", 1243400, 746000, 3730200, "unverified", ""},
	// rsj.sh.gov.cn …/20260824/t0035_1443297.html "上限调整为37731元/月,下限调整为7546元/月"
	{"310000", "2026-11", "310000@2026-07", 1257700, 754600, 3773100, "verified", ""},
	// 粤人社发〔2024〕33号 "广州市、省直缴费基数下限为5500元 … 上限为27501元"
	{"440100", "2024-07", "440100@2024-07", 916700, 550000, 2750100, "verified", ""},
	// 粤人社发〔2025〕32号 "上限调整为27549元，广州市、省直缴费基数下限调整为5510元"
	{"440100", "2025-07", "440100@2025-07", 918300, 551000, 2754900, "verified", ""},
	// no 2026 notice found: continuation, unverified
	{"440100", "2026-11", "440100@2026-07", 918300, 551000, 2754900, "unverified", ""},
	// Shenzhen HRSS hrss.sz.gov.cn …/mpost_11052266.html: floor 3523, ceiling not found
	{"440300", "2024-03", "440300@2024-01", 0, 352300, 0, "verified", ""},
	// 粤人社发〔2024〕33号 "其他地区 4492"; Shenzhen applicability pending review: unverified floor
	{"440300", "2024-07", "440300@2024-07", 916700, 449200, 2750100, "unverified", "verified"},
	{"440300", "2025-07", "440300@2025-07", 918300, 477500, 2754900, "unverified", "verified"},
	{"440300", "2026-11", "440300@2026-07", 918300, 477500, 2754900, "unverified", ""},
	// jshrss.jiangsu.gov.cn …/art_77277_11643402.html
	{"320100", "2025-05", "320100@2025-01", 825400, 495200, 2476200, "verified", ""},
	{"320100", "2026-11", "320100@2026-01", 825400, 495200, 2476200, "unverified", ""},
	// zhejiang.chinatax.gov.cn …/art_13314_645797.html; wage 浙人社发〔2025〕52号 ÷ 12
	{"330100", "2025-05", "330100@2025-01", 843283, 498600, 2529900, "verified", ""},
	{"330100", "2026-11", "330100@2026-01", 843283, 498600, 2529900, "unverified", ""},
	// 川人社办发〔2025〕39号 "缴费基数上限为22938元/月，下限为4588元/月" and "以7646元/月为依据"
	{"510100", "2025-12", "510100@2025-01", 764600, 458800, 2293800, "verified", ""},
	{"510100", "2026-11", "510100@2026-01", 764600, 458800, 2293800, "unverified", ""},
	// rst.hunan.gov.cn …/202608/t20260822_34049202.html
	{"430100", "2026-11", "430100@2026-01", 684300, 410600, 2052900, "verified", ""},
}

func TestPublishedFigures(t *testing.T) {
	e := engine(t)
	for _, c := range packCases {
		v, err := e.RegionAt(c.region, month(t, c.month))
		if err != nil {
			t.Errorf("%s %s: %v", c.region, c.month, err)
			continue
		}
		if v.Window.Policy != c.policy {
			t.Errorf("%s %s: window %s, want %s", c.region, c.month, v.Window.Policy, c.policy)
		}
		checkFigure(t, c, "floor", v.Floor, c.floor, c.status)
		ceilStatus := c.status
		if c.ceilStatus != "" {
			ceilStatus = c.ceilStatus
		}
		checkFigure(t, c, "ceiling", v.Ceiling, c.ceiling, ceilStatus)
		if got := fenOf(v.AverageWage); got != c.avg {
			t.Errorf("%s average wage = %d, want %d", c.policy, got, c.avg)
		}
	}
}

func fenOf(f *policy.FigureView) money.Fen {
	if f == nil {
		return 0
	}
	return f.Fen
}

func checkFigure(t *testing.T, c packCase, name string, got *policy.FigureView, want money.Fen, status string) {
	t.Helper()
	switch {
	case want == 0 && got != nil:
		t.Errorf("%s %s = %d, want none", c.policy, name, got.Fen)
	case want == 0:
	case got == nil || got.Fen != want:
		t.Errorf("%s %s = %v, want %d", c.policy, name, got, want)
	case got.Source.Status != status:
		t.Errorf("%s %s status = %s, want %s", c.policy, name, got.Source.Status, status)
	}
}

// TestPensionAtFloor: 110 at the floor is floor × 20% in every window with a
// range or agency base (国发〔2005〕38号: 20%, 8% to the personal account).
func TestPensionAtFloor(t *testing.T) {
	e := engine(t)
	for _, c := range packCases {
		req := policy.QuoteRequest{Region: c.region, PersonType: "flexible", AsOf: asOfFor(c.month),
			Items:   []policy.QuoteItem{{Insurance: "110", BaseFen: fen(int64(c.floor))}},
			Periods: policy.Periods{From: c.month, To: c.month}}
		q, err := e.Quote(req)
		if err != nil {
			t.Errorf("%s: %v", c.policy, err)
			continue
		}
		want := c.floor / 5
		if l := q.Lines[0]; l.AmountFen != want || l.PersonalAccountFen != c.floor*8/100 || l.Policy != c.policy {
			t.Errorf("%s: line %+v, want amount %d", c.policy, l, want)
		}
	}
}

// asOfFor pays in the month itself, so no back-payment rule is involved.
func asOfFor(m string) string { return m + "-15" }

func TestWindowsContiguous(t *testing.T) {
	e := engine(t)
	want := []string{"110000", "310000", "320100", "330100", "430100", "440100", "440300", "510100", "national"}
	regions := e.Regions()
	if len(regions) != len(want) {
		t.Fatalf("regions = %v", regions)
	}
	for i, r := range regions {
		if r.Code != want[i] || r.Name == "" || r.NameEn == "" {
			t.Errorf("region %d = %+v, want code %s", i, r, want[i])
		}
		ws := e.Windows(r.Code)
		for j := 1; j < len(ws); j++ {
			if ws[j-1].To == nil || ws[j-1].To.Add(1) != ws[j].From {
				t.Errorf("%s: windows %s and %s are not contiguous", r.Code, ws[j-1].Policy, ws[j].Policy)
			}
		}
		if ws[len(ws)-1].To != nil {
			t.Errorf("%s: newest window %s is not open-ended", r.Code, ws[len(ws)-1].Policy)
		}
	}
	if e.Windows("999999") != nil {
		t.Error("unknown region has windows")
	}
}

func TestProfiles(t *testing.T) {
	e := engine(t)
	want := map[string]string{"440100": "guangdong", "440300": "guangdong", "320100": "jiangsu", "110000": "national"}
	for _, r := range e.Regions() {
		if p, ok := want[r.Code]; ok && r.Profile != p {
			t.Errorf("%s profile = %s, want %s", r.Code, r.Profile, p)
		}
	}
}
