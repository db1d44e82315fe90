package govidp

import (
	"html/template"
	"net/http"
	"sort"
)

// chooserPage stands in for the platform's own sign-in page (account,
// password, face). Every original authorisation parameter is carried as a
// hidden field, so the choice goes back to the same endpoint unchanged.
var chooserPage = template.Must(template.New("chooser").Parse(`<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>国家政务服务平台统一身份认证（沙箱）</title>
<link rel="stylesheet" href="{{.CSS}}"></head><body><main>
<h1>国家政务服务平台统一身份认证（沙箱）</h1>
<p class="note">演示用：选择以谁的身份登录。真实平台在此处核验账号密码或人脸。<br lang="en">Sandbox: choose who signs in.</p>
{{range $i, $p := .People}}<form method="get" action="">
{{range $.Hidden}}<input type="hidden" name="{{.Name}}" value="{{.Value}}">{{end}}
<button type="submit" name="sandbox_person" value="{{$i}}">{{$p.Label}}</button></form>
{{end}}
<form method="get" action="">
{{range .Hidden}}<input type="hidden" name="{{.Name}}" value="{{.Value}}">{{end}}
<h2>其他人 / Someone else</h2>
<label for="n">姓名 Name</label><input id="n" name="name" required autocomplete="off">
<label for="d">身份证号 ID number</label><input id="d" name="id_number" required autocomplete="off" maxlength="18">
<button type="submit" name="sandbox_person" value="other">以此身份登录 / Sign in as this person</button></form>
<form method="get" action="">
{{range .Hidden}}<input type="hidden" name="{{.Name}}" value="{{.Value}}">{{end}}
<button type="submit" name="sandbox_person" value="cancel">取消登录 / Cancel</button></form>
</main></body></html>`))

// stylesheet is served apart: the platform's pages allow no inline style.
const stylesheet = `body{font:18px/1.6 system-ui,sans-serif;margin:0 auto;max-width:36rem;padding:1rem;color:#1a1a1a}
h1{font-size:1.4rem}button{font-size:1.1rem;min-height:44px;min-width:44px;margin:.25rem 0;padding:.5rem 1rem;width:100%;
text-align:left;border:2px solid #1f4e8c;border-radius:6px;background:#fff;color:#1f4e8c;cursor:pointer}
button:focus{outline:3px solid #c60;outline-offset:2px}label{display:block;margin-top:.5rem}
input{font-size:1.1rem;min-height:44px;width:100%;box-sizing:border-box}.note{color:#444}
`

type hidden struct{ Name, Value string }

func (s *Server) chooser(w http.ResponseWriter, r *http.Request) {
	var fields []hidden
	for k, vs := range r.URL.Query() {
		switch k {
		case "sandbox_person", "name", "id_number", "id_type":
			continue
		}
		for _, v := range vs {
			fields = append(fields, hidden{k, v})
		}
	}
	sort.Slice(fields, func(i, j int) bool { return fields[i].Name < fields[j].Name })
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_ = chooserPage.Execute(w, struct {
		People []Person
		Hidden []hidden
		CSS    string
	}{s.people, fields, s.prefix + "/style.css"})
}
