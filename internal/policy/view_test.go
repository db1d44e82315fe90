package policy_test

import (
	"testing"

	"github.com/shebao-project/shebao/internal/policy"
)

func TestRegionAtBeijing(t *testing.T) {
	v, err := engine(t).RegionAt("110000", month(t, "2026-11"))
	if err != nil {
		t.Fatal(err)
	}
	if v.Profile != "national" || v.AuthMethods[0] != "national_login" || v.Rounding != "half_up_fen" || len(v.Channels) == 0 {
		t.Fatalf("view = %+v", v)
	}
	flex := v.PersonTypes[0]
	if flex.PersonType != "flexible" || len(flex.Insurances) != 2 {
		t.Fatalf("flexible = %+v", flex)
	}
	pension, medical := flex.Insurances[0], flex.Insurances[1]
	if pension.Code != "110" || pension.Name != "企业职工基本养老保险" || pension.Family != "range" ||
		pension.FloorFen != 727000 || pension.CeilingFen != 3634800 || pension.Rate.Source.Status != "verified" {
		t.Errorf("110 = %+v", pension)
	}
	if medical.Binding != "with_pension_required" || medical.Verified || len(medical.Cycles) != 2 {
		t.Errorf("310 = %+v", medical)
	}
	if len(v.PersonTypes[1].Insurances) != 0 {
		t.Errorf("Beijing offers nothing to residents here: %+v", v.PersonTypes[1])
	}
	if len(v.Unverified) == 0 {
		t.Error("the unverified medical rate must be listed")
	}
	for _, c := range v.Channels {
		if c.PerPaymentFen <= 0 || c.PerDayFen < c.PerPaymentFen {
			t.Errorf("channel %+v", c)
		}
	}
}

func TestRegionAtProfiles(t *testing.T) {
	e := engine(t)
	gz, _ := e.RegionAt("440100", month(t, "2026-11"))
	if gz.Profile != "guangdong" || gz.AuthMethods[0] != "face" || len(gz.Offline) != 1 || gz.Offline[0].OfflineReasonEn == "" {
		t.Errorf("Guangzhou = %+v", gz)
	}
	if ins := gz.PersonTypes[0].Insurances[0]; ins.Family != "agency" || ins.AdvanceMonths != 6 || ins.BackMonths != 12 {
		t.Errorf("Guangzhou 110 = %+v", ins)
	}
	nj, _ := e.RegionAt("320100", month(t, "2026-11"))
	if nj.Profile != "jiangsu" || nj.AuthMethods[0] != "ecard_password" || nj.PersonTypes[0].Insurances[0].BackMonths != 0 {
		t.Errorf("Nanjing = %+v", nj)
	}
	cd, _ := e.RegionAt("510100", month(t, "2026-11"))
	res := cd.PersonTypes[1].Insurances
	if len(res) != 2 || res[0].Code != "170" || len(res[0].Grades) != 12 || res[1].AnnualPremiums[0].Year != 2027 {
		t.Errorf("Chengdu residents = %+v", res)
	}
}

func TestRegionAtErrors(t *testing.T) {
	e := engine(t)
	_, err := e.RegionAt("999999", month(t, "2026-11"))
	if pe := policyErr(t, err); pe.Code != policy.CodeRegionUnknown {
		t.Errorf("unknown region: %+v", pe)
	}
	_, err = e.RegionAt("110000", month(t, "2020-01"))
	pe := policyErr(t, err)
	if ws, ok := pe.Allowed.([]policy.Window); pe.Code != policy.CodeNoPolicy || !ok || len(ws) != 4 {
		t.Errorf("no window: %+v", pe)
	}
}
