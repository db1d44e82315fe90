package voucher

import (
	"bytes"
	_ "embed"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"github.com/go-pdf/fpdf"
)

// The fonts, see fonts/README.md: Droid Sans Fallback (Apache-2.0) has the
// Chinese but no Latin letters or digits, DejaVu Sans the rest. fpdf subsets
// both, so a PDF carries only the glyphs it prints, as real text with a
// ToUnicode map: searchable, copyable, read by pdftotext and screen readers.
var (
	//go:embed fonts/DroidSansFallbackFull.ttf
	cjkFont []byte
	//go:embed fonts/DejaVuSans.ttf
	latinFont []byte
)

// PDFTag opens the PDF's Keywords entry, which carries the signed voucher:
//
//	shebao-voucher/1 <key id> <verification URL>#z.<deflate(payload)>.<signature>
//
// The third field is the QR text of QRPayload, always in its "z" form (the
// whole payload; no size limit applies outside a QR symbol). ReadPDF parses
// it back so that `shebao verify FILE.pdf` checks a PDF offline; the key id
// lets it tell a voucher of another key (unknown_key) from a forgery. The
// entry lives in the document information dictionary (ISO 32000-1 §14.3.3),
// which is not compressed, so a PDF tool that re-saves the file keeps it,
// while printing to a new PDF drops it.
const PDFTag = "shebao-voucher/1"

// ErrNotRenderable is returned by RenderPDF for a voucher that is not
// genuine and current.
var ErrNotRenderable = errors.New("voucher: only a genuine, current voucher is rendered as a PDF")

// RenderPDF lays out v as an A4 PDF like its HTML page: title, every field
// of its kind, the items, the total in figures and in capitals, the QR code
// of qrContent (QRPayload's text), the verification URL and code, retention
// and signing key. doc must be v's decoded payload and result the Verify
// result the caller got at its own now: only Reason ok is rendered, so a
// voucher past its retention (expired) gets no PDF. That decision is the
// caller's clock's, not this function's. Output is deterministic: the same
// voucher gives the same bytes.
func RenderPDF(v *Voucher, doc *Document, qrContent string, result Result) ([]byte, error) {
	if v == nil || doc == nil || result.Reason != ReasonOK || len(v.Signature) == 0 {
		return nil, ErrNotRenderable
	}
	if enc, err := doc.Encode(); err != nil || !bytes.Equal(enc, v.Payload) {
		return nil, errors.New("voucher: PDF document is not the voucher's signed payload")
	}
	z, err := deflate(v.Payload)
	if err != nil {
		return nil, err
	}
	url, _, _ := strings.Cut(qrContent, "#")
	b64 := base64.RawURLEncoding
	signed := url + "#z." + b64.EncodeToString(z) + "." + b64.EncodeToString(v.Signature)
	qrPNG, err := QRPNG(qrContent, 400)
	if err != nil {
		return nil, err
	}

	p := fpdf.New("P", "mm", "A4", "")
	p.SetCatalogSort(true)
	issued := doc.Issued()
	p.SetCreationDate(issued)
	p.SetModificationDate(issued)
	p.SetTitle(doc.Kind.Title()+" "+doc.Code, true)
	p.SetSubject(doc.Kind.TitleEn(), false)
	p.SetCreator("shebao", false)
	p.SetProducer("shebao", false)
	p.SetKeywords(PDFTag+" "+v.KeyID+" "+signed, false)
	p.SetLang("zh-CN")
	p.AddUTF8FontFromBytes("cjk", "", cjkFont)
	p.AddUTF8FontFromBytes("latin", "", latinFont)
	p.SetMargins(left, left, left)
	p.SetAutoPageBreak(true, left)
	p.AddPage()

	l := &layout{p: p}
	l.header(doc, qrPNG)
	switch {
	case doc.Fiscal != nil:
		l.fiscal(doc.Fiscal)
	case doc.Acceptance != nil:
		l.acceptance(doc.Acceptance)
	case doc.Transaction != nil:
		l.transaction(doc.Transaction)
	}
	l.footer(v, doc, url)
	var out bytes.Buffer
	if err := p.Output(&out); err != nil {
		return nil, fmt.Errorf("voucher: PDF: %w", err)
	}
	return out.Bytes(), nil
}

// layout writes the parts of a voucher page; fpdf keeps its first error
// and Output reports it.
type layout struct {
	p    *fpdf.Fpdf
	size float64
}

const (
	left   = 15.0  // page margin, mm
	pageW  = 180.0 // A4 width less the margins
	labelW = 32.0
	lineH  = 7.0
)

// run is a stretch of text in one font.
type run struct {
	cjk bool
	s   string
}

