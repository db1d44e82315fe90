package console

import (
	"fmt"
	"html/template"
	"strings"
)

// The charts are SVG written here, inline in the page: no script, no other
// host, and the numbers are in a table beside each chart for screen
// readers and for copying. Colours come from classes in console.css
// (inline styles would need a weaker Content-Security-Policy).

// bar is one value of a chart.
type bar struct {
	Label string // on the axis or beside the bar
	Value int64
	Text  string // the value as people read it
}

// niceMax rounds v up to 1, 2 or 5 times a power of ten, for the axis.
func niceMax(v int64) int64 {
	if v <= 0 {
		return 1
	}
	p := int64(1)
	for p*10 <= v {
		p *= 10
	}
	for _, m := range []int64{1, 2, 5, 10} {
		if m*p >= v {
			return m * p
		}
	}
	return 10 * p
}

const (
	colW, colH              = 760, 240
	colLeft, colBottom, top = 72, 28, 12
)

// columnChart draws one column per bar (days along the x axis), with four
// gridlines labelled by axis; the axis reaches at least floor, so a quiet
// period does not draw ¥0 at every gridline.
func columnChart(title string, bars []bar, floor int64, axis func(int64) string) template.HTML {
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="chart" viewBox="0 0 %d %d" role="img" aria-label="%s">`, colW, colH, esc(title))
	var peak int64
	for _, x := range bars {
		peak = max(peak, x.Value)
	}
	top64 := niceMax(max(peak, floor))
	plotW, plotH := float64(colW-colLeft-8), float64(colH-colBottom-top)
	for i := 0; i <= 4; i++ {
		y := float64(top) + plotH*float64(4-i)/4
		fmt.Fprintf(&b, `<line class="grid" x1="%d" x2="%d" y1="%.1f" y2="%.1f"/>`, colLeft, colW-8, y, y)
		fmt.Fprintf(&b, `<text class="axis" x="%d" y="%.1f" text-anchor="end">%s</text>`, colLeft-6, y+4, esc(axis(top64*int64(i)/4)))
	}
	if n := len(bars); n > 0 {
		step := plotW / float64(n)
		every := max(1, (n+9)/10)
		for i, x := range bars {
			h := plotH * float64(x.Value) / float64(top64)
			xpos := float64(colLeft) + step*float64(i)
			fmt.Fprintf(&b, `<rect class="bar" x="%.1f" y="%.1f" width="%.1f" height="%.1f"><title>%s：%s</title></rect>`,
				xpos+step*0.15, float64(top)+plotH-h, step*0.7, h, esc(x.Label), esc(x.Text))
			if i%every == 0 {
				fmt.Fprintf(&b, `<text class="axis" x="%.1f" y="%d" text-anchor="middle">%s</text>`, xpos+step/2, colH-8, esc(shortDay(x.Label)))
			}
		}
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String()) //nolint:gosec // every text written into it is escaped by esc
}

// barChart draws one horizontal bar per item (regions, insurance types, channels).
func barChart(title string, bars []bar) template.HTML {
	const w, rowH, labelW, textW = 760, 28, 170, 130
	h := rowH*len(bars) + 8
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="chart" viewBox="0 0 %d %d" role="img" aria-label="%s">`, w, h, esc(title))
	var peak int64
	for _, x := range bars {
		peak = max(peak, x.Value)
	}
	plotW := float64(w - labelW - textW)
	for i, x := range bars {
		y := 4 + rowH*i
		bw := 0.0
		if peak > 0 {
			bw = plotW * float64(x.Value) / float64(peak)
		}
		fmt.Fprintf(&b, `<text class="label" x="%d" y="%d" text-anchor="end">%s</text>`, labelW-8, y+18, esc(x.Label))
		fmt.Fprintf(&b, `<rect class="bar" x="%d" y="%d" width="%.1f" height="%d"><title>%s：%s</title></rect>`, labelW, y+4, bw, rowH-8, esc(x.Label), esc(x.Text))
		fmt.Fprintf(&b, `<text class="value" x="%.1f" y="%d">%s</text>`, float64(labelW)+bw+6, y+18, esc(x.Text))
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String()) //nolint:gosec // every text written into it is escaped by esc
}

func esc(s string) string { return template.HTMLEscapeString(s) }

// shortDay turns 2026-06-01 into 06-01 for the axis.
func shortDay(d string) string {
	if len(d) == 10 {
		return d[5:]
	}
	return d
}
