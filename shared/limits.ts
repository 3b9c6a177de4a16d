/** The largest value of a PostgreSQL `integer` column: prices, totals, stock counts, page numbers. */
export const INT32_MAX = 2_147_483_647;
