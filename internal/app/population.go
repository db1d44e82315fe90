package app

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/shebao-project/shebao/internal/identity"
	"github.com/shebao-project/shebao/internal/payment"
	"github.com/shebao-project/shebao/internal/policy"
)

// population registers synthetic people with this month's bills due, for
// the load generator: POST /sandbox/population {"count":N,"region":"110000"}
// → {"phones":[…]}. It exists only in demo mode, next to the other sandboxes.
type population struct{ a *App }

func (p *population) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Count  int    `json:"count"`
		Region string `json:"region"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<10)).Decode(&req); err != nil || req.Count < 1 || req.Count > 1000 {
		http.Error(w, `{"error":{"code":"invalid","message":"count 须为1至1000","message_en":"count must be 1 to 1000"}}`, http.StatusBadRequest)
		return
	}
	if req.Region == "" {
		req.Region = "110000"
	}
	phones, err := p.create(r, req.Count, req.Region)
	if err != nil {
		p.a.log.ErrorContext(r.Context(), "population", "err", err)
		http.Error(w, `{"error":{"code":"internal_error","message":"创建失败","message_en":"could not create people"}}`, http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"phones": phones})
}

func (p *population) create(r *http.Request, n int, region string) ([]string, error) {
	ctx := r.Context()
	view, err := p.a.Policy.RegionAt(region, policy.MonthOf(p.a.now().In(payment.Beijing())))
	if err != nil {
		return nil, err
	}
	var monthly []string
	for _, pt := range view.PersonTypes {
		if pt.PersonType != string(identity.Flexible) {
			continue
		}
		for _, ins := range pt.Insurances {
			if ins.Family == "range" || ins.Family == "agency" {
				monthly = append(monthly, ins.Code)
			}
		}
	}
	// Numbers come from a database sequence, so several app servers on one
	// database never hand out the same synthetic person.
	nums := make([]int, 0, n)
	err = p.a.db.Payments().InTx(ctx, func(tx payment.Tx) error {
		nums = nums[:0]
		for range n {
			v, err := tx.NextSequence(ctx, "sandbox_population")
			if err != nil {
				return err
			}
			nums = append(nums, int(v))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	phones := make([]string, 0, n)
	for _, k := range nums {
		birth := time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, k/900)
		first17 := fmt.Sprintf("%.6s%s%03d", region+"000000", birth.Format("20060102"), k%900+100)
		check, _ := identity.IDCheckDigit(first17)
		phone := fmt.Sprintf("199%08d", k)
		person, err := p.a.Identity.Register(ctx, identity.NewPerson{ID: fmt.Sprintf("per_pop%09d", k), Region: region,
			Type: identity.Flexible, Name: "模拟", IDNumber: first17 + string(check), Phone: phone, OpenID: fmt.Sprintf("oSBpop%022d", k)})
		if err != nil {
			return nil, err
		}
		for _, ins := range monthly {
			if err := p.a.Identity.Enrol(ctx, identity.Enrolment{PersonID: person.ID, Insurance: ins, Status: "active", Since: "2026-01", Base: "floor"}); err != nil {
				return nil, err
			}
		}
		es, err := p.a.Identity.Enrolments(ctx, person.ID)
		if err != nil {
			return nil, err
		}
		if err := p.a.Billing.EnsureCurrent(ctx, person, es); err != nil {
			return nil, err
		}
		phones = append(phones, phone)
	}
	return phones, nil
}
