//! Engagements, their service lines, personnel, payments, evaluations and cross-region notices.
