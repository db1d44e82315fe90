package app

import (
	"net/http"
	"time"
)

// idlePerHost is how many idle connections an outbound client keeps to one
// host: about as many calls as a busy node has in flight to it at once.
const idlePerHost = 64

// outboundClient is the HTTP client for one outside service (WeChat Pay,
// the core system, the SMS gateway, the face service; in demo mode the
// sandbox's notifications to us). Go's default transport keeps 2 idle
// connections per host: in a rush dozens of payments call the same host at
// once, and every call past the second then opened a connection of its own
// (over TLS, a handshake) and left it in TIME_WAIT when done.
func outboundClient(timeout time.Duration) *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = idlePerHost
	t.MaxIdleConns = 4 * idlePerHost
	return &http.Client{Timeout: timeout, Transport: t}
}
