//! The event feed's vocabulary (issue 8): the changes other provincial
//! systems are told about, and which of them the public may see.
//!
//! An event names a resource and carries facts, never personal data, so the
//! same row can be shown to every caller allowed to see it.

crate::vocabulary::string_enum! {
    /// What happened. Names are stable: integrators filter on them.
    pub enum EventType ("event type", "invalid_event_type") {
        OrganizationCreated = "organization_created",
        OrganizationUpdated = "organization_updated",
        OrganizationStatusChanged = "organization_status_changed",
        PolicyCreated = "policy_created",
        PremiumsPosted = "premiums_posted",
        FundExpenditureRecorded = "fund_expenditure_recorded",
        CertificateIssued = "certificate_issued",
        CertificateReviewed = "certificate_reviewed",
        CertificateRevoked = "certificate_revoked",
        EngineerRegistered = "engineer_registered",
        CreditScoreChanged = "credit_score_changed",
        BlacklistListed = "blacklist_listed",
        BlacklistRemoved = "blacklist_removed",
        SanctionIssued = "sanction_issued",
        NoticeCreated = "notice_created",
        EngagementStatusChanged = "engagement_status_changed",
        EvaluationRecorded = "evaluation_recorded",
    }
}

impl EventType {
    /// Whether a public portal sees events of this type: the registry, the
    /// certificate register, credit scores and the blacklist are public (七,
    /// 十); insurance, money, supervision and contracts are not.
    pub const fn is_public(self) -> bool {
        matches!(
            self,
            EventType::OrganizationCreated
                | EventType::OrganizationUpdated
                | EventType::OrganizationStatusChanged
                | EventType::CertificateIssued
                | EventType::CertificateRevoked
                | EventType::CreditScoreChanged
                | EventType::BlacklistListed
                | EventType::BlacklistRemoved
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vocabulary::assert_string_enum;

    #[test]
    fn names_round_trip_and_serde_agrees() {
        assert_string_enum!(EventType, "invalid_event_type");
        assert!(EventType::parse("organization.created").is_err());
    }

    #[test]
    fn money_and_supervision_are_not_public() {
        assert!(!EventType::PremiumsPosted.is_public());
        assert!(!EventType::FundExpenditureRecorded.is_public());
        assert!(!EventType::SanctionIssued.is_public());
        assert!(!EventType::PolicyCreated.is_public());
        assert!(EventType::BlacklistListed.is_public());
        assert!(EventType::CreditScoreChanged.is_public());
    }
}
