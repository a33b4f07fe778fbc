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
    }
}

diesel::joinable!(organizations -> regions (region_code));
diesel::joinable!(api_clients -> organizations (organization_id));

diesel::allow_tables_to_appear_in_same_query!(regions, rule_parameters, organizations, api_clients, audit_log,);
