package api

import (
	"net/http"

	"github.com/shebao-project/shebao/internal/apperr"
	"github.com/shebao-project/shebao/internal/identity"
	"github.com/shebao-project/shebao/internal/pii"
)

type documentRequest struct {
	Type   identity.DocumentType `json:"type"`
	Number string                `json:"number"`
}

// validateDocument answers whether a document number is well formed for its
// type (checksum, birth date, prefix, length), so forms can say what is
// wrong before anything is submitted. The number comes back masked.
func (h *handler) validateDocument(w http.ResponseWriter, r *http.Request) {
	var req documentRequest
	if err := decode(w, r, &req); err != nil {
		h.writeError(w, r, err)
		return
	}
	d, p := identity.ValidateDocument(req.Type, req.Number)
	if p != nil {
		e := apperr.New(apperr.Refused, "document_"+p.Reason, p.Message, p.MessageEn).WithField("number")
		if p.Reason == "unknown_type" {
			e = e.WithField("type")
			e.Allowed = identity.DocumentTypes
		}
		h.writeError(w, r, e)
		return
	}
	d.Number = pii.MaskIDNumber(d.Number)
	writeJSON(w, http.StatusOK, map[string]any{"valid": true, "type": d.Type, "number": d.Number,
		"birth": d.Birth, "sex": d.Sex, "issuer": d.Issuer})
}
