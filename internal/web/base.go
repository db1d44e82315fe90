package web

import (
	"net/http"
	"strconv"

	"github.com/shebao-project/shebao/internal/apperr"
	"github.com/shebao-project/shebao/internal/billing"
	"github.com/shebao-project/shebao/internal/identity"
	"github.com/shebao-project/shebao/internal/money"
	"github.com/shebao-project/shebao/internal/payment"
	"github.com/shebao-project/shebao/internal/policy"
)

// baseChoice is one insurance type on the base page: what the rules allow
// and what the person has chosen.
type baseChoice struct {
	Ins      policy.InsuranceView
	Choice   string // floor, ceiling, custom, or a grade in fen
	Custom   string // yuan, for custom
	Floor    *policy.FigureView
	Ceiling  *policy.FigureView
	Editable bool
}

type baseData struct {
	Region  *policy.RegionView
	Choices []baseChoice
}

// basePage lets a person choose their contribution base (缴费基数) or grade
// within the rules of their region, with the notice each limit comes from.
func (h *handler) basePage(w http.ResponseWriter, r *http.Request, p *identity.Person, csrf string) {
	d, err := h.baseData(r, p)
	if err != nil {
		h.pageError(w, r, p, err)
		return
	}
	h.render(w, r, http.StatusOK, "base", page{Title: "title.base", Person: p, CSRF: csrf, Nav: "me", Data: d})
}

func (h *handler) baseData(r *http.Request, p *identity.Person) (*baseData, error) {
	rv, err := h.Policy.RegionAt(p.Region, h.month())
	if err != nil {
		return nil, err
	}
	es, err := h.Identity.Enrolments(r.Context(), p.ID)
	if err != nil {
		return nil, err
	}
	d := &baseData{Region: rv}
	for _, e := range es {
		ins, ok := findInsurance(rv, string(p.Type), e.Insurance)
		if !ok || e.Status != "active" || ins.Family == "flat_annual" {
			continue
		}
		c := baseChoice{Ins: ins, Choice: e.Base, Floor: rv.Floor, Ceiling: rv.Ceiling,
			Editable: ins.Family == "range" || ins.Family == "grades"}
		if v, err := strconv.ParseInt(e.Base, 10, 64); err == nil && ins.Family == "range" {
			c.Choice, c.Custom = "custom", money.Fen(v).Yuan()
		}
		d.Choices = append(d.Choices, c)
	}
	return d, nil
}

func (h *handler) month() policy.Month { return policy.MonthOf(h.Now().In(payment.Beijing())) }

func findInsurance(rv *policy.RegionView, personType, code string) (policy.InsuranceView, bool) {
	for _, pt := range rv.PersonTypes {
		if pt.PersonType != personType {
			continue
		}
		for _, ins := range pt.Insurances {
			if ins.Code == code {
				return ins, true
			}
		}
	}
	return policy.InsuranceView{}, false
}

// saveBase checks the chosen bases with a quote for this month before
// storing anything, then records them and re-prices this month's bills that
// no order holds yet.
func (h *handler) saveBase(w http.ResponseWriter, r *http.Request, p *identity.Person, csrf string) {
	d, err := h.baseData(r, p)
	if err != nil {
		h.pageError(w, r, p, err)
		return
	}
	var items []billing.Item
	for i, c := range d.Choices {
		base := c.Choice
		if c.Editable {
			if base, err = formBase(r, c.Ins.Code); err != nil {
				d.Choices[i].Choice, d.Choices[i].Custom = "custom", r.PostFormValue("amount_"+c.Ins.Code)
				h.render(w, r, http.StatusBadRequest, "base", page{Title: "title.base", Person: p, CSRF: csrf, Nav: "me", Back: "/me/base", Error: safe(err), Data: d})
				return
			}
		}
		items = append(items, billing.Item{Insurance: c.Ins.Code, Base: base})
	}
	month := h.month().String()
	if _, err := h.Billing.Check(p, month, items); err != nil {
		h.render(w, r, http.StatusUnprocessableEntity, "base", page{Title: "title.base", Person: p, CSRF: csrf, Nav: "me", Back: "/me/base", Error: policyError(err), Data: d})
		return
	}
	for _, it := range items {
		if err := h.Identity.Enrol(r.Context(), identity.Enrolment{PersonID: p.ID, Insurance: it.Insurance, Status: "active", Since: month, Base: it.Base}); err != nil {
			h.pageError(w, r, p, err)
			return
		}
	}
	if _, err := h.Billing.Reprice(r.Context(), p, month, items); err != nil {
		h.pageError(w, r, p, err)
		return
	}
	http.Redirect(w, r, "/me", http.StatusSeeOther)
}

// formBase reads one insurance type's choice: floor, ceiling, a grade (fen
// digits) or a custom amount in yuan.
func formBase(r *http.Request, code string) (string, error) {
	switch v := r.PostFormValue("base_" + code); v {
	case "floor", "ceiling":
		return v, nil
	case "custom":
		fen, err := money.ParseYuan(r.PostFormValue("amount_" + code))
		if err != nil || fen <= 0 {
			return "", apperr.New(apperr.Invalid, "base_invalid", "请输入缴费基数金额（元），例如 8000 或 8000.50。",
				"Enter the base as an amount in yuan, e.g. 8000 or 8000.50.").WithField("amount_" + code)
		}
		return strconv.FormatInt(int64(fen), 10), nil
	default:
		if n, err := strconv.ParseInt(v, 10, 64); err == nil && n > 0 {
			return v, nil
		}
	}
	return "", apperr.New(apperr.Invalid, "base_invalid", "请选择缴费基数。", "Choose a contribution base.").WithField("base_" + code)
}

// policyError turns a policy refusal into the page's error, keeping its
// bilingual message (it names the allowed range).
func policyError(err error) *apperr.Error {
	var pe *policy.Error
	if asPolicy(err, &pe) {
		return apperr.New(apperr.Invalid, pe.Code, pe.Message, pe.MessageEn).WithField(pe.Field)
	}
	return safe(err)
}
