package payment

import (
	"fmt"

	"github.com/shebao-project/shebao/internal/apperr"
	"github.com/shebao-project/shebao/internal/billing"
	"github.com/shebao-project/shebao/internal/money"
)

// ErrConfirmCode is the code of the refusal of a payment that needs a
// second factor first; handlers add the methods the payer can use.
const ErrConfirmCode = "second_factor_required"

// checkConfirmed refuses, before anything is written, a payment above the
// review line that the payer has not confirmed with a second factor. The
// idempotency key is not used up: the same request succeeds once confirmed.
func (s *Service) checkConfirmed(req CreateOrderRequest, bills []billing.Bill) error {
	if s.risk.ConfirmFen <= 0 || req.Confirmed {
		return nil
	}
	var total money.Fen
	for _, b := range bills {
		total += b.AmountFen
	}
	if total <= s.risk.ConfirmFen {
		return nil
	}
	return apperr.New(apperr.Forbidden, ErrConfirmCode,
		fmt.Sprintf("本次缴费 %s 元，超过 %s 元，请先再次确认身份（电子社保卡密码或本人手机验证码），再继续支付。", total.Yuan(), s.risk.ConfirmFen.Yuan()),
		fmt.Sprintf("This payment of %s yuan is above %s yuan: confirm it is you (e-card password or a code to your own phone), then pay.", total.Yuan(), s.risk.ConfirmFen.Yuan()))
}
