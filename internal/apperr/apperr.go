// Package apperr is shebao's error with two faces: a stable code and a safe
// bilingual message for people, and a wrapped cause for logs. Surfaces (the
// JSON API, the pages) map the Kind to a status in one table each; nothing
// else about an error ever reaches a user.
package apperr

import (
	"errors"
	"fmt"
)

// Kind is the class of failure, which decides the HTTP status.
type Kind int

// The kinds of failure. Each surface maps them in one table.
const (
	Internal     Kind = iota // a bug or an outage of ours: 500, message is generic
	Invalid                  // the request is wrong and can be fixed by the caller: 400/422
	Unauthorized             // not signed in, or the session ended: 401
	Forbidden                // signed in but not allowed: 403
	NotFound                 // no such thing for this caller (also used instead of Forbidden to avoid leaking existence): 404
	Conflict                 // the request clashes with the current state: 409
	RateLimited              // too many attempts: 429
	Unavailable              // an outside party (payment provider, core system) is down: 503
	Refused                  // well-formed, but the rules say no (a limit, a policy): 422
)

// Error is an error safe to show: Code is stable for programs, Message and
// MessageEn tell a person what was wrong and how to fix it, Field names the
// input at fault, Allowed lists acceptable values where that helps.
type Error struct {
	Kind      Kind
	Code      string
	Message   string // 简体中文
	MessageEn string
	Field     string
	Allowed   any
	Err       error // the cause, for logs only
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.MessageEn, e.Err)
	}
	return e.Code + ": " + e.MessageEn
}

// Unwrap exposes the cause to errors.Is/As.
func (e *Error) Unwrap() error { return e.Err }

// New builds an Error without a cause.
func New(kind Kind, code, zh, en string) *Error {
	return &Error{Kind: kind, Code: code, Message: zh, MessageEn: en}
}

// WithField returns a copy naming the input field at fault.
func (e *Error) WithField(field string) *Error {
	c := *e
	c.Field = field
	return &c
}

// Wrap returns a copy carrying cause for the logs.
func (e *Error) Wrap(cause error) *Error {
	c := *e
	c.Err = cause
	return &c
}

// As finds an *Error in err's chain.
func As(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}

// InternalError is what people see when something of ours broke: it admits
// the failure and gives a way out, but no detail.
func InternalError(cause error) *Error {
	return &Error{
		Kind: Internal, Code: "internal_error",
		Message:   "系统繁忙，请稍后再试；如多次失败，请拨打12333咨询。",
		MessageEn: "Something went wrong on our side. Please try again later; if it keeps failing, call 12333.",
		Err:       cause,
	}
}
