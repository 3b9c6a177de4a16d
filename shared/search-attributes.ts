/**
 * Custom search attributes the sale saga keeps current, so sagas can be found in the Temporal
 * Web UI (e.g. `SaleStatus = "RESERVED"`). Registered on the dev server at start (stack/temporal.ts);
 * on a real cluster with `temporal operator search-attribute create`.
 * Plain data only: the workflow bundle imports the keys from workflows/search-attributes.ts.
 */
export const SEARCH_ATTRIBUTE_TYPES = {
  SaleStatus: 'Keyword',
  CustomerEmail: 'Keyword',
  SaleTotal: 'Int',
  ProductIds: 'KeywordList',
} as const;
