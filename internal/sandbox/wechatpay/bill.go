package wechatpay

import (
	"bytes"
	"compress/gzip"
	"crypto/sha1"
	"encoding/hex"
	"net/http"
	"time"
)

// billURLTTL is how long a download_url works (DOC 4012556654: 5 minutes).
const billURLTTL = 5 * time.Minute

// billHistory: WeChat keeps trade bills for the last three months.
const billHistory = 3

type billFile struct {
	data    []byte
	expires time.Time
}

// tradeBillResponse is the apply answer (https://pay.weixin.qq.com/doc/v3/merchant/4012556654).
type tradeBillResponse struct {
	HashType    string `json:"hash_type"`
	HashValue   string `json:"hash_value"`
	DownloadURL string `json:"download_url"`
}

// handleTradeBill is GET /v3/bill/tradebill?bill_date=&bill_type=&tar_type=.
// [SANDBOX CHOICE] Today's bill is available at once, so demos need not wait
// for 09:00 tomorrow as at WeChat; a day without matching trades is
// 400 NO_STATEMENT_EXIST. Days are Asia/Shanghai days.
func (s *Server) handleTradeBill(w http.ResponseWriter, r *http.Request, _ []byte) error {
	q := r.URL.Query()
	day, err := time.ParseInLocation("2006-01-02", q.Get("bill_date"), s.loc)
	if err != nil {
		return invalidRequest("bill_date 格式错误，须为 yyyy-MM-dd")
	}
	billType := q.Get("bill_type")
	switch billType {
	case "":
		billType = "ALL"
	case "ALL", "SUCCESS", "REFUND":
	default:
		return paramError("bill_type", "bill_type 须为 ALL、SUCCESS 或 REFUND")
	}
	tarType := q.Get("tar_type")
	if tarType != "" && tarType != "GZIP" {
		return paramError("tar_type", "tar_type 仅支持 GZIP")
	}
	now := s.now().In(s.loc)
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, s.loc)
	switch {
	case day.After(today):
		return invalidRequest("bill_date 不能晚于今天")
	case day.Before(today.AddDate(0, -billHistory, 0)):
		return invalidRequest("仅支持下载三个月内的账单")
	}
	token, err := s.rnd.String(alnum, 32)
	if err != nil {
		return err
	}
	s.mu.Lock()
	data, rows := s.tradeBillLocked(day, billType)
	if rows > 0 {
		for k, f := range s.bills { // drop expired files so the map stays small
			if !now.Before(f.expires) {
				delete(s.bills, k)
			}
		}
		s.bills[token] = &billFile{data: data, expires: now.Add(billURLTTL)}
	}
	s.mu.Unlock()
	if rows == 0 {
		return newAPIError(http.StatusBadRequest, "NO_STATEMENT_EXIST", "请求的账单文件不存在")
	}
	link := requestOrigin(r) + s.prefix + "/v3/billdownload/file?token=" + token
	if tarType == "GZIP" {
		link += "&tartype=gzip"
	}
	sum := sha1.Sum(data) // SHA-1 because that is WeChat's hash_type, over the uncompressed file
	s.reply(w, http.StatusOK, tradeBillResponse{HashType: "SHA1", HashValue: hex.EncodeToString(sum[:]), DownloadURL: link})
	return nil
}

// requestOrigin is the scheme and host the client used to reach the sandbox.
// The SDK needs an absolute download_url; pointing it at the sandbox (not at
// api.mch.weixin.qq.com) lets plain HTTP clients follow it too.
func requestOrigin(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	if p := r.Header.Get("X-Forwarded-Proto"); p == "https" || p == "http" {
		scheme = p
	}
	return scheme + "://" + r.Host
}

// handleBillFile is GET /v3/billdownload/file?token= (DOC 4012084430). The
// request is signed like any other; the response is not, which is why the
// SDK's FAQ has callers download with a client built WithoutValidator.
func (s *Server) handleBillFile(w http.ResponseWriter, r *http.Request, _ []byte) error {
	q := r.URL.Query()
	now := s.now()
	s.mu.Lock()
	f := s.bills[q.Get("token")]
	s.mu.Unlock()
	if f == nil || !now.Before(f.expires) {
		return invalidRequest("下载链接无效或已过期，请重新申请账单")
	}
	data, ctype := f.data, "text/plain; charset=utf-8"
	if q.Get("tartype") == "gzip" {
		var b bytes.Buffer
		zw := gzip.NewWriter(&b)
		if _, err := zw.Write(data); err != nil {
			return err
		}
		if err := zw.Close(); err != nil {
			return err
		}
		data, ctype = b.Bytes(), "application/gzip"
	}
	w.Header().Set("Content-Type", ctype)
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(data)
	return nil
}
