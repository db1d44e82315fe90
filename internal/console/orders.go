package console

import (
	"errors"
	"net/http"
	"strings"

	"github.com/shebao-project/shebao/internal/apperr"
	"github.com/shebao-project/shebao/internal/payment"
	"github.com/shebao-project/shebao/internal/store"
)

type ordersData struct {
	Query string
	Found []OrderRow
}

var errOrderNotFound = apperr.New(apperr.NotFound, "order_not_found", "未找到该订单。", "No such order.")

// orders searches by order id or out_trade_no: identifiers of ours, not
// personal data, so they may be in the URL. Searches are audit-logged.
func (h *handler) orders(w http.ResponseWriter, r *http.Request, c *call) {
	d := ordersData{Query: strings.TrimSpace(r.URL.Query().Get("q"))}
	if d.Query != "" {
		h.audit(r.Context(), c, "order.search", d.Query, "", "")
		o, err := h.Store.FindOrder(r.Context(), d.Query)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			h.pageError(w, r, c, err)
			return
		} else if err == nil {
			d.Found = []OrderRow{o}
		}
	}
	h.show(w, r, c, "orders", "订单查询", "orders", d)
}

type orderData struct {
	Order     OrderRow
	Deletions []deletionLine // payer or insured person asked for deletion
	Events    []payment.Event
	Refund    *payment.Refund
	Unmasked  *unmasked // after an unmask, this once
}

type unmasked struct {
	Who, Field, Value string
}

func (h *handler) orderData(r *http.Request, id string) (*orderData, error) {
	o, err := h.Store.FindOrder(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, errOrderNotFound
	} else if err != nil {
		return nil, err
	}
	d := &orderData{Order: o}
	if d.Events, err = h.Payments.Events(r.Context(), o.ID); err != nil {
		return nil, err
	}
	if d.Deletions, err = h.deletionLines(r.Context(), o); err != nil {
		return nil, err
	}
	if rf, err := h.Store.RefundForOrder(r.Context(), o.ID); err == nil {
		d.Refund = &rf
	} else if !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	return d, nil
}

// order shows one order with its events and refund, personal data masked.
func (h *handler) order(w http.ResponseWriter, r *http.Request, c *call) {
	d, err := h.orderData(r, r.PathValue("id"))
	if err != nil {
		h.pageError(w, r, c, err)
		return
	}
	h.audit(r.Context(), c, "order.view", d.Order.ID, "", "")
	h.show(w, r, c, "order", "订单 "+d.Order.ID, "orders", d)
}

var errUnmaskField = apperr.New(apperr.Invalid, "unmask_field", "请选择要查看的人员和项目。", "Choose whose data and which field.")

// unmask opens one field of the payer's or the insured person's personal
// data, with a reason, recorded before it is shown. It answers the POST
// with the page itself, so the value never appears in a URL or history.
func (h *handler) unmask(w http.ResponseWriter, r *http.Request, c *call) {
	d, err := h.orderData(r, r.PathValue("id"))
	if err != nil {
		h.pageError(w, r, c, err)
		return
	}
	who, field := r.PostFormValue("who"), r.PostFormValue("field")
	personID := map[string]string{"payer": d.Order.PayerID, "person": d.Order.PersonID}[who]
	if personID == "" || (field != "phone" && field != "id_number" && field != "name") {
		h.pageError(w, r, c, errUnmaskField)
		return
	}
	reason, err := reasonOf(r)
	if err != nil {
		h.pageError(w, r, c, err)
		return
	}
	var value string
	err = h.act(r.Context(), c, "pii.unmask", personID, reason, field+" of the "+who+" of order "+d.Order.ID, func() error {
		p, err := h.Persons.Person(r.Context(), personID)
		if err != nil {
			return err
		}
		value = map[string]string{"phone": p.Phone, "id_number": p.IDNumber, "name": p.Name}[field]
		return nil
	})
	if err != nil {
		h.pageError(w, r, c, err)
		return
	}
	d.Unmasked = &unmasked{Who: map[string]string{"payer": "缴费人", "person": "参保人"}[who],
		Field: map[string]string{"phone": "手机号", "id_number": "证件号码", "name": "姓名"}[field], Value: value}
	h.show(w, r, c, "order", "订单 "+d.Order.ID, "orders", d)
}
