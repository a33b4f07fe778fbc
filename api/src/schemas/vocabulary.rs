//! OpenAPI schemas of the domain's string enums, built from the domain's own
//! variant lists so the contract can never drift from what the code accepts.

use domain::insurance::{AccidentGrade, ExpenditureCategory, RateFactor};
use domain::organization::{OrganizationKind, OrganizationStatus, Role, Sector, ServiceType};

/// The string-enum schema of a domain vocabulary, built from its variant list
/// so that the contract cannot drift from what is accepted. Used by every
/// schema module that documents a domain enum.
macro_rules! vocabulary_schema {
    ($schema:ident, $name:literal, $domain:ty, $description:literal) => {
        #[doc = $description]
        pub struct $schema;

        impl utoipa::PartialSchema for $schema {
            fn schema() -> ::utoipa::openapi::RefOr<::utoipa::openapi::schema::Schema> {
                ::utoipa::openapi::schema::ObjectBuilder::new()
                    .schema_type(::utoipa::openapi::schema::Type::String)
                    .description(Some($description))
                    .enum_values(Some(<$domain>::ALL.iter().map(|v| v.as_str())))
                    .into()
            }
        }

        impl utoipa::ToSchema for $schema {
            fn name() -> ::std::borrow::Cow<'static, str> {
                ::std::borrow::Cow::Borrowed($name)
            }
        }
    };
}
pub(crate) use vocabulary_schema;

vocabulary_schema!(OrganizationKindSchema, "OrganizationKind", OrganizationKind, "Kind of party (DOMAIN.md, Parties).");
vocabulary_schema!(
    SectorSchema,
    "Sector",
    Sector,
    "Enterprise sector; the first eight are the high-risk sectors of 三(一)."
);
vocabulary_schema!(
    OrganizationStatusSchema,
    "OrganizationStatus",
    OrganizationStatus,
    "Registry status (八(一) exit ladder: suspension, revocation)."
);
vocabulary_schema!(ServiceTypeSchema, "ServiceType", ServiceType, "Service a provider sells.");
vocabulary_schema!(RoleSchema, "Role", Role, "Caller role carried in the token.");
vocabulary_schema!(
    ExpenditureCategorySchema,
    "ExpenditureCategory",
    ExpenditureCategory,
    "What prevention money was spent on (三(二) earmark)."
);
vocabulary_schema!(AccidentGradeSchema, "AccidentGrade", AccidentGrade, "Accident grade: 一般/较大/重大/特别重大.");
vocabulary_schema!(RateFactorSchema, "RateFactor", RateFactor, "A floating-rate factor (三(三)).");
vocabulary_schema!(
    WorkCategorySchema,
    "WorkCategory",
    domain::certificates::WorkCategory,
    "Special-operation work category (五(二), 总局令第30号): the ten categories."
);
vocabulary_schema!(
    ReviewFailureSchema,
    "ReviewFailure",
    domain::certificates::ReviewFailure,
    "Ground on which a certificate review fails (五(二), 总局令第30号)."
);
vocabulary_schema!(
    CertificateStatusSchema,
    "CertificateStatus",
    domain::certificates::StatusKind,
    "A certificate's standing on a date (五(二))."
);
vocabulary_schema!(
    EngineerLevelSchema,
    "EngineerLevel",
    domain::engineers::EngineerLevel,
    "Registered safety engineer level (四(一)): 高级/中级/初级."
);
vocabulary_schema!(
    EngineerCategorySchema,
    "EngineerCategory",
    domain::engineers::EngineerCategory,
    "Registered safety engineer category (四(一)): the seven categories."
);
vocabulary_schema!(
    CreditEventTypeSchema,
    "CreditEventType",
    domain::credit::CreditEventType,
    "Kind of credit event (八(三)); each has its points and validity in the points table."
);
vocabulary_schema!(GradeSchema, "CreditGrade", domain::credit::Grade, "Credit grade band (八(三)).");
vocabulary_schema!(
    SanctionKindSchema,
    "SanctionKind",
    domain::sanctions::SanctionKind,
    "Rung of the exit ladder (八(一)): rectification, criticism, suspension, revocation."
);
