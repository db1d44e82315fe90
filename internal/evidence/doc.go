// Package evidence keeps shebao's evidence log: an append-only Merkle tree
// (RFC 6962 §2.1, Certificate Transparency style) with one leaf for every
// credited contribution and one for every issued voucher, stored in the same
// database and written in the same transaction as the crediting itself.
//
// The log answers a question the vouchers alone cannot: "is this everything
// the agency issued, and has anything been quietly changed or removed since?"
// A signed checkpoint (c2sp.org/tlog-checkpoint) commits to the whole log at
// one size; an inclusion proof shows that a given voucher is in it, and a
// consistency proof that a later checkpoint extends an earlier one without
// rewriting history. Anyone holding a published checkpoint can hold the
// agency to it.
//
// Order is evidence of sequence, not of time: leaf N was appended before
// leaf N+1 within one serialised writer, but nothing in the tree says when.
// A voucher's signing time is its issue time, inside its own signed payload;
// the appended_at column and a checkpoint's created_at are the server clock's
// word only and are not covered by any hash or signature.
//
// Hashing is SHA-256 as RFC 6962 specifies (leaf hash SHA-256(0x00 || data),
// node hash SHA-256(0x01 || left || right)), through
// github.com/transparency-dev/merkle, so any RFC 6962 verifier checks our
// proofs. The vouchers themselves stay SM2/SM3 (GB/T 32918, GB/T 32905);
// checkpoints carry both an Ed25519 note signature, which standard tools
// verify, and an SM2 co-signature, which our own tool verifies.
package evidence
