//! The one Diesel schema both backends share. Column SQL types are chosen so
//! that PostgreSQL and SQLite read and write them the same way: UUIDs as
//! `Text`, instants as UTC `Timestamp`, money as `BigInt` fen.

diesel::table! {
    regions (code) {
        code -> Text,
        name -> Text,
        level -> Text,
        supervisor_code -> Text,
    }
}

diesel::table! {
    rule_parameters (id) {
        id -> BigInt,
        name -> Text,
        value -> Text,
        unit -> Text,
        effective_from -> Date,
        effective_to -> Nullable<Date>,
        clause -> Text,
    }
}

diesel::table! {
    organizations (id) {
        id -> Text,
        credit_code -> Text,
        name -> Text,
        kind -> Text,
        region_code -> Text,
        address -> Nullable<Text>,
        legal_representative -> Nullable<Text>,
        contact_phone -> Nullable<Text>,
        sector -> Nullable<Text>,
        employee_count -> Nullable<Integer>,
        service_types -> Text,
        qualification_number -> Nullable<Text>,
        qualification_scope -> Nullable<Text>,
        qualification_valid_from -> Nullable<Date>,
        qualification_valid_until -> Nullable<Date>,
        status -> Text,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    api_clients (id) {
        id -> Text,
        name -> Text,
        secret_hash -> Text,
        role -> Text,
        organization_id -> Nullable<Text>,
        region_code -> Nullable<Text>,
        disabled -> Bool,
        created_at -> Timestamp,
        failed_attempts -> Integer,
        locked_until -> Nullable<Timestamp>,
    }
}

diesel::table! {
    audit_log (id) {
        id -> BigInt,
        at -> Timestamp,
        actor -> Text,
        role -> Text,
        actor_region -> Nullable<Text>,
        action -> Text,
        resource_type -> Text,
        resource_id -> Text,
        resource_region -> Nullable<Text>,
        request_id -> Text,
        prev_hash -> Text,
        hash -> Text,
    }
}

diesel::table! {
    audit_chain_head (id) {
        id -> Integer,
        last_id -> BigInt,
        last_hash -> Text,
    }
}

diesel::table! {
    idempotency_records (principal, idempotency_key) {
        principal -> Text,
        idempotency_key -> Text,
        operation -> Text,
        request_hash -> Text,
        response_status -> Integer,
        response_body -> Text,
        response_location -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    insurance_policies (id) {
        id -> Text,
        insurer_id -> Text,
        policy_number -> Text,
        enterprise_id -> Text,
        start_date -> Date,
        end_date -> Date,
        insured_headcount -> Integer,
        cover_per_person_fen -> BigInt,
        base_premium_fen -> BigInt,
        charged_premium_fen -> BigInt,
        risk_adjustment_bp -> Integer,
        min_cover_rule -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    insurer_ledger_locks (insurer_id) {
        insurer_id -> Text,
    }
}

diesel::table! {
    premium_batches (id) {
        id -> Text,
        insurer_id -> Text,
        item_count -> Integer,
        stored_count -> Integer,
        created_by -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    premium_postings (id) {
        id -> BigInt,
        batch_id -> Text,
        insurer_id -> Text,
        policy_id -> Text,
        external_ref -> Text,
        received_at -> Timestamp,
        received_on -> Date,
        amount_fen -> BigInt,
    }
}

diesel::table! {
    premium_daily_totals (insurer_id, day) {
        insurer_id -> Text,
        day -> Date,
        net_fen -> BigInt,
    }
}

diesel::table! {
    prevention_fund_expenditures (id) {
        id -> Text,
        insurer_id -> Text,
        category -> Text,
        amount_fen -> BigInt,
        spent_on -> Date,
        description -> Text,
        beneficiary_id -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    accidents (id) {
        id -> Text,
        enterprise_id -> Text,
        occurred_on -> Date,
        grade -> Text,
        deaths -> Integer,
        injuries -> Integer,
        summary -> Text,
        recorded_by -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    rate_factors (id) {
        id -> BigInt,
        province_code -> Text,
        factor -> Text,
        adjustment_bp -> Integer,
        effective_from -> Date,
        effective_to -> Nullable<Date>,
        source -> Text,
    }
}

diesel::table! {
    persons (id) {
        id -> Text,
        resident_id -> Text,
        name -> Text,
        phone -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    employments (id) {
        id -> Text,
        person_id -> Text,
        organization_id -> Text,
        position -> Text,
        safety_head -> Bool,
        from_date -> Date,
        to_date -> Nullable<Date>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    certificates (id) {
        id -> Text,
        number -> Text,
        person_id -> Text,
        category -> Text,
        issuing_region -> Text,
        issued_on -> Date,
        issued_by -> Nullable<Text>,
        revoked_on -> Nullable<Date>,
        revocation_reason -> Nullable<Text>,
        obtained_by_fraud -> Bool,
        created_at -> Timestamp,
    }
}

diesel::table! {
    certificate_work_periods (id) {
        id -> BigInt,
        certificate_id -> Text,
        from_date -> Date,
        to_date -> Nullable<Date>,
    }
}

diesel::table! {
    certificate_violations (id) {
        id -> BigInt,
        certificate_id -> Text,
        occurred_on -> Date,
        serious -> Bool,
        administrative_penalty -> Bool,
    }
}

diesel::table! {
    certificate_reviews (id) {
        id -> Text,
        certificate_id -> Text,
        applied_on -> Date,
        due_on -> Date,
        passed -> Bool,
        failures -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    exam_results (id) {
        id -> Text,
        institution_id -> Text,
        person_id -> Text,
        category -> Text,
        exam_on -> Date,
        theory_score -> Integer,
        practical_score -> Nullable<Integer>,
        passed -> Bool,
        created_at -> Timestamp,
    }
}

diesel::table! {
    pass_rate_publications (period) {
        period -> Text,
        published_at -> Timestamp,
        published_by -> Text,
    }
}

diesel::table! {
    engineers (id) {
        id -> Text,
        person_id -> Text,
        level -> Text,
        category -> Text,
        registration_number -> Text,
        registered_on -> Date,
        valid_until -> Date,
        validity_rule_version -> Text,
        employer_id -> Text,
        continuing_education_hours -> Integer,
        created_at -> Timestamp,
    }
}

diesel::table! {
    credit_event_rules (event_type, effective_from) {
        event_type -> Text,
        points -> Integer,
        validity_months -> Integer,
        effective_from -> Date,
        effective_to -> Nullable<Date>,
        clause -> Text,
    }
}

diesel::table! {
    credit_events (id) {
        id -> Text,
        organization_id -> Text,
        event_type -> Text,
        occurred_on -> Date,
        points -> Integer,
        expires_on -> Date,
        rule_version -> Text,
        clause -> Text,
        evidence -> Text,
        source_type -> Nullable<Text>,
        source_id -> Nullable<Text>,
        recorded_by -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    credit_scores (organization_id) {
        organization_id -> Text,
        score -> Integer,
        grade -> Text,
        events_sum -> BigInt,
        in_force -> Integer,
        next_change_on -> Nullable<Date>,
        as_of -> Date,
        scale_versions -> Text,
        change_seq -> BigInt,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    credit_feed_lock (id) {
        id -> Integer,
        last_seq -> BigInt,
    }
}

diesel::table! {
    blacklist_listings (id) {
        id -> Text,
        organization_id -> Text,
        trigger_type -> Text,
        credit_event_id -> Nullable<Text>,
        decided_by -> Text,
        decided_region -> Text,
        listed_on -> Date,
        ends_on -> Date,
        term_rule_version -> Text,
        removed_on -> Nullable<Date>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    blacklist_removal_applications (id) {
        id -> Text,
        listing_id -> Text,
        applied_on -> Date,
        reason -> Text,
        status -> Text,
        decided_by -> Nullable<Text>,
        decided_on -> Nullable<Date>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    sanctions (id) {
        id -> Text,
        organization_id -> Text,
        kind -> Text,
        decided_on -> Date,
        deadline -> Nullable<Date>,
        complied_on -> Nullable<Date>,
        from_date -> Nullable<Date>,
        to_date -> Nullable<Date>,
        reason -> Text,
        case_ref -> Nullable<Text>,
        decided_by -> Text,
        decided_region -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    bans (id) {
        id -> Text,
        kind -> Text,
        organization_id -> Nullable<Text>,
        person_id -> Nullable<Text>,
        from_date -> Date,
        to_date -> Nullable<Date>,
        case_ref -> Text,
        reason -> Text,
        decided_by -> Text,
        decided_region -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    spot_check_draws (id) {
        id -> Text,
        criteria -> Text,
        population -> Text,
        population_digest -> Text,
        inspectors -> Text,
        sample_size -> Integer,
        inspectors_per_target -> Integer,
        beacon -> Text,
        seed_hex -> Text,
        drawn_by -> Text,
        region_code -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    spot_check_targets (draw_id, position) {
        draw_id -> Text,
        position -> Integer,
        organization_id -> Text,
        inspectors -> Text,
        findings -> Nullable<Text>,
        sanction_id -> Nullable<Text>,
        recorded_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    complaints (id) {
        id -> Text,
        tracking_code -> Text,
        organization_id -> Text,
        category -> Text,
        description -> Text,
        contact -> Nullable<Text>,
        status -> Text,
        decided_by -> Nullable<Text>,
        decision_note -> Nullable<Text>,
        credit_event_id -> Nullable<Text>,
        status_changed_at -> Timestamp,
        created_at -> Timestamp,
    }
}

diesel::table! {
    holidays (day) {
        day -> Date,
        kind -> Text,
        name -> Text,
    }
}

diesel::table! {
    demands (id) {
        id -> Text,
        enterprise_id -> Text,
        service_type -> Text,
        region_code -> Text,
        budget_fen -> BigInt,
        deadline -> Date,
        description -> Text,
        status -> Text,
        awarded_bid_id -> Nullable<Text>,
        posted_by -> Text,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    bids (id) {
        id -> Text,
        demand_id -> Text,
        provider_id -> Text,
        price_fen -> BigInt,
        plan -> Text,
        created_by -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    engagements (id) {
        id -> Text,
        enterprise_id -> Text,
        provider_id -> Text,
        demand_id -> Nullable<Text>,
        contract_fee_fen -> BigInt,
        paid_fen -> BigInt,
        signed_on -> Date,
        starts_on -> Date,
        ends_on -> Date,
        delivery_deadline -> Date,
        reports -> Text,
        planned_on_site -> Text,
        status -> Text,
        delivered_on -> Nullable<Date>,
        procedure_text -> Nullable<Text>,
        main_content -> Nullable<Text>,
        closed_on -> Nullable<Date>,
        dispute_reason -> Nullable<Text>,
        recorded_by -> Text,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    engagement_services (engagement_id, service_type) {
        engagement_id -> Text,
        service_type -> Text,
        fee_fen -> BigInt,
    }
}

diesel::table! {
    engagement_personnel (engagement_id, person_id) {
        engagement_id -> Text,
        person_id -> Text,
        engineer_id -> Nullable<Text>,
    }
}

diesel::table! {
    engagement_payments (id) {
        id -> Text,
        engagement_id -> Text,
        amount_fen -> BigInt,
        paid_on -> Date,
        recorded_by -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    engagement_evaluations (engagement_id) {
        engagement_id -> Text,
        rating -> Integer,
        comment -> Text,
        evaluated_on -> Date,
        credit_event_id -> Nullable<Text>,
        created_by -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    cross_region_notices (id) {
        id -> Text,
        engagement_id -> Text,
        regulator_region -> Text,
        provider_region -> Text,
        notified_on -> Date,
        earliest_on_site -> Date,
        late_dates -> Text,
        flagged -> Bool,
        created_at -> Timestamp,
    }
}

diesel::table! {
    annual_report_narratives (organization_id, year, version) {
        organization_id -> Text,
        year -> Integer,
        version -> Integer,
        narrative -> Text,
        written_by -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    annual_reports (organization_id, year) {
        organization_id -> Text,
        year -> Integer,
        narrative_version -> Nullable<Integer>,
        body -> Text,
        published_on -> Date,
        published_by -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    procurement_projects (id) {
        id -> Text,
        area -> Text,
        title -> Text,
        region_code -> Text,
        budget_fen -> BigInt,
        provider_id -> Text,
        third_party_id -> Text,
        awarded_on -> Date,
        status -> Text,
        composite_hundredths -> Nullable<Integer>,
        weights_version -> Nullable<Text>,
        evaluated_on -> Nullable<Date>,
        credit_event_id -> Nullable<Text>,
        created_by -> Text,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    procurement_recipients (project_id, organization_id) {
        project_id -> Text,
        organization_id -> Text,
    }
}

diesel::table! {
    procurement_evaluations (project_id, party) {
        project_id -> Text,
        party -> Text,
        score -> Integer,
        comment -> Text,
        evaluator -> Text,
        evaluator_org -> Nullable<Text>,
        evaluated_on -> Date,
        created_at -> Timestamp,
    }
}

diesel::table! {
    subsidy_programmes (id) {
        id -> Text,
        title -> Text,
        region_code -> Text,
        budget_fen -> BigInt,
        committed_fen -> BigInt,
        share_bp -> Integer,
        cap_per_enterprise_fen -> BigInt,
        max_employees -> Integer,
        opens_on -> Date,
        closes_on -> Date,
        created_by -> Text,
        version -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::table! {
    subsidy_applications (id) {
        id -> Text,
        programme_id -> Text,
        enterprise_id -> Text,
        engagement_id -> Text,
        amount_fen -> BigInt,
        priority -> Text,
        status -> Text,
        decided_on -> Nullable<Date>,
        decided_by -> Nullable<Text>,
        note -> Nullable<Text>,
        created_by -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    event_head (id) {
        id -> Integer,
        last_position -> BigInt,
    }
}

diesel::table! {
    events (position) {
        position -> BigInt,
        id -> Text,
        event_type -> Text,
        occurred_at -> Timestamp,
        resource_type -> Text,
        resource_id -> Text,
        region_code -> Nullable<Text>,
        organization_id -> Nullable<Text>,
        counterparty_id -> Nullable<Text>,
        public -> Bool,
        data -> Text,
    }
}

diesel::table! {
    webhook_subscriptions (id) {
        id -> Text,
        owner_client_id -> Text,
        url -> Text,
        event_types -> Text,
        secret -> Text,
        status -> Text,
        cursor -> BigInt,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        lease_owner -> Nullable<Text>,
        lease_until -> Nullable<Timestamp>,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    webhook_deliveries (id) {
        id -> Text,
        subscription_id -> Text,
        event_position -> BigInt,
        status -> Text,
        attempts -> Integer,
        last_status -> Nullable<Integer>,
        last_error -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::joinable!(organizations -> regions (region_code));
diesel::joinable!(api_clients -> organizations (organization_id));

diesel::joinable!(premium_postings -> insurance_policies (policy_id));
diesel::joinable!(exam_results -> organizations (institution_id));
diesel::joinable!(credit_scores -> organizations (organization_id));
diesel::joinable!(blacklist_listings -> organizations (organization_id));
diesel::joinable!(webhook_subscriptions -> api_clients (owner_client_id));
diesel::joinable!(webhook_deliveries -> webhook_subscriptions (subscription_id));
diesel::joinable!(webhook_deliveries -> events (event_position));

diesel::allow_tables_to_appear_in_same_query!(
    regions,
    event_head,
    events,
    webhook_subscriptions,
    webhook_deliveries,
    rule_parameters,
    organizations,
    api_clients,
    audit_log,
    audit_chain_head,
    idempotency_records,
    insurance_policies,
    insurer_ledger_locks,
    premium_batches,
    premium_postings,
    premium_daily_totals,
    prevention_fund_expenditures,
    accidents,
    rate_factors,
    persons,
    employments,
    certificates,
    certificate_work_periods,
    certificate_violations,
    certificate_reviews,
    exam_results,
    pass_rate_publications,
    engineers,
    credit_event_rules,
    credit_events,
    credit_scores,
    credit_feed_lock,
    blacklist_listings,
    blacklist_removal_applications,
    sanctions,
    bans,
    spot_check_draws,
    spot_check_targets,
    complaints,
    holidays,
    demands,
    bids,
    engagements,
    engagement_services,
    engagement_personnel,
    engagement_payments,
    engagement_evaluations,
    cross_region_notices,
    annual_report_narratives,
    annual_reports,
    procurement_projects,
    procurement_recipients,
    procurement_evaluations,
    subsidy_programmes,
    subsidy_applications,
);
