/**
 * The review panel's page (browser bundle). The panel itself arrives with the review issue;
 * the entry exists now so the build, the CSP and packaging are in place from the start.
 */
export {};
