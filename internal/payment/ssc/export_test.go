package ssc

// The reasons a bank message is refused, for tests that check which check
// caught a bad message.
var (
	ErrSignature = errSignature
	ErrExpired   = errExpired
	ErrReplayed  = errReplayed
)
