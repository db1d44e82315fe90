package console

import (
	"net/http"
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

// refunds lists refunds, failed ones (money not back: act) first.
func (h *handler) refunds(w http.ResponseWriter, r *http.Request, c *call) {
	rows, err := h.Store.Refunds(r.Context(), 200)
	if err != nil {
		h.pageError(w, r, c, err)
		return
	}
	h.show(w, r, c, "refunds", "退款", "refunds", rows)
}
