package console

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/shebao-project/shebao/internal/apperr"
	"github.com/shebao-project/shebao/internal/store"
)

// recon lists reconciliation differences still open.
func (h *handler) recon(w http.ResponseWriter, r *http.Request, c *call) {
	diffs, err := h.Store.OpenDiffs(r.Context(), 500)
	if err != nil {
		h.pageError(w, r, c, err)
		return
	}
	h.show(w, r, c, "recon", "对账差异", "recon", diffs)
}

var errNoDiff = apperr.New(apperr.NotFound, "diff_not_found", "该差异不存在或已处理。", "No such open difference.")

// resolveDiff marks a difference resolved, keeping who and why.
func (h *handler) resolveDiff(w http.ResponseWriter, r *http.Request, c *call) {
	k := DiffKey{Channel: r.PostFormValue("channel"), Date: r.PostFormValue("date"),
		OutTradeNo: r.PostFormValue("out_trade_no"), Kind: r.PostFormValue("kind")}
	reason, err := reasonOf(r)
	if err != nil {
		h.pageError(w, r, c, err)
		return
	}
	target := k.Channel + "@" + k.Date + "/" + k.OutTradeNo + "/" + k.Kind
	err = h.act(r.Context(), c, "recon.resolve", target, reason, "", func() error {
		err := h.Store.ResolveDiff(r.Context(), k, "resolved by "+c.op.Name+": "+reason, c.op.Name, h.Now())
		if errors.Is(err, store.ErrNotFound) {
			return errNoDiff
		}
		return err
	})
	if err != nil {
		h.pageError(w, r, c, err)
		return
	}
	done(w, r, "/admin/recon", "resolved")
}

// retries lists postings to the core system that keep failing; after 72
// hours the payment service refunds them by itself.
func (h *handler) retries(w http.ResponseWriter, r *http.Request, c *call) {
	rows, err := h.Store.FailingPostings(r.Context(), 200)
	if err != nil {
		h.pageError(w, r, c, err)
		return
	}
	h.show(w, r, c, "retries", "入账重试", "retries", rows)
}

var errNoJob = apperr.New(apperr.NotFound, "retry_not_found", "该重试任务不存在、已完成或正在执行。",
	"No such waiting retry: it finished or is running.")

// runRetry brings a failing posting's next attempt forward to now, e.g.
// once the core system is back.
func (h *handler) runRetry(w http.ResponseWriter, r *http.Request, c *call) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		h.pageError(w, r, c, errNoJob)
		return
	}
	reason, err := reasonOf(r)
	if err != nil {
		h.pageError(w, r, c, err)
		return
	}
	err = h.act(r.Context(), c, "posting.retry_now", "job "+r.PathValue("id"), reason, "", func() error {
		err := h.Store.RunPostingNow(r.Context(), id, h.Now())
		if errors.Is(err, store.ErrNotFound) {
			return errNoJob
		}
		return err
	})
	if err != nil {
		h.pageError(w, r, c, err)
		return
	}
	h.Wake()
	done(w, r, "/admin/retries", "scheduled")
}
