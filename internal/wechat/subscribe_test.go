package wechat_test

import (
	"testing"

	"github.com/shebao-project/shebao/internal/wechat"
)

// TestMessageEncoding: data goes as {"key":{"value":"…"}}, keys in sorted
// order, "&" not escaped, optional fields left out.
func TestMessageEncoding(t *testing.T) {
	m := wechat.SubscribeMessage{
		ToUser: "oAbc", TemplateID: "T", Page: "p?a=1&b=2",
		Data: map[string]string{"time3": "09:30", "amount2": "¥1.00", "thing1": "<社保>"},
	}
	want := `{"touser":"oAbc","template_id":"T","page":"p?a=1&b=2","data":{"amount2":{"value":"¥1.00"},"thing1":{"value":"<社保>"},"time3":{"value":"09:30"}}}`
	for range 5 {
		got, err := m.Marshal()
		if err != nil || string(got) != want {
			t.Fatalf("got  %s\nwant %s (%v)", got, want, err)
		}
	}
	m.MiniprogramState, m.Lang, m.Page = "trial", "zh_CN", ""
	got, _ := m.Marshal()
	want = `{"touser":"oAbc","template_id":"T","data":{"amount2":{"value":"¥1.00"},"thing1":{"value":"<社保>"},"time3":{"value":"09:30"}},"miniprogram_state":"trial","lang":"zh_CN"}`
	if string(got) != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}
