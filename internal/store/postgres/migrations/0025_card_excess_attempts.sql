-- 0025: an operator may retry a card excess's refund that the bank closed
-- or refused. Each attempt has its own out_refund_no (the first "RC…", the
-- next ones "RC…-2", "RC…-3"), stored before the bank is asked; attempt
-- counts them, so the earlier numbers are known (to recognise a late
-- success of one) without a table of their own. out_refund_no is the
-- current attempt's, or, once succeeded, the one that paid out.
ALTER TABLE card_excesses ADD COLUMN attempt INTEGER NOT NULL DEFAULT 1;
