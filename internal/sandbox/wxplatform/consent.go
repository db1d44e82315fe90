package wxplatform

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// One-off subscription (一次性订阅): "用户自主订阅后，开发者可不限时间地下发
// 一条对应的服务消息" — each 允许 lets the app send that template once
// (https://developers.weixin.qq.com/miniprogram/dev/framework/open-ability/subscribe-message.html).

// maxTemplatesPerRequest is how many templates one wx.requestSubscribeMessage
// may ask for: "一次调用最多可订阅5条消息" in the current document
// (https://developers.weixin.qq.com/miniprogram/dev/api/open-api/subscribe-message/wx.requestSubscribeMessage.html;
// older versions said 3).
const maxTemplatesPerRequest = 5

// maxGrants bounds the unused consents one user may pile up for one
// template. WeChat documents no limit; this only keeps memory bounded.
const maxGrants = 100

// Decisions, as wx.requestSubscribeMessage reports them per template id.
const (
	DecisionAccept = "accept"
	DecisionReject = "reject"
)

var errTooManyTemplates = errors.New("wxplatform sandbox: ask for 1 to 5 template ids")

// Consent records a user's answer to a subscription request for
// templateIDs, as tapping 允许 or 取消 in WeChat's sheet does, and returns
// the per-template result map wx.requestSubscribeMessage gives the
// mini-program. Accepting adds one send per template. Rejecting also drops
// consents not yet used, which is how a tester imitates a user who turned
// the template off ("如果用户之前曾经订阅过，则表示用户取消了订阅关系").
func (s *Server) Consent(appID, openID string, templateIDs []string, accept bool) (map[string]string, error) {
	if _, ok := s.apps[appID]; !ok {
		return nil, ErrUnknownApp
	}
	if len(templateIDs) == 0 || len(templateIDs) > maxTemplatesPerRequest {
		return nil, errTooManyTemplates
	}
	for _, id := range templateIDs {
		if _, ok := s.templates[id]; !ok {
			return nil, ErrUnknownTemplate
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.users.get(appID, openID) == nil {
		return nil, ErrUnknownUser
	}
	g := s.grants[openID]
	if g == nil {
		g = map[string]int{}
		s.grants[openID] = g
	}
	results := map[string]string{}
	for _, id := range templateIDs {
		if accept {
			g[id] = min(g[id]+1, maxGrants)
			results[id] = DecisionAccept
		} else {
			delete(g, id)
			results[id] = DecisionReject
		}
	}
	return results, nil
}

// handleControlConsent is POST /control/subscriptions
// {"appid","openid","template_ids":[…],"decision":"accept"|"reject"}
// → {"results":{"<template_id>":"accept"|"reject"}}.
func (s *Server) handleControlConsent(w http.ResponseWriter, r *http.Request) {
	var req struct {
		AppID       string   `json:"appid"`
		OpenID      string   `json:"openid"`
		TemplateIDs []string `json:"template_ids"`
		Decision    string   `json:"decision"`
	}
	if ce := decodeControl(w, r, &req); ce != nil {
		s.controlFail(w, ce)
		return
	}
	if req.Decision != DecisionAccept && req.Decision != DecisionReject {
		s.controlFail(w, badControl("invalid_decision", "decision 须为 accept 或 reject。", "decision must be accept or reject."))
		return
	}
	results, err := s.Consent(req.AppID, req.OpenID, req.TemplateIDs, req.Decision == DecisionAccept)
	if err != nil {
		s.controlFail(w, controlErrorOf(err))
		return
	}
	s.writeJSON(w, http.StatusOK, map[string]any{"results": results})
}

// subscribeRequest is a checked /subscribe request, modelled on the
// official account's one-off subscription confirm page
// (https://developers.weixin.qq.com/doc/offiaccount/Message_Management/One-time_subscription_info.html):
// appid, template ids, redirect_url, and scene and reserved handed back
// unchanged.
type subscribeRequest struct {
	appID, scene, reserved string
	templateIDs            []string
	redirect               *url.URL
}

func (s *Server) parseSubscribe(q url.Values) (subscribeRequest, *pageError) {
	req := subscribeRequest{appID: q.Get("appid"), scene: q.Get("scene"), reserved: q.Get("reserved")}
	ids := q.Get("template_ids")
	if ids == "" {
		ids = q.Get("template_id")
	}
	for _, id := range strings.Split(ids, ",") {
		if id = strings.TrimSpace(id); id != "" {
			req.templateIDs = append(req.templateIDs, id)
		}
	}
	if _, ok := s.apps[req.appID]; !ok {
		return req, &pageError{"appid 无效：该公众号不存在或未在沙箱中配置。", ""}
	}
	if len(req.templateIDs) == 0 || len(req.templateIDs) > maxTemplatesPerRequest {
		return req, &pageError{"请提供 1 至 5 个模板 id（template_ids，以逗号分隔）。", ""}
	}
	for _, id := range req.templateIDs {
		if _, ok := s.templates[id]; !ok {
			return req, &pageError{"模板 id 无效：" + id, ""}
		}
	}
	if n, err := strconv.Atoi(req.scene); req.scene != "" && (err != nil || n < 0 || n > 10000) {
		return req, &pageError{"scene 须为 0 至 10000 的整数。", ""}
	}
	if len(req.reserved) > maxStateBytes {
		return req, &pageError{"reserved 不能超过128字节。", ""}
	}
	u, ok := s.checkRedirect(q.Get("redirect_url"))
	if !ok {
		return req, &pageError{"redirect_url 须为已登记域名下的 http(s) 地址。", ""}
	}
	req.redirect = u
	return req, nil
}

// handleSubscribePage asks the user to allow the templates. A browser the
// sandbox does not know yet also chooses who it is.
func (s *Server) handleSubscribePage(w http.ResponseWriter, r *http.Request) {
	req, perr := s.parseSubscribe(r.URL.Query())
	if perr != nil {
		s.renderError(w, http.StatusBadRequest, "无法订阅", perr.message, perr.code)
		return
	}
	page := subscribePage{
		Title: "订阅消息（沙箱）", CSS: s.cssURL(), Action: s.prefix + "/subscribe",
		AppID: req.appID, AppName: s.appName(req.appID), TemplateIDs: strings.Join(req.templateIDs, ","),
		RedirectURL: req.redirect.String(), Scene: req.scene, Reserved: req.reserved,
	}
	for _, id := range req.templateIDs {
		t := s.templates[id]
		page.Templates = append(page.Templates, templateLine{Title: t.Title, Detail: strings.Join(t.Labels, "、")})
	}
	if u := s.cookieUser(r, req.appID); u != nil {
		page.Current = u.label + "（openid " + u.openID + "）"
	} else {
		page.Users = s.userChoices(req.appID, "")
	}
	s.render(w, http.StatusOK, "subscribe", page, req.redirect)
}

// handleSubscribePost records the answer and returns to redirect_url with
// openid, template_id (the ids, comma-separated), action=confirm|cancel,
// scene and reserved, the parameters of the official account's page.
func (s *Server) handleSubscribePost(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	if err := r.ParseForm(); err != nil {
		s.renderError(w, http.StatusBadRequest, "请求无效", "表单无法解析。", "")
		return
	}
	req, perr := s.parseSubscribe(r.PostForm)
	if perr != nil {
		s.renderError(w, http.StatusBadRequest, "无法订阅", perr.message, perr.code)
		return
	}
	openID := ""
	if u := s.cookieUser(r, req.appID); u != nil {
		openID = u.openID
	} else if id, ok := s.chosenUser(req.appID, r.PostForm.Get("openid")); ok {
		openID = id
		s.rememberUser(w, r, req.appID, openID)
	} else {
		s.renderError(w, http.StatusBadRequest, "无法订阅", "所选微信用户不存在，请返回重新选择。", "")
		return
	}
	accept := r.PostForm.Get("decision") == DecisionAccept
	if _, err := s.Consent(req.appID, openID, req.templateIDs, accept); err != nil {
		ce := controlErrorOf(err)
		s.renderError(w, ce.Status, "无法订阅", ce.Message, "")
		return
	}
	action := "cancel"
	if accept {
		action = "confirm"
	}
	back := url.Values{"openid": {openID}, "template_id": {strings.Join(req.templateIDs, ",")}, "action": {action}}
	if req.scene != "" {
		back.Set("scene", req.scene)
	}
	if req.reserved != "" {
		back.Set("reserved", req.reserved)
	}
	http.Redirect(w, r, withQuery(req.redirect, back), http.StatusSeeOther)
}
