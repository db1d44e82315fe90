package browsertest

import (
	"fmt"
	"net/url"
	"strings"
)

// pageBudget is the most one page of the flow may transfer, gzipped: its
// HTML plus every stylesheet and script it loads, as on a first visit.
const pageBudget = 60 * 1024

// audit checks the page the tab shows. name labels it in messages and
// screenshots; own is false for the sandbox's cashier, which is not ours
// (it gets the axe and weight checks, not care mode or language).
func (f *flow) audit(name string, own bool) {
	tb := f.tab
	tb.t.Helper()
	where := fmt.Sprintf("%s %s (%s)", f.name, name, tb.path())
	if own {
		if lang := eval[string](tb, `document.documentElement.lang`); lang != f.lang {
			tb.t.Errorf("%s: <html lang=%q>, want %q", where, lang, f.lang)
		}
		if care := eval[bool](tb, `document.documentElement.classList.contains('care')`); care != f.care {
			tb.t.Errorf("%s: care mode is %v, want %v", where, care, f.care)
		}
	}
	f.axe(where)
	f.weight(where)
	if errs := eval[[]string](tb, `window.__errors || []`); len(errs) > 0 {
		tb.t.Errorf("%s: script errors or CSP violations: %v", where, errs)
	}
	if !own {
		return
	}
	f.reflow(where)
	if f.care {
		f.targets(where)
		f.voice(where)
	}
}

type axeViolation struct {
	ID     string   `json:"id"`
	Impact string   `json:"impact"`
	Help   string   `json:"help"`
	Nodes  []string `json:"nodes"`
}

// axe runs axe-core's WCAG 2.0 and 2.1 A/AA rules on the page.
func (f *flow) axe(where string) {
	tb := f.tab
	tb.t.Helper()
	if !eval[bool](tb, `typeof window.axe === 'object'`) {
		eval[bool](tb, axeSource+"\n;true")
	}
	vs := eval[[]axeViolation](tb, `axe.run(document, {
  runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']},
  resultTypes: ['violations'],
}).then(r => r.violations.map(v => ({id: v.id, impact: v.impact || '', help: v.help,
  nodes: v.nodes.map(n => n.target.join(' ') + ' — ' + (n.failureSummary || '').replace(/\s+/g, ' '))})))`)
	defer func() { f.report.axe(where, len(vs), 0) }()
	for _, v := range vs {
		tb.t.Errorf("%s: axe %s (%s): %s\n\t%s", where, v.ID, v.Impact, v.Help, strings.Join(v.Nodes, "\n\t"))
	}
}

// weight adds up the gzipped bytes of the page and what it loads, and
// checks nothing comes from another host.
func (f *flow) weight(where string) {
	tb := f.tab
	tb.t.Helper()
	doc := tb.documentBytes()
	total := gzipSize(doc)
	res := eval[[]string](tb, `performance.getEntriesByType('resource').map(e => e.name)`)
	seen := map[string]bool{}
	for _, r := range res {
		u, err := url.Parse(r)
		if err != nil || u.Scheme+"://"+u.Host != tb.srv.URL {
			tb.t.Errorf("%s: loads %s from another host", where, r)
			continue
		}
		if strings.HasSuffix(u.Path, "/state") || seen[u.Path] { // the result page's polling
			continue
		}
		seen[u.Path] = true
		total += gzipSize(tb.resourceBytes(r))
	}
	f.report.weight(where, len(doc), total)
	if total >= pageBudget {
		tb.t.Errorf("%s: %d bytes gzipped, over the %d budget", where, total, pageBudget)
	}
}

// reflow doubles the text size and checks nothing then needs sideways
// scrolling (WCAG 1.4.4 resize text, 1.4.10 reflow).
func (f *flow) reflow(where string) {
	tb := f.tab
	tb.t.Helper()
	out := eval[[]string](tb, `(() => {
  const h = document.documentElement;
  const base = parseFloat(getComputedStyle(h).fontSize);
  h.style.fontSize = (2 * base) + 'px';
  const bad = [];
  const width = h.clientWidth;
  if (h.scrollWidth > width + 1) {
    for (const el of document.querySelectorAll('body *')) {
      const r = el.getBoundingClientRect();
      if (r.width > 0 && r.right > width + 1 && !el.closest('.skip, .sr')) bad.push(el.tagName.toLowerCase() + '.' + el.className + ' right=' + Math.round(r.right));
    }
  }
  h.style.fontSize = '';
  return bad.slice(0, 5);
})()`)
	if len(out) > 0 {
		tb.t.Errorf("%s: at 200%% text the page scrolls sideways: %v", where, out)
	}
}

// targets checks every control is at least 44×44 CSS px in care mode.
func (f *flow) targets(where string) {
	tb := f.tab
	tb.t.Helper()
	small := eval[[]string](tb, `(() => {
  const bad = [];
  for (const el of document.querySelectorAll('a[href], button, input:not([type=hidden]), select, textarea, summary')) {
    if (el.closest('[hidden]') || el.classList.contains('skip')) continue;
    const cs = getComputedStyle(el);
    if (cs.display === 'none' || cs.visibility === 'hidden') continue;
    const r = el.getBoundingClientRect();
    if (r.width < 43.5 || r.height < 43.5) bad.push(el.outerHTML.slice(0, 80) + ' ' + Math.round(r.width) + '×' + Math.round(r.height));
  }
  return bad;
})()`)
	for _, s := range small {
		tb.t.Errorf("%s: touch target under 44×44: %s", where, s)
	}
}

type utterance struct {
	Text string `json:"text"`
	Lang string `json:"lang"`
}

// voice checks care mode read the page: its heading first, every error,
// in the page's language, with the caption showing what was said.
func (f *flow) voice(where string) {
	tb := f.tab
	tb.t.Helper()
	said := eval[[]utterance](tb, `window.__spoken || []`)
	h1 := strings.TrimSpace(eval[string](tb, `(document.querySelector('main h1') || {}).innerText || ''`))
	alerts := eval[[]string](tb, `[...document.querySelectorAll('main [role=alert] p')].slice(0, 1).map(e => e.innerText.trim())`)
	if len(said) == 0 {
		tb.t.Errorf("%s: care mode said nothing", where)
		return
	}
	if said[0].Text != h1 {
		tb.t.Errorf("%s: care mode said %q first, want the heading %q", where, said[0].Text, h1)
	}
	wantLang := map[string]string{"zh-CN": "zh-CN", "en": "en-US"}[f.lang]
	var all []string
	for _, u := range said {
		if u.Lang != wantLang {
			tb.t.Errorf("%s: spoke %q in %s, want %s", where, u.Text, u.Lang, wantLang)
		}
		all = append(all, u.Text)
	}
	joined := strings.Join(all, " ")
	for _, a := range alerts {
		if !strings.Contains(joined, a) {
			tb.t.Errorf("%s: the error %q was not read aloud (said %q)", where, a, joined)
		}
	}
	if caption := eval[string](tb, `(document.getElementById('caption') || {}).textContent || ''`); strings.TrimSpace(caption) == "" {
		tb.t.Errorf("%s: no caption of what was said", where)
	}
	f.report.spoken(where, all)
}
