'use strict';
// Plain reference computations the library's incremental structures are checked against.
// Deliberately the obvious way: sort a copy, add up in order.

/** The median of `values` (which it sorts in place); the mean of the middle two for an even count. */
function median(values) {
  values.sort((a, b) => a - b);
  const mid = values.length >> 1;
  return values.length % 2 === 1 ? values[mid] : (values[mid - 1] + values[mid]) / 2;
}

/** One statistic (`median`, `mean`, `min`, `max`) of a non-empty list of readings. */
function aggregate(aggregation, values) {
  switch (aggregation) {
    case 'mean':
      return values.reduce((sum, v) => sum + v, 0) / values.length;
    case 'min':
      return Math.min(...values);
    case 'max':
      return Math.max(...values);
    default:
      return median(values);
  }
}

module.exports = { median, aggregate };
