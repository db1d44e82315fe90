package ssc

// Brand is how the sandbox presents itself on its pages and in the numbers
// it makes up: the same SSCA/1 bank side serves the social security card
// financial account and, in the national profile, the UnionPay route (an
// acquirer that speaks SSCA/1 for the agency), each as its own instance with
// its own keys.
type Brand struct {
	// Name is the payment method's name in the page title and heading.
	Name string
	// Operator is who runs the page ("发卡银行", "银联").
	Operator string
	// Account names what the PIN unlocks, in the page's help text.
	Account string
	// CardBIN is the first four digits of the masked card number.
	CardBIN string
	// SerialPrefix starts the bank's serial and refund numbers (two letters;
	// "C" and "R" are appended).
	SerialPrefix string
}

// CardAccountBrand is the social security card financial account's (the
// default).
func CardAccountBrand() Brand {
	return Brand{Name: "社保卡金融账户", Operator: "发卡银行", Account: "社保卡金融账户", CardBIN: "6217", SerialPrefix: "SS"}
}

// UnionPayBrand is the UnionPay route's: any UnionPay debit card.
func UnionPayBrand() Brand {
	return Brand{Name: "银联在线支付", Operator: "银联", Account: "银联卡", CardBIN: "6222", SerialPrefix: "UP"}
}

func (b Brand) complete() bool {
	return b.Name != "" && b.Operator != "" && b.Account != "" && len(b.CardBIN) == 4 && len(b.SerialPrefix) == 2
}
