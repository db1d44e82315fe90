package payment

// ApplyCardRefund applies a card bank's word on a card excess refund, as
// its notification does.
var ApplyCardRefund = (*Service).applyCardRefund
