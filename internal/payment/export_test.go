package payment

// ApplyCardRefund applies a card bank's word on a card excess refund, as
// its notification does.
var ApplyCardRefund = (*Service).applyCardRefund

// CardRefundTradeNo is the debit a card excess refund number names.
var CardRefundTradeNo = cardRefundTradeNo
