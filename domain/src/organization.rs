//! Kinds of party, their sectors and statuses, agency services and caller roles
//! (豫安委〔2017〕17号; DOMAIN.md, "Parties").

use crate::vocabulary::string_enum;
pub use crate::vocabulary::UnknownVariant;

string_enum! {
    /// What an organisation is (DOMAIN.md, "Parties"). Every kind is identified by a unified
    /// social credit code (GB 32100-2015).
    pub enum OrganizationKind ("organization kind", "invalid_kind") {
        /// 生产经营单位: buys services; must insure if high-risk (三(一)), must staff engineers if
        /// in a listed sector (四(一)).
        Enterprise = "enterprise",
        /// 安全评价/检测检验/职业健康技术服务机构 (二).
        TechnicalServiceAgency = "technical_service_agency",
        /// 商业保险机构: sells liability insurance and draws the prevention fund (三).
        Insurer = "insurer",
        /// 安全培训机构: its pass rates are published (五(一)).
        TrainingInstitution = "training_institution",
        /// 社会组织 (行业协会等): delegated or purchased public services (七).
        SocialOrganization = "social_organization",
        /// 注册安全工程师事务所: technical and entrusted-management services (四(二)).
        EngineerFirm = "engineer_firm",
    }
}

impl OrganizationKind {
    /// Whether the organisation sells services to enterprises: everything but an enterprise.
    /// Service providers are the parties 八(三) can blacklist and 九(三) matches with demand.
    pub fn is_service_provider(self) -> bool {
        self != OrganizationKind::Enterprise
    }
}

string_enum! {
    /// An enterprise's industry, as far as the policy distinguishes them.
    ///
    /// The first eight are the high-risk sectors of 豫安委〔2017〕17号 三(一) that must carry work
    /// safety liability insurance. `dangerous_goods` and `road_transport` matter for the engineer
    /// staffing rule (四(一)) and the full-time safety staff exception (九(三)).
    pub enum Sector ("sector", "invalid_sector") {
        /// 矿山 (三(一)).
        Mining = "mining",
        /// 危险化学品 (三(一)).
        HazardousChemicals = "hazardous_chemicals",
        /// 烟花爆竹 (三(一)).
        Fireworks = "fireworks",
        /// 交通运输 (三(一)).
        Transportation = "transportation",
        /// 建筑施工 (三(一)).
        Construction = "construction",
        /// 民用爆炸物品 (三(一)).
        CivilExplosives = "civil_explosives",
        /// 金属冶炼 (三(一)).
        MetalSmelting = "metal_smelting",
        /// 渔业生产 (三(一)).
        Fishery = "fishery",
        /// Units producing or storing dangerous goods (四(一), 九(三)).
        DangerousGoods = "dangerous_goods",
        /// 道路运输 (九(三)).
        RoadTransport = "road_transport",
        /// Any other industry.
        Other = "other",
    }
}

impl Sector {
    /// Whether work safety liability insurance is mandatory in this sector: the eight high-risk
    /// sectors named by 豫安委〔2017〕17号 三(一) (矿山、危险化学品、烟花爆竹、交通运输、建筑施工、
    /// 民用爆炸物品、金属冶炼、渔业生产).
    pub fn is_high_risk(self) -> bool {
        matches!(
            self,
            Sector::Mining
                | Sector::HazardousChemicals
                | Sector::Fireworks
                | Sector::Transportation
                | Sector::Construction
                | Sector::CivilExplosives
                | Sector::MetalSmelting
                | Sector::Fishery
        )
    }
}

string_enum! {
    /// Standing of an organisation on the platform. `suspended` implements 中止服务 and `revoked`
    /// 吊销资格证书 of the exit ladder in 豫安委〔2017〕17号 八(一); suspended and revoked providers
    /// are not matched with demand (九(三)).
    pub enum OrganizationStatus ("organization status", "invalid_status") {
        /// May operate.
        Active = "active",
        /// Service suspended for a period (中止服务).
        Suspended = "suspended",
        /// Qualification revoked (吊销资格证书).
        Revoked = "revoked",
    }
}

string_enum! {
    /// A service a provider offers and an enterprise may ask for (豫安委〔2017〕17号 二, 四(二),
    /// 九(三)). The registry lists what each provider is qualified for; a demand names one.
    pub enum ServiceType ("service type", "invalid_service_type") {
        /// 安全评价 (二).
        SafetyAssessment = "safety_assessment",
        /// 检测检验 (二).
        TestingInspection = "testing_inspection",
        /// 职业健康技术服务 (二).
        OccupationalHealth = "occupational_health",
        /// 安全咨询.
        Consulting = "consulting",
        /// 安全培训 (五).
        Training = "training",
        /// 托管服务 by engineer firms (四(二)).
        EntrustedManagement = "entrusted_management",
        /// Anything else, described in free text.
        Other = "other",
        /// 隐患排查 (九(三)).
        HazardInvestigation = "hazard_investigation",
        /// 标准化建设 (九(三)).
        Standardisation = "standardisation",
        /// 应急预案编制和演练 (九(三)).
        EmergencyPlanning = "emergency_planning",
        /// 研发: custom research and development (九(三)).
        ResearchDevelopment = "research_development",
        /// 设计: custom design (九(三)).
        Design = "design",
        /// 法律援助 (九(三)).
        LegalAid = "legal_aid",
        /// 设备租赁 (九(三)).
        EquipmentRental = "equipment_rental",
    }
}

