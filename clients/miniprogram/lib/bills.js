'use strict';
// Bills as the bills and pay pages show them. Which bills may be paid apart
// is the API's rule (some regions bind medical to the same month's
// pension): by default everything due is selected, and if the person
// unticks a bill that must go with another, POST /orders says so in its
// Chinese error message, which the page shows.

const money = require('./money.js');
const format = require('./format.js');

function dueBills(list) {
  return (list || []).filter(function (b) { return b.status === 'due'; });
}

// view turns GET /me/bills bills into rows for WXML, arrears (欠费) first.
function view(list, selectedIds) {
  const selected = selectedIds || null;
  const rows = dueBills(list).map(function (b) {
    return {
      id: b.id,
      name: format.insuranceName(b),
      period: format.periodText(b.period),
      rawPeriod: b.period,
      arrears: b.kind === 'arrears',
      kindText: b.kind === 'arrears' ? '欠费补缴' : '本期',
      amountFen: b.amount_fen,
      amount: money.yuan(b.amount_fen),
      checked: selected ? selected.indexOf(b.id) >= 0 : true,
    };
  });
  rows.sort(function (a, b) {
    if (a.arrears !== b.arrears) return a.arrears ? -1 : 1;
    return a.rawPeriod < b.rawPeriod ? -1 : a.rawPeriod > b.rawPeriod ? 1 : 0;
  });
  return rows;
}

function selectedIds(rows) {
  return rows.filter(function (r) { return r.checked; }).map(function (r) { return r.id; });
}

function totalFen(rows) {
  return money.sumFen(rows.filter(function (r) { return r.checked; }).map(function (r) { return r.amountFen; }));
}

module.exports = { dueBills, view, selectedIds, totalFen };