// runs splits s by font: U+2E80 and above (CJK radicals, punctuation,
// ideographs, fullwidth forms) in Droid Sans Fallback, the rest in DejaVu.
func runs(s string) []run {
	var out []run
	for _, r := range s {
		cjk := r >= 0x2E80
		if n := len(out); n > 0 && out[n-1].cjk == cjk {
			out[n-1].s += string(r)
		} else {
			out = append(out, run{cjk, string(r)})
		}
	}
	return out
}

func (l *layout) text(size float64, grey int) {
	l.size = size
	l.p.SetTextColor(grey, grey, grey)
}

func (l *layout) font(cjk bool) {
	if cjk {
		l.p.SetFont("cjk", "", l.size)
	} else {
		l.p.SetFont("latin", "", l.size)
	}
}

// cell writes s on one line in a box of width w (with border and fill as
// fpdf's CellFormat), aligned "L", "C" or "R", then moves right, or to the
// next line when ln is 1.
func (l *layout) cell(w, h float64, s, align, border string, fill bool, ln int) {
	p := l.p
	x, y := p.GetXY()
	if border != "" || fill {
		p.CellFormat(w, h, "", border, 0, "", fill, 0, "")
	}
	rs, widths, total := runs(s), []float64{}, 0.0
	for _, r := range rs {
		l.font(r.cjk)
		widths = append(widths, p.GetStringWidth(r.s))
		total += widths[len(widths)-1]
	}
	pad := p.GetCellMargin()
	at := map[string]float64{"L": x + pad, "C": x + (w-total)/2, "R": x + w - pad - total}[align]
	p.SetCellMargin(0)
	p.SetXY(at, y)
	for i, r := range rs {
		l.font(r.cjk)
		p.CellFormat(widths[i], h, r.s, "", 0, "L", false, 0, "")
	}
	p.SetCellMargin(pad)
	if ln == 1 {
		p.SetXY(left, y+h)
	} else {
		p.SetXY(x+w, y)
	}
}

// para writes s from the current position, wrapping at the right margin
// and continuing lines at indent.
func (l *layout) para(indent, h float64, s string) {
	l.p.SetLeftMargin(indent)
	for _, r := range runs(s) {
		l.font(r.cjk)
		l.p.Write(h, r.s)
	}
	l.p.SetLeftMargin(left)
	l.p.Ln(h)
}

func (l *layout) header(doc *Document, qrPNG []byte) {
	p := l.p
	p.RegisterImageOptionsReader("qr", fpdf.ImageOptions{ImageType: "PNG"}, bytes.NewReader(qrPNG))
	p.ImageOptions("qr", left+pageW-36, 12, 36, 36, false, fpdf.ImageOptions{ImageType: "PNG"}, 0, "")
	p.SetXY(left, 18)
	l.text(22, 0)
	l.cell(pageW, 11, doc.Kind.Title(), "C", "", false, 1)
	l.text(10, 90)
	l.cell(pageW, 6, doc.Kind.TitleEn(), "C", "", false, 1)
	p.SetDrawColor(160, 160, 160)
	p.Line(left, 50, left+pageW, 50)
	p.SetY(52)
}

// field prints one label and its value; long values wrap under the value.
func (l *layout) field(label, value string) {
	l.text(10, 90)
	l.cell(labelW, lineH, label, "L", "", false, 0)
	l.text(11, 0)
	l.para(left+labelW, lineH, value)
}

func person(p Person) string { return p.Name + "（" + p.IDMasked + "）" }

func (l *layout) fiscal(s *FiscalSection) {
	l.field("票据代码", s.BillCode)
	l.field("票据号码", s.BillNumber)
	l.field("校验码", s.CheckCode)
	l.field("开票日期", s.IssueDate)
	l.field("交款人", s.Payer)
	l.field("参保人", person(s.Insured))
	l.field("收款单位", s.Payee.Name+"  统一社会信用代码 "+s.Payee.CreditCode)
	l.items(s.Items)
	l.total("金额合计", s.Total)
	l.field("复核人", s.Reviewer+"    收款人 "+s.Issuer)
}

func (l *layout) acceptance(s *AcceptanceSection) {
	l.field("受理编号", s.AcceptanceNo)
	l.field("业务类型", s.BusinessType)
	l.field("受理时间", stamp(s.AcceptedAt))
	l.field("经办机构", s.Agency)
	l.field("交款人", s.Payer)
	l.field("参保人", person(s.Insured))
	l.items(s.Items)
	l.total("合计", s.Total)
}

func (l *layout) transaction(s *TransactionSection) {
	l.field("支付渠道", s.ChannelName)
	l.field("商户订单号", s.OutTradeNo)
	l.field("支付交易号", s.TransactionID)
	l.field("支付时间", stamp(s.PaidAt))
	l.field("付款人", s.Payer)
	l.field("收款方", s.Payee)
	l.total("金额", s.Amount)
}

