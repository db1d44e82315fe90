package policyadmin

import (
	"errors"

	"github.com/shebao-project/shebao/internal/apperr"
	"github.com/shebao-project/shebao/internal/policy"
	"github.com/shebao-project/shebao/internal/store"
)

// Error codes a surface may act on. Invalid packs carry their problems in
// Allowed ([]policy.Problem), so a page can list them.
const (
	CodePackInvalid     = "policy_pack_invalid"
	CodeRollbackInvalid = "policy_rollback_invalid"
)

var (
	errPackNotFound = apperr.New(apperr.NotFound, "policy_pack_not_found", "没有这个政策包。", "No such policy pack.")
	errStale        = apperr.New(apperr.Conflict, "policy_packs_changed",
		"预览之后政策包已有变动（其他操作员或服务器刚刚发布或回滚），请重新预览后再操作。",
		"The policy packs changed since this page was shown (another operator or server published or rolled one back); preview again.")
	errRolledBack = apperr.New(apperr.Conflict, "policy_pack_rolled_back", "该政策包已回滚。", "This policy pack is already rolled back.")
	errEnded      = apperr.New(apperr.Refused, "policy_pack_ended",
		"该政策包的生效期间已经结束，期间内已按其标准开单缴费，不能回滚；如有错误，请发布更正。",
		"This pack's window has ended and was billed and paid under its figures: it cannot be rolled back.")
	errReason = apperr.New(apperr.Invalid, "reason_required", "请填写操作理由（2至200字）。",
		"Give a reason (2 to 200 characters).").WithField("reason")
	errEmpty = apperr.New(apperr.Invalid, "policy_pack_empty", "请粘贴或上传政策包 YAML。",
		"Paste or upload a policy pack (YAML).").WithField("yaml")
	errTooLarge = apperr.New(apperr.Invalid, "policy_pack_too_large", "政策包过大（上限 1 MiB）。",
		"The policy pack is too large (1 MiB at most).").WithField("yaml")
)

// invalid is the refusal of a pack, listing its problems.
func invalid(problems []policy.Problem) *apperr.Error {
	e := apperr.New(apperr.Refused, CodePackInvalid, "政策包未通过校验，未发布。请按下列问题修改后重新上传。",
		"The policy pack did not pass validation and was not published; fix the problems listed and upload it again.")
	e.Allowed = problems
	return e
}

// rollbackInvalid refuses a roll-back that would break the set.
func rollbackInvalid(problems []policy.Problem) *apperr.Error {
	e := apperr.New(apperr.Refused, CodeRollbackInvalid, "回滚后各期间将不连续或相互冲突，未回滚。",
		"Rolling this pack back would leave the windows broken; nothing was rolled back.")
	e.Allowed = problems
	return e
}

// Problems returns the problems an invalid-pack or invalid-roll-back error
// lists, or nil.
func Problems(err error) []policy.Problem {
	if e, ok := apperr.As(err); ok {
		if ps, ok := e.Allowed.([]policy.Problem); ok {
			return ps
		}
	}
	return nil
}

// notFoundOr maps store.ErrNotFound to the safe not-found error.
func notFoundOr(err, other error) error {
	if errors.Is(err, store.ErrNotFound) {
		return errPackNotFound.Wrap(err)
	}
	return other
}

// conflictOr maps store.ErrConflict to the stale-preview error.
func conflictOr(err, other error) error {
	if errors.Is(err, store.ErrConflict) {
		return errStale.Wrap(err)
	}
	return other
}