string_enum! {
    /// The role a caller's token carries (CONVENTIONS.md, "Who may do what").
    pub enum Role ("role", "invalid_role") {
        /// Platform operator.
        Admin = "admin",
        /// 安全监管部门 of the province, a prefecture city or a province-managed county; scoped
        /// by the division code of its jurisdiction, not by an organisation.
        Regulator = "regulator",
        /// Acts for one insurer.
        Insurer = "insurer",
        /// Acts for one service provider other than an insurer.
        Agency = "agency",
        /// Acts for one enterprise.
        Enterprise = "enterprise",
        /// A public credit portal: sees only what the policy makes public.
        Portal = "portal",
    }
}

impl Role {
    /// Whether a caller with this role may act for an organisation of `kind`.
    ///
    /// An insurer role binds to an insurer, an enterprise role to an enterprise, and an agency
    /// role to the other service providers (technical service agency, training institution,
    /// social organisation, engineer firm). Admins, regulators and portals act for no
    /// organisation, so object-level authorisation never treats them as an owner.
    pub fn may_bind_to(self, kind: OrganizationKind) -> bool {
        match self {
            Role::Insurer => kind == OrganizationKind::Insurer,
            Role::Enterprise => kind == OrganizationKind::Enterprise,
            Role::Agency => matches!(
                kind,
                OrganizationKind::TechnicalServiceAgency
                    | OrganizationKind::TrainingInstitution
                    | OrganizationKind::SocialOrganization
                    | OrganizationKind::EngineerFirm
            ),
            Role::Admin | Role::Regulator | Role::Portal => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vocabulary::assert_string_enum;

    #[test]
    fn names_round_trip() {
        assert_string_enum!(OrganizationKind, "invalid_kind");
        assert_string_enum!(Sector, "invalid_sector");
        assert_string_enum!(OrganizationStatus, "invalid_status");
        assert_string_enum!(ServiceType, "invalid_service_type");
        assert_string_enum!(Role, "invalid_role");
        assert_eq!(OrganizationKind::ALL.len(), 6);
        assert_eq!(Sector::ALL.len(), 11);
        assert_eq!(OrganizationStatus::ALL.len(), 3);
        assert_eq!(ServiceType::ALL.len(), 14);
        assert_eq!(Role::ALL.len(), 6);
    }

    #[test]
    fn unknown_variant_message_lists_choices() {
        let error = Sector::parse("Mining").unwrap_err();
        assert_eq!(error.code(), "invalid_sector");
        assert!(error.to_string().starts_with("unknown sector \"Mining\""));
        assert!(error.to_string().contains("mining, hazardous_chemicals"));
    }

    #[test]
    fn service_providers() {
        let providers: Vec<_> = OrganizationKind::ALL.iter().filter(|k| k.is_service_provider()).collect();
        assert_eq!(providers.len(), 5);
        assert!(!OrganizationKind::Enterprise.is_service_provider());
    }

    #[test]
    fn exactly_the_eight_sectors_of_3_1_are_high_risk() {
        let high: Vec<_> = Sector::ALL.iter().filter(|s| s.is_high_risk()).map(|s| s.as_str()).collect();
        assert_eq!(
            high,
            [
                "mining",
                "hazardous_chemicals",
                "fireworks",
                "transportation",
                "construction",
                "civil_explosives",
                "metal_smelting",
                "fishery"
            ]
        );
        assert!(!Sector::DangerousGoods.is_high_risk());
        assert!(!Sector::RoadTransport.is_high_risk());
        assert!(!Sector::Other.is_high_risk());
    }

    #[test]
    fn role_binding_matrix() {
        use OrganizationKind as K;
        for &role in Role::ALL {
            for &kind in OrganizationKind::ALL {
                let expected = matches!(
                    (role, kind),
                    (Role::Insurer, K::Insurer)
                        | (Role::Enterprise, K::Enterprise)
                        | (
                            Role::Agency,
                            K::TechnicalServiceAgency
                                | K::TrainingInstitution
                                | K::SocialOrganization
                                | K::EngineerFirm
                        )
                );
                assert_eq!(role.may_bind_to(kind), expected, "{role} -> {kind}");
            }
        }
    }
}