// itemCols are the columns of the fiscal receipt face (项目编码, 项目名称,
// 所属期, 基数, 费率, 数量, 标准, 金额), widths in mm summing to pageW.
var itemCols = []struct {
	title string
	w     float64
	align string
}{{"编码", 14, "C"}, {"项目名称", 52, "L"}, {"所属期", 20, "C"}, {"缴费基数", 24, "R"},
	{"费率", 16, "R"}, {"数量", 12, "C"}, {"标准", 21, "R"}, {"金额", 21, "R"}}

func (l *layout) items(items []Item) {
	p := l.p
	p.Ln(3)
	l.text(9, 60)
	p.SetFillColor(238, 238, 238)
	for _, c := range itemCols {
		l.cell(c.w, lineH, c.title, "C", "1", true, 0)
	}
	p.Ln(lineH)
	l.text(9, 0)
	for _, it := range items {
		base, rate := "—", "—"
		if it.BaseFen > 0 {
			base, rate = it.BaseFen.Yuan(), it.Rate
		}
		cells := []string{it.Code, it.Name, it.Period, base, rate, fmt.Sprint(it.Quantity), it.StandardFen.Yuan(), it.AmountFen.Yuan()}
		for i, c := range itemCols {
			l.cell(c.w, lineH, cells[i], c.align, "1", false, 0)
		}
		p.Ln(lineH)
	}
	p.Ln(2)
}

func (l *layout) total(label string, a Amount) {
	l.field(label, "（小写）"+a.Fen.Display()+"    （大写）"+a.Capital)
}

func (l *layout) footer(v *Voucher, doc *Document, url string) {
	p := l.p
	p.Ln(4)
	y := p.GetY()
	p.Line(left, y, left+pageW, y)
	p.Ln(3)
	l.field("查验网址", url)
	l.field("查验码", doc.Code)
	l.field("签发时间", stamp(doc.IssuedAt))
	keep := "长期保存"
	if until, ok := doc.Retained(); ok {
		keep = "保存至 " + until.Format("2006-01-02")
	}
	l.field("保存期限", keep)
	l.field("签名", "SM2 数字签名（SM3），密钥标识 "+v.KeyID)
	p.Ln(3)
	l.text(8, 100)
	l.para(left, 5, "本凭证内容经 SM2 数字签名，签名数据嵌入本文件，可扫码查验，或用 shebao verify --key 公钥.pem 本文件.pdf 离线查验。"+
		"This voucher is signed with SM2; scan the code, or check this file offline with shebao verify.")
}

// stamp shows a payload instant as Beijing wall-clock time.
func stamp(s string) string {
	t, err := parseTime("time", s)
	if err != nil {
		return s
	}
	return t.Format("2006-01-02 15:04:05")
}

// ReadPDF extracts the signed voucher a PDF made by RenderPDF carries (see
// PDFTag), for Verify. It reads the Keywords entry only and trusts nothing:
// a changed byte of the payload or signature fails Verify as bad_signature,
// and a PDF without the entry (printed anew, or not ours) is an error.
func ReadPDF(pdf []byte) (*Voucher, error) {
	i := bytes.Index(pdf, []byte("/Keywords ("))
	if i < 0 {
		return nil, errors.New("voucher: PDF carries no signed voucher (no Keywords entry)")
	}
	s, err := pdfLiteral(pdf[i+len("/Keywords ("):])
	if err != nil {
		return nil, err
	}
	fields := strings.Fields(s)
	if len(fields) != 3 || fields[0] != PDFTag {
		return nil, fmt.Errorf("voucher: PDF Keywords is not %q followed by key id and signed data", PDFTag)
	}
	q, err := ParseQR(fields[2])
	if err != nil {
		return nil, err
	}
	if q.Payload == nil {
		return nil, errors.New("voucher: PDF carries only a payload digest")
	}
	v := q.Voucher()
	v.KeyID = fields[1]
	return v, nil
}

// pdfLiteral reads a PDF literal string (ISO 32000-1 §7.3.4.2) whose opening
// parenthesis has been consumed, with balanced parentheses and the escapes
// fpdf writes (\\, \(, \), \r); the signed text uses none of them, so any
// other escape is refused rather than interpreted.
func pdfLiteral(b []byte) (string, error) {
	var out []byte
	depth := 0
	for i := 0; i < len(b); i++ {
		c := b[i]
		switch {
		case c == '\\':
			if i+1 == len(b) || strings.IndexByte(`\()r`, b[i+1]) < 0 {
				return "", errors.New("voucher: unexpected escape in PDF string")
			}
			i++
			if c = b[i]; c == 'r' {
				c = '\r'
			}
		case c == '(':
			depth++
		case c == ')' && depth == 0:
			return string(out), nil
		case c == ')':
			depth--
		}
		out = append(out, c)
	}
	return "", errors.New("voucher: PDF string is not terminated")
}
