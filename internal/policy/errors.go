package policy

import (
	"fmt"
	"strings"
)

// Error is a refusal people can read: a stable Code for programs and HTTP
// mapping, the JSON path of the offending request Field, a message in
// Chinese and English, and what would have been accepted (Allowed), such as
// {"min_fen":…, "max_fen":…}, the list of grades or the list of windows.
// Nothing is ever clamped to make a request pass; it is refused with an Error.
type Error struct {
	Code      string `json:"code"`
	Field     string `json:"field,omitempty"`
	Message   string `json:"message"`
	MessageEn string `json:"message_en"`
	Allowed   any    `json:"allowed,omitempty"`
}

func (e *Error) Error() string {
	if e.Field == "" {
		return "policy: " + e.Code + ": " + e.MessageEn
	}
	return "policy: " + e.Code + " at " + e.Field + ": " + e.MessageEn
}

// Stable error codes. They are part of the API: add, never rename.
const (
	CodeInvalidRequest      = "invalid_request"
	CodeRegionUnknown       = "region_unknown"
	CodeNoPolicy            = "no_policy"
	CodeInsuranceUnknown    = "insurance_unknown"
	CodeInsuranceNotOffered = "insurance_not_offered"
	CodeNotOnline           = "not_online"
	CodeBaseMissing         = "base_missing"
	CodeBaseConflict        = "base_conflict"
	CodeBaseNotApplicable   = "base_not_applicable"
	CodeBaseOutOfRange      = "base_out_of_range"
	CodeGradeNotOffered     = "grade_not_offered"
	CodeBindingViolated     = "medical_requires_pension"
	CodeCycleNotAllowed     = "cycle_not_allowed"
	CodeCycleMisaligned     = "cycle_misaligned"
	CodePeriodInvalid       = "period_invalid"
	CodePeriodTooOld        = "period_too_old"
	CodePeriodTooFarAhead   = "period_too_far_ahead"
	CodeAmountOverflow      = "amount_overflow"
	CodeNoCalcBase          = "no_calc_base"
)

func errorf(code, field, zh, en string, allowed any) *Error {
	return &Error{Code: code, Field: field, Message: zh, MessageEn: en, Allowed: allowed}
}

func invalid(field, zh, en string) *Error { return errorf(CodeInvalidRequest, field, zh, en, nil) }

// Problem is one defect found in a policy pack while loading. Reason is in
// English; ReasonZh says the same in Chinese for the operator console.
type Problem struct {
	File     string `json:"file"`
	Field    string `json:"field"`
	Reason   string `json:"reason"`
	ReasonZh string `json:"reason_zh,omitempty"`
}

func (p Problem) String() string { return p.File + ": " + p.Field + ": " + p.Reason }

// LoadError lists every problem found in the packs; Load refuses to start
// with any, so a bad pack fails the deployment, not a citizen's payment.
type LoadError struct {
	Problems []Problem
}

func (e *LoadError) Error() string {
	lines := make([]string, 0, len(e.Problems)+1)
	lines = append(lines, fmt.Sprintf("policy: %d problem(s) in policy packs", len(e.Problems)))
	for _, p := range e.Problems {
		lines = append(lines, "  "+p.String())
	}
	return strings.Join(lines, "\n")
}

// problems collects Problems for one file.
type problems struct {
	file string
	list *[]Problem
}

func (p problems) add(field, format string, args ...any) {
	*p.list = append(*p.list, Problem{File: p.file, Field: field, Reason: fmt.Sprintf(format, args...),
		ReasonZh: reasonZh(field, format, args)})
}
