'use strict';
// Money is integer fen (分) everywhere in the API. These helpers format it
// for display using integer division and modulo only: no floating point,
// so 0.1 + 0.2 never shows up on a bill.

function pad(n, width) {
  let s = String(n);
  while (s.length < width) s = '0' + s;
  return s;
}

// formatFen(123456) === "1,234.56"; formatFen(-5) === "-0.05".
// fen must be a safe integer (a JSON number from the API).
function formatFen(fen) {
  if (typeof fen !== 'number' || !Number.isSafeInteger(fen)) {
    throw new TypeError('formatFen: amount must be an integer number of fen, got ' + String(fen));
  }
  const negative = fen < 0;
  const n = negative ? -fen : fen;
  const cents = n % 100;
  let yuan = (n - cents) / 100; // exact: n - cents is a multiple of 100
  const groups = [];
  while (yuan >= 1000) {
    const r = yuan % 1000;
    groups.unshift(pad(r, 3));
    yuan = (yuan - r) / 1000;
  }
  groups.unshift(String(yuan));
  return (negative && n !== 0 ? '-' : '') + groups.join(',') + '.' + pad(cents, 2);
}

// yuan(123456) === "¥1,234.56"; yuan(-5) === "-¥0.05".
function yuan(fen) {
  const s = formatFen(fen);
  return s.charAt(0) === '-' ? '-¥' + s.slice(1) : '¥' + s;
}

// sumFen adds amounts, refusing anything that is not a safe integer.
function sumFen(amounts) {
  let total = 0;
  for (let i = 0; i < amounts.length; i++) {
    const a = amounts[i];
    if (typeof a !== 'number' || !Number.isSafeInteger(a)) {
      throw new TypeError('sumFen: amount must be an integer number of fen, got ' + String(a));
    }
    total += a;
    if (!Number.isSafeInteger(total)) throw new RangeError('sumFen: total out of range');
  }
  return total;
}

module.exports = { formatFen, yuan, sumFen };
