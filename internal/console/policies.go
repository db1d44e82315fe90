package console

import (
	"context"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/shebao-project/shebao/internal/apperr"
	"github.com/shebao-project/shebao/internal/policy"
	"github.com/shebao-project/shebao/internal/policyadmin"
)

// PolicyAdmin publishes and rolls back policy packs (*policyadmin.Service).
// Without one, the policy page only lists the packs in force.
type PolicyAdmin interface {
	Preview(ctx context.Context, yaml []byte) (*policyadmin.Preview, error)
	Publish(ctx context.Context, r policyadmin.PublishRequest) (policyadmin.Pack, error)
	RollBack(ctx context.Context, r policyadmin.RollBackRequest) (policyadmin.Pack, error)
	List(ctx context.Context) ([]policyadmin.Listed, error)
	Pack(ctx context.Context, id int64) (policyadmin.Pack, error)
}

var (
	errPolicyAdminOff = apperr.New(apperr.NotFound, "policy_admin_off", "本服务未启用政策包发布。",
		"Publishing policy packs is not enabled on this server.")
	errNoPack = apperr.New(apperr.NotFound, "policy_pack_not_found", "没有这个政策包。", "No such policy pack.")
)

type policyRegion struct {
	policy.RegionSummary
	Windows []policy.Window
}

type policiesData struct {
	Regions []policyRegion
	Packs   []policyadmin.Listed // newest first; nil without PolicyAdmin
	Enabled bool
}

// policies lists each region's windows in force and, where publishing is
// enabled, every pack published from the console with its roll-back form.
func (h *handler) policies(w http.ResponseWriter, r *http.Request, c *call) {
	d := policiesData{Enabled: h.PolicyAdmin != nil}
	if h.Policies != nil {
		for _, rg := range h.Policies.Regions() {
			d.Regions = append(d.Regions, policyRegion{RegionSummary: rg, Windows: h.Policies.Windows(rg.Code)})
		}
	}
	if d.Enabled {
		var err error
		if d.Packs, err = h.PolicyAdmin.List(r.Context()); err != nil {
			h.pageError(w, r, c, err)
			return
		}
	}
	h.show(w, r, c, "policies", "政策包", "policies", d)
}

// policyPack shows one published pack as stored, its YAML included.
func (h *handler) policyPack(w http.ResponseWriter, r *http.Request, c *call) {
	if h.PolicyAdmin == nil {
		h.pageError(w, r, c, errPolicyAdminOff)
		return
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		h.pageError(w, r, c, errNoPack)
		return
	}
	p, err := h.PolicyAdmin.Pack(r.Context(), id)
	if err != nil {
		h.pageError(w, r, c, err)
		return
	}
	h.show(w, r, c, "policy_pack", "政策包 #"+strconv.FormatInt(id, 10), "policies", p)
}

// newPolicy is the upload form.
func (h *handler) newPolicy(w http.ResponseWriter, r *http.Request, c *call) {
	h.show(w, r, c, "policy_new", "上传政策包", "policies", "")
}

// maxUpload is what the form reads of a file: a little over what the
// service accepts, so that it reports the size instead of a cut pack.
const maxUpload = 1<<20 + 1

// uploaded is the form's pack: the chosen file if any, else the pasted text,
// with CRLF line ends made LF (browsers send a textarea with CRLF), so the
// digests do not depend on how the pack came.
func uploaded(r *http.Request) ([]byte, error) {
	data := []byte(r.PostFormValue("yaml"))
	if f, _, err := r.FormFile("file"); err == nil {
		defer f.Close()
		if data, err = io.ReadAll(io.LimitReader(f, maxUpload)); err != nil {
			return nil, err
		}
	}
	return []byte(strings.ReplaceAll(string(data), "\r\n", "\n")), nil
}

type previewData struct {
	*policyadmin.Preview
	YAML string
}

// previewPolicy checks an upload and shows its problems, or its changes and
// impact with the form to publish it.
func (h *handler) previewPolicy(w http.ResponseWriter, r *http.Request, c *call) {
	if h.PolicyAdmin == nil {
		h.pageError(w, r, c, errPolicyAdminOff)
		return
	}
	data, err := uploaded(r)
	if err != nil {
		h.pageError(w, r, c, err)
		return
	}
	h.showPreview(w, r, c, data, nil)
}

// showPreview previews data again, with failure (a refused publication) on
// top; an upload that cannot be previewed at all goes back to the form.
func (h *handler) showPreview(w http.ResponseWriter, r *http.Request, c *call, data []byte, failure *apperr.Error) {
	p, err := h.PolicyAdmin.Preview(r.Context(), data)
	if e, ok := apperr.As(err); ok && e.Kind == apperr.Invalid {
		h.render(w, r, statusOf(e), "policy_new", page{Title: "上传政策包", Nav: "policies", Op: c.op, CSRF: c.csrf, Error: e, Data: string(data)})
		return
	}
	if err != nil {
		h.pageError(w, r, c, err)
		return
	}
	status := http.StatusOK
	if len(p.Problems) > 0 {
		status = http.StatusUnprocessableEntity
	}
	if failure != nil {
		status = statusOf(failure)
	}
	h.render(w, r, status, "policy_preview", page{Title: "预览政策包", Nav: "policies", Op: c.op, CSRF: c.csrf, Error: failure,
		Data: previewData{Preview: p, YAML: string(data)}})
}

// publishPolicy publishes the previewed pack; a refusal (problems, or a
// preview made stale by another publication) shows the preview again, as
// it is now, with the reason.
func (h *handler) publishPolicy(w http.ResponseWriter, r *http.Request, c *call) {
	if h.PolicyAdmin == nil {
		h.pageError(w, r, c, errPolicyAdminOff)
		return
	}
	data, err := uploaded(r)
	if err != nil {
		h.pageError(w, r, c, err)
		return
	}
	reason, err := reasonOf(r)
	if err == nil {
		version, _ := strconv.ParseInt(r.PostFormValue("version"), 10, 64)
		_, err = h.PolicyAdmin.Publish(r.Context(), policyadmin.PublishRequest{By: c.op.Name, YAML: data, Reason: reason, Version: version})
	}
	if e, ok := apperr.As(err); ok && e.Kind != apperr.Internal {
		h.showPreview(w, r, c, data, e)
		return
	}
	if err != nil {
		h.pageError(w, r, c, err)
		return
	}
	done(w, r, "/admin/policies", "policy_published")
}

// rollBackPolicy takes a published pack out of force.
func (h *handler) rollBackPolicy(w http.ResponseWriter, r *http.Request, c *call) {
	if h.PolicyAdmin == nil {
		h.pageError(w, r, c, errPolicyAdminOff)
		return
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		h.pageError(w, r, c, errNoPack)
		return
	}
	reason, err := reasonOf(r)
	if err != nil {
		h.pageError(w, r, c, err)
		return
	}
	if _, err := h.PolicyAdmin.RollBack(r.Context(), policyadmin.RollBackRequest{By: c.op.Name, ID: id, Reason: reason}); err != nil {
		h.pageError(w, r, c, err)
		return
	}
	done(w, r, "/admin/policies", "policy_rolled_back")
}
