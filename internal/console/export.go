package console

import (
	"encoding/csv"
	"net/http"
	"strconv"
	"strings"
)

// exportCollections writes the dashboard period's credited contributions
// as CSV (UTF-8 with a byte-order mark, so spreadsheet programs read the
// Chinese headers). The export is audit-logged: it leaves the system.
func (h *handler) exportCollections(w http.ResponseWriter, r *http.Request, c *call) {
	p := h.period(r)
	rows, err := h.Store.Collections(r.Context(), p.From, p.To)
	if err != nil {
		h.pageError(w, r, c, err)
		return
	}
	from, to := p.From.Format("2006-01-02"), p.To.AddDate(0, 0, -1).Format("2006-01-02")
	h.audit(r.Context(), c, "export.collections", from+".."+to, "", strconv.Itoa(len(rows))+" rows")
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="collections-`+from+`-`+to+`.csv"`)
	_, _ = w.Write([]byte("\uFEFF"))
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"日期", "地区代码", "地区", "渠道", "险种代码", "险种", "笔数", "金额（元）"})
	for _, x := range rows {
		_ = cw.Write(cells(x.Date, x.Region, h.regionName(x.Region), x.Channel, x.Insurance, insuranceName(x.Insurance),
			strconv.Itoa(x.Orders), x.AmountFen.Yuan()))
	}
	cw.Flush()
}

// cells guards against formula injection: a cell a spreadsheet would take
// for a formula (=, +, -, @ first) is prefixed with an apostrophe (OWASP
// CSV Injection). Amounts are never negative here.
func cells(vs ...string) []string {
	for i, v := range vs {
		if v != "" && strings.ContainsRune("=+-@\t\r", rune(v[0])) {
			vs[i] = "'" + v
		}
	}
	return vs
}
