-- Every attempt at paying a bill, found from the bill: GET /api/v1/orders/{id}
-- lists an order's attempts (the orders holding any of its bills) and was
-- scanning the whole of order_bills for it, once per poll of a payer's app.
CREATE INDEX order_bills_bill ON order_bills (bill_id);
