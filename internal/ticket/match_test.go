package ticket

import (
	"slices"
	"testing"
)

func seeded() []Entry {
	es := DefaultFAQ()
	for i := range es {
		es[i].ID, es[i].Active = int64(i+1), true
	}
	return es
}

func TestTerms(t *testing.T) {
	got := Terms("微信付款后还没到账，订单SB2026 怎么办？")
	want := []string{"微信", "信付", "付款", "款后", "后还", "还没", "没到", "到账", "订单", "sb2026"}
	if !slices.Equal(got, want) {
		t.Fatalf("Terms = %q, want %q", got, want)
	}
}

// TestSuggest: each of the seed's common problems, asked the way a person
// would, brings up its answer first; small talk brings up nothing.
func TestSuggest(t *testing.T) {
	cases := []struct {
		name, category, text string
		want                 string // category of the first suggestion; "" for none
		because              string // a term the explanation must name
	}{
		{"face fails", "auth", "刷脸一直失败，登录不了", "auth", "刷脸"},
		{"face fails, no category", "", "人脸识别失败了怎么办", "auth", "人脸识别"},
		{"card limit", "payment", "补缴12个月，银行卡提示超出限额", "payment", "超出限额"},
		{"not credited", "not_credited", "上周缴费已扣款，到现在还没到账", "not_credited", "没到账"},
		{"not credited, other words", "", "钱扣了但是社保记录里查不到", "not_credited", "查不到"},
		{"Hong Kong resident", "", "我是香港居民，有回乡证，怎么参保？", "registration", "回乡证"},
		{"veteran", "", "我当过兵，军龄能算缴费年限吗", "registration", "军龄"},
		{"receipt", "", "报销需要发票，在哪里下载", "voucher", "报销"},
		{"nothing to match", "other", "你好", "", ""},
		{"unrelated", "other", "今天天气很好", "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := Suggest(seeded(), c.category, c.text, 3)
			if c.want == "" {
				if len(got) != 0 {
					t.Fatalf("suggested %q (score %d, %q), want nothing", got[0].Entry.Question, got[0].Score, got[0].Matched)
				}
				return
			}
			if len(got) == 0 {
				t.Fatalf("no suggestion, want one about %s", c.want)
			}
			if got[0].Entry.Category != c.want {
				t.Fatalf("first suggestion %q (%s, score %d, %q), want category %s", got[0].Entry.Question, got[0].Entry.Category, got[0].Score, got[0].Matched, c.want)
			}
			if !slices.Contains(got[0].Matched, c.because) {
				t.Errorf("explanation %q does not name %q", got[0].Matched, c.because)
			}
		})
	}
}

func TestSuggestSkipsInactive(t *testing.T) {
	es := seeded()
	for i := range es {
		es[i].Active = false
	}
	if got := Suggest(es, "auth", "刷脸一直失败", 3); len(got) != 0 {
		t.Fatalf("inactive entries suggested: %v", got)
	}
}
