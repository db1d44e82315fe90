package api

import (
	"errors"
	"net/http"
	"sync"

	"github.com/shebao-project/shebao/internal/apperr"
	"github.com/shebao-project/shebao/internal/evidence"
	"github.com/shebao-project/shebao/internal/identity"
	"github.com/shebao-project/shebao/internal/voucher"
)

// pdfCache keeps rendered PDFs: rendering costs a few hundred milliseconds
// (font subsetting) and the output for a voucher never changes.
type pdfCache struct {
	mu sync.Mutex
	m  map[string][]byte
}

func (c *pdfCache) get(id string) ([]byte, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	b, ok := c.m[id]
	return b, ok
}

func (c *pdfCache) put(id string, b []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= 256 {
		c.m = map[string][]byte{} // bounded: start over rather than grow
	}
	c.m[id] = b
}

// voucherPDF serves a voucher as a PDF with real text; a voucher past its
// retention is no longer served, and says so.
func (h *handler) voucherPDF(w http.ResponseWriter, r *http.Request, p *identity.Person) {
	v, err := h.Payments.VoucherFor(r.Context(), p.ID, r.PathValue("id"))
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	pdf, ok := h.pdfs.get(v.ID)
	if !ok {
		res := voucher.Verify(h.Payments.Signer().Public(), &v, h.Now())
		pdf, err = voucher.RenderPDF(&v, res.Document, voucher.QRPayload(h.PublicURL, &v), res)
		if errors.Is(err, voucher.ErrNotRenderable) {
			h.writeError(w, r, apperr.New(apperr.NotFound, "voucher_"+res.Reason, res.Message, res.MessageEn))
			return
		} else if err != nil {
			h.writeError(w, r, err)
			return
		}
		h.pdfs.put(v.ID, pdf)
	}
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", `attachment; filename="`+string(v.Kind)+`-`+v.Code+`.pdf"`)
	_, _ = w.Write(pdf)
}

// voucherProof serves the voucher's evidence bundle: the signed checkpoint,
// its index and inclusion path, to check offline against the log's key.
func (h *handler) voucherProof(w http.ResponseWriter, r *http.Request, p *identity.Person) {
	v, err := h.Payments.VoucherFor(r.Context(), p.ID, r.PathValue("id"))
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	b, err := h.Evidence.Bundle(r.Context(), evidence.KindVoucher, v.ID)
	if errors.Is(err, evidence.ErrNotCheckpointed) {
		w.Header().Set("Retry-After", "60")
		h.writeError(w, r, apperr.New(apperr.Unavailable, "proof_not_ready",
			"凭证已记入存证日志，下一个签名检查点生成后（约1分钟）即可下载证明。",
			"The voucher is in the evidence log; its proof is ready after the next signed checkpoint (about a minute)."))
		return
	} else if err != nil {
		h.writeError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = w.Write(b)
}
