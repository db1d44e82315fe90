package console

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/shebao-project/shebao/internal/apperr"
	"github.com/shebao-project/shebao/internal/payment"
	"github.com/shebao-project/shebao/internal/store"
)

// holds lists held orders (冻结), the hold ending soonest first.
func (h *handler) holds(w http.ResponseWriter, r *http.Request, c *call) {
	rows, err := h.Store.HeldOrders(r.Context(), 200)
	if err != nil {
		h.pageError(w, r, c, err)
		return
	}
	h.show(w, r, c, "holds", "冻结订单", "holds", rows)
}

// decideHold releases a held order to posting, or refunds it, with the
// operator's reason; the payment service makes the decision idempotent.
func (h *handler) decideHold(release bool) opHandler {
	action, notice := "hold.refund", "refunded"
	if release {
		action, notice = "hold.release", "released"
	}
	return func(w http.ResponseWriter, r *http.Request, c *call) {
		id := r.PathValue("id")
		reason, err := reasonOf(r)
		if err != nil {
			h.pageError(w, r, c, err)
			return
		}
		by := "operator " + c.op.Name
		err = h.act(r.Context(), c, action, id, reason, "", func() error {
			if release {
				_, err := h.Payments.ReleaseHold(r.Context(), id, by, reason)
				return err
			}
			_, err := h.Payments.RefundHold(r.Context(), id, by, reason)
			return err
		})
		if err != nil {
			h.pageError(w, r, c, err)
			return
		}
		done(w, r, "/admin/holds", notice)
	}
}

// refunds lists refunds, failed ones (money not back: act) first, each
// failed one with its earlier attempts.
func (h *handler) refunds(w http.ResponseWriter, r *http.Request, c *call) {
	rows, err := h.Store.Refunds(r.Context(), 200)
	if err != nil {
		h.pageError(w, r, c, err)
		return
	}
	for i := range rows {
		if rows[i].Status != "failed" || rows[i].Attempt < 2 {
			continue
		}
		if rows[i].Earlier, err = h.Store.RefundAttempts(r.Context(), rows[i].OrderID); err != nil {
			h.pageError(w, r, c, err)
			return
		}
	}
	h.show(w, r, c, "refunds", "退款", "refunds", rows)
}

// retryRefund starts a new attempt of a failed refund under a new
// out_refund_no, with the operator's reason; the payment service asks the
// provider about the failed attempt first and makes the retry idempotent.
// The audit entry names the failed attempt's number and the new one.
func (h *handler) retryRefund(w http.ResponseWriter, r *http.Request, c *call) {
	id := r.PathValue("order_id")
	reason, err := reasonOf(r)
	if err != nil {
		h.pageError(w, r, c, err)
		return
	}
	o, err := h.Store.FindOrder(r.Context(), id)
	var cur payment.Refund
	if err == nil {
		cur, err = h.Store.RefundForOrder(r.Context(), o.ID)
	}
	if errors.Is(err, store.ErrNotFound) {
		err = apperr.New(apperr.NotFound, "refund_not_found", "该订单没有退款。", "This order has no refund.")
	}
	if err != nil {
		h.pageError(w, r, c, err)
		return
	}
	detail := fmt.Sprintf("%s → %s", cur.OutRefundNo, payment.RefundAttemptNo(o.OutTradeNo, cur.Attempt+1))
	var res payment.RefundRetry
	err = h.act(r.Context(), c, "refund.retry", id, reason, detail, func() error {
		res, err = h.Payments.RetryRefund(r.Context(), id, "operator "+c.op.Name, reason)
		return err
	})
	if err != nil {
		h.pageError(w, r, c, err)
		return
	}
	if res.Applied {
		done(w, r, "/admin/refunds", "refund_applied")
		return
	}
	done(w, r, "/admin/refunds", "refund_retried")
}
