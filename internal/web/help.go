package web

// Each error says how to get out of it (seed §5): the services' messages
// say what went wrong; these lines, by error code, say what to do next.
// Every error page also offers the way back and the 12333 hotline.

type helpItem struct {
	Key     string // catalogue key of the advice
	Link    string // optional: where to do it
	LinkKey string // catalogue key of the link text
}

var errorHelp = map[string][]string{
	"limit_exceeded":       {"help.limit.split", "help.limit.channel"},
	"sms_code_invalid":     {"help.sms.resend"},
	"sms_unavailable":      {"help.auth.ecard"},
	"provider_unavailable": {"help.retry.later"},
	"csrf_invalid":         {"help.retry.page"},
	"unauthenticated":      {"help.login.again"},
	"bills_in_other_order": {"help.order.open"},
	"internal_error":       {"help.retry.later"},
}

// helpLinks gives some advice a place to act on it.
var helpLinks = map[string][2]string{
	"help.limit.split":   {"/me", "help.link.record"},
	"help.login.again":   {"/login", "help.link.login"},
	"help.order.open":    {"/me/history", "help.link.history"},
	"help.sms.resend":    {"/login", "help.link.login"},
	"help.auth.ecard":    {"", ""},
	"help.retry.page":    {"", ""},
	"help.retry.later":   {"", ""},
	"help.limit.channel": {"", ""},
}

func helpFor(code string) []helpItem {
	var out []helpItem
	for _, k := range errorHelp[code] {
		l := helpLinks[k]
		out = append(out, helpItem{Key: k, Link: l[0], LinkKey: l[1]})
	}
	return out
}
