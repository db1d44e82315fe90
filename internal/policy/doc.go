// Package policy is shebao's policy engine: it loads the regional policy
// packs (policies/<region>/<effective_from>.yaml), validates them, prices
// contributions (Quote) and estimates pensions (Estimate). Every other package
// asks this one; no code anywhere says `if region == …`.
//
// Decisions this package makes, and where a notice is silent, states:
//
//   - Windows. Each pack covers [effective_from, effective_to] in months; the
//     newest may be open-ended. A region's windows must be contiguous, so a
//     month belongs to exactly one. Where no notice for the current period was
//     found, the pack is an explicit open-ended continuation of the previous
//     figures (暂按上年度标准执行) with every figure marked unverified.
//   - Packs published from the operator console come on top of the files
//     (LoadWith): one for the same region and first month replaces the file,
//     any other adds a window and ends the open window before it. The whole
//     set is validated as the files are. Engine.Replace swaps a new set into
//     the engine every service holds; each call answers from one set.
//   - Figures are stored as published (floors and ceilings are never computed
//     from the average wage) and each carries a Source: verified only with a
//     notice (文号) or a gov.cn URL; otherwise unverified with a reason in
//     Chinese and English. Quotes list every unverified figure they used.
//   - Quote lines use the window in force in their own month, so a quote
//     spanning 1 July uses both windows; Line.Policy cites it ("110000@2026-07").
//   - base_ratio × the month's average wage is rounded half-up to the whole
//     yuan (published bases are whole yuan), then must fall inside the range.
//     Nothing is clamped: a base outside the range is refused.
//   - Amounts are base × rate under the pack's rounding mode, per line.
//   - Back payments and advance payments are judged by the rules in force at
//     as_of (today's rules). The current period is as_of's month, or its
//     calendar quarter for the quarterly cycle, whose periods must be whole
//     quarters. Yearly premiums for coverage year Y may be paid from
//     advance_months before Y-01 until back_payment months after it.
//   - Late fees are added only where a pack declares a daily rate (none does:
//     the 社会保险法 §86 fee binds employers, and no rule for individuals was
//     found). Arrears for month M begin on the first day of M+1; days count
//     from then through as_of inclusive.
//   - Flat yearly premiums are listed by coverage year in the window in force
//     when they are collected (late in the previous year); the quote cites that
//     window. Yearly grades use the window in force in January of the year.
//   - The estimate uses exact rationals (math/big) and rounds each amount
//     half-up to the fen once. A retirement age with extra months uses the
//     payout months of the completed years (no official rule was found).
package policy
