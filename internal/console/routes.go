package console

import (
	op "github.com/shebao-project/shebao/internal/operator"
)

// route is one console page or action and the permission it needs. Every
// route behind the login is in this table, which the role test walks.
type route struct {
	pattern string
	perm    op.Permission
	h       opHandler
}

func (h *handler) routes() []route {
	return []route{
		{"GET /admin/{$}", op.ViewDashboard, h.dashboard},
		{"GET /admin/export/collections.csv", op.ExportData, h.exportCollections},
		{"POST /admin/logout", op.ViewDashboard, h.logout},

		{"GET /admin/holds", op.ViewHolds, h.holds},
		{"POST /admin/holds/{id}/release", op.DecideHolds, h.decideHold(true)},
		{"POST /admin/holds/{id}/refund", op.DecideHolds, h.decideHold(false)},
		{"GET /admin/refunds", op.ViewRefunds, h.refunds},
		{"POST /admin/refunds/{order_id}/retry", op.DecideRefunds, h.retryRefund},
		{"GET /admin/credits", op.ViewOrders, h.credits},
		{"POST /admin/credits/card-returns/{trade_no}/retry", op.DecideRefunds, h.retryCardReturn},
		{"GET /admin/orders", op.ViewOrders, h.orders},
		{"GET /admin/orders/{id}", op.ViewOrders, h.order},
		{"POST /admin/orders/{id}/unmask", op.UnmaskPII, h.unmask},
		{"GET /admin/recon", op.ViewRecon, h.recon},
		{"POST /admin/recon/resolve", op.ResolveRecon, h.resolveDiff},
		{"GET /admin/retries", op.ViewRetries, h.retries},
		{"POST /admin/retries/{id}/run", op.RunRetries, h.runRetry},

		{"GET /admin/tickets", op.ViewTickets, h.tickets},
		{"GET /admin/tickets/{id}", op.ViewTickets, h.ticket},
		{"POST /admin/tickets/{id}/reply", op.AnswerTickets, h.replyTicket},
		{"POST /admin/tickets/{id}/close", op.AnswerTickets, h.closeTicket},
		{"GET /admin/faq", op.ViewTickets, h.faq},
		{"POST /admin/faq", op.EditFAQ, h.saveFAQ},
		{"POST /admin/faq/{id}", op.EditFAQ, h.saveFAQ},

		// Publishing policy packs changes what everyone pays: administrators
		// only (settings.edit is theirs alone), as are the preview's reads
		// of the whole insured population of a region.
		{"GET /admin/policies", op.ViewDashboard, h.policies},
		{"GET /admin/policies/{id}", op.ViewDashboard, h.policyPack},
		{"GET /admin/policies/new", op.EditSettings, h.newPolicy},
		{"POST /admin/policies/preview", op.EditSettings, h.previewPolicy},
		{"POST /admin/policies/publish", op.EditSettings, h.publishPolicy},
		{"POST /admin/policies/{id}/rollback", op.EditSettings, h.rollBackPolicy},
		{"GET /admin/settings", op.EditSettings, h.settings},
		{"POST /admin/settings", op.EditSettings, h.saveSettings},
		{"GET /admin/audit", op.ViewAudit, h.auditLog},
		{"GET /admin/operators", op.ManageOperators, h.operators},
		{"POST /admin/operators", op.ManageOperators, h.createOperator},
		{"POST /admin/operators/{id}/disable", op.ManageOperators, h.setDisabled(true)},
		{"POST /admin/operators/{id}/enable", op.ManageOperators, h.setDisabled(false)},
		{"POST /admin/operators/{id}/unlock", op.ManageOperators, h.unlockOperator},
	}
}
