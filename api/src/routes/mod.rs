//! Every route of the service, registered once for both the server and the
//! generated contract.

use utoipa_actix_web::service_config::ServiceConfig;

pub mod accidents;
pub mod annual_reports;
pub mod audit;
pub mod auth;
pub mod blacklist;
pub mod certificates;
pub mod clients;
pub mod complaints;
pub mod coverage;
pub mod credit;
pub mod disclosures;
pub mod engagements;
pub mod engineers;
pub mod events;
pub mod exports;
pub mod fallback;
pub mod funds;
pub mod health;
pub mod holidays;
pub mod indicators;
pub mod marketplace;
pub mod organizations;
pub mod people;
pub mod policies;
pub mod premiums;
pub mod procurement;
pub mod public;
pub mod public_certificates;
pub mod rate_quotes;
pub mod regions;
pub mod rules;
pub mod safety_management;
pub mod sanctions;
pub mod spot_checks;
pub mod subsidies;
pub mod training;
pub mod webhooks;

/// Routes under `/api/v1`.
pub fn api_v1(cfg: &mut ServiceConfig) {
    cfg.service(auth::issue_token)
        .service(auth::jwks)
        .service(clients::create_client)
        .service(organizations::create_organization)
        .service(organizations::list_organizations)
        .service(organizations::get_organization)
        .service(organizations::update_organization)
        .service(policies::create_policy)
        .service(policies::list_policies)
        .service(policies::get_policy)
        .service(premiums::post_premiums)
        .service(funds::fund_overview)
        .service(funds::fund_year)
        .service(funds::create_expenditure)
        .service(coverage::coverage)
        .service(coverage::uncovered)
        .service(accidents::create_accident)
        .service(accidents::list_accidents)
        .service(rate_quotes::rate_quote)
        .service(people::create_employment)
        .service(people::list_staff)
        .service(people::get_person)
        .service(certificates::create_certificate)
        .service(certificates::get_certificate)
        .service(certificates::create_work_period)
        .service(certificates::create_violation)
        .service(certificates::create_review)
        .service(certificates::certificate_status)
        .service(certificates::revoke_certificate)
        .service(public_certificates::check_certificate)
        .service(public_certificates::attest_certificate)
        .service(training::post_exam_results)
        .service(training::pass_rates_any_period)
        .service(training::publish_pass_rates)
        .service(training::public_pass_rates)
        .service(engineers::create_engineer)
        .service(engineers::get_engineer)
        .service(engineers::organization_staffing)
        .service(engineers::noncompliant_organizations)
        .service(public::public_organization)
        .service(regions::list_regions)
        .service(rules::rules_in_force)
        .service(audit::verify_audit)
        .service(audit::list_audit);
    // Credit and supervision (八): each module registers its own routes.
    credit::register(cfg);
    blacklist::register(cfg);
    sanctions::register(cfg);
    complaints::register(cfg);
    spot_checks::register(cfg);
    // The marketplace (二, 七, 九(二), 九(三)).
    marketplace::register(cfg);
    engagements::register(cfg);
    holidays::register(cfg);
    disclosures::register(cfg);
    annual_reports::register(cfg);
    safety_management::register(cfg);
    procurement::register(cfg);
    subsidies::register(cfg);
    // Integration (issue 8): the event feed, webhooks, bulk exchange, indicators (九(四)).
    events::register(cfg);
    webhooks::register(cfg);
    exports::register(cfg);
    indicators::register(cfg);
}

/// Probes outside the versioned API.
pub fn health(cfg: &mut ServiceConfig) {
    cfg.service(health::live).service(health::ready);
}
