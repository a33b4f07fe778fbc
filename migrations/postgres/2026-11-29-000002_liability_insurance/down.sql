DROP TABLE rate_factors;
DROP TABLE accidents;
DROP TABLE prevention_fund_expenditures;
DROP TABLE premium_postings;
DROP TABLE premium_batches;
DROP TABLE insurer_ledger_locks;
DROP TABLE insurance_policies;
DROP TABLE idempotency_records;
