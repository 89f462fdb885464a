//! The table definitions diesel checks every query against. Written by hand to match
//! `migrations/sqlite` and `migrations/postgres`, which create identical tables.

diesel::table! {
    instance_settings (name) {
        name -> Text,
        value -> Text,
    }
}

diesel::table! {
    partnerships (id) {
        id -> Text,
        slug -> Text,
        name -> Text,
        values_kind -> Text,
        values_name -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    priorities (id) {
        id -> Text,
        partnership_id -> Text,
        code -> Text,
        title -> Text,
        short_title -> Text,
        position -> Integer,
        archived_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    pledge_values (id) {
        id -> Text,
        partnership_id -> Text,
        code -> Text,
        title -> Text,
        meaning -> Text,
        position -> Integer,
        archived_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    outcome_statements (id) {
        id -> Text,
        partnership_id -> Text,
        priority_id -> Nullable<Text>,
        code -> Text,
        statement -> Text,
        position -> Integer,
        archived_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    accounts (id) {
        id -> Text,
        partnership_id -> Nullable<Text>,
        email -> Text,
        password_hash -> Text,
        role -> Text,
        failed_attempts -> Integer,
        locked_until -> Nullable<Timestamp>,
        created_at -> Timestamp,
        service_id -> Nullable<Text>,
        totp_secret -> Nullable<Text>,
        totp_pending -> Nullable<Text>,
        totp_last_step -> Nullable<BigInt>,
        sso_subject -> Nullable<Text>,
        approved -> Bool,
    }
}

diesel::table! {
    survey_series (id) {
        id -> Text,
        partnership_id -> Text,
        slug -> Text,
        title -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    waves (id) {
        id -> Text,
        series_id -> Text,
        slug -> Text,
        label -> Text,
        status -> Text,
        opens_at -> Nullable<Timestamp>,
        closes_at -> Nullable<Timestamp>,
        definition -> Text,
        definition_hash -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    questions (id) {
        id -> Text,
        wave_id -> Text,
        question_key -> Text,
        position -> Integer,
        kind -> Text,
    }
}

diesel::table! {
    question_options (question_id, value) {
        question_id -> Text,
        value -> Text,
        polarity -> Text,
        score -> Nullable<Double>,
        position -> Integer,
    }
}

diesel::table! {
    question_tags (question_id, kind, code) {
        question_id -> Text,
        kind -> Text,
        code -> Text,
    }
}

diesel::table! {
    responses (id) {
        id -> Text,
        wave_id -> Text,
        audience -> Text,
        channel -> Text,
        started_at -> Timestamp,
        submitted_at -> Timestamp,
        consent_to_quote -> Bool,
        receipt_hash -> Nullable<Text>,
        member_hash -> Nullable<Text>,
        session_id -> Nullable<Text>,
        answer_sheet -> Text,
    }
}

diesel::table! {
    answers (response_id, question_key, ordinal) {
        response_id -> Text,
        question_key -> Text,
        ordinal -> Integer,
        option_value -> Nullable<Text>,
        text_value -> Nullable<Text>,
        number_value -> Nullable<Double>,
    }
}

diesel::table! {
    drafts (id) {
        id -> Text,
        wave_id -> Text,
        audience -> Text,
        token_hash -> Text,
        resume_hash -> Nullable<Text>,
        answers -> Text,
        consent_to_quote -> Nullable<Bool>,
        started_at -> Timestamp,
        updated_at -> Timestamp,
        expires_at -> Timestamp,
        response_id -> Nullable<Text>,
        receipt_code -> Nullable<Text>,
        session_id -> Nullable<Text>,
        member_hash -> Nullable<Text>,
        contact_id -> Nullable<Text>,
    }
}

diesel::joinable!(priorities -> partnerships (partnership_id));
diesel::joinable!(pledge_values -> partnerships (partnership_id));
diesel::joinable!(outcome_statements -> partnerships (partnership_id));
diesel::joinable!(survey_series -> partnerships (partnership_id));
diesel::joinable!(waves -> survey_series (series_id));
diesel::joinable!(questions -> waves (wave_id));
diesel::joinable!(question_options -> questions (question_id));
diesel::joinable!(question_tags -> questions (question_id));
diesel::joinable!(responses -> waves (wave_id));
diesel::joinable!(answers -> responses (response_id));
diesel::joinable!(drafts -> waves (wave_id));

diesel::allow_columns_to_appear_in_same_group_by_clause!(
    responses::audience,
    answers::question_key,
    answers::option_value,
);

diesel::table! {
    imported_counts (wave_id, audience, question_key, option_value) {
        wave_id -> Text,
        audience -> Text,
        question_key -> Text,
        option_value -> Text,
        answers -> BigInt,
        imported_at -> Timestamp,
    }
}

diesel::joinable!(imported_counts -> waves (wave_id));

diesel::table! {
    staff_sessions (id) {
        id -> Text,
        account_id -> Text,
        created_at -> Timestamp,
        last_seen_at -> Timestamp,
        expires_at -> Timestamp,
        browser -> Text,
        device -> Nullable<Text>,
    }
}

diesel::table! {
    recovery_codes (account_id, code_hash) {
        account_id -> Text,
        code_hash -> Text,
        used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    sign_in_steps (id) {
        id -> Text,
        account_id -> Text,
        purpose -> Text,
        browser -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
    }
}

diesel::table! {
    sso_configs (partnership_id) {
        partnership_id -> Text,
        issuer -> Text,
        client_id -> Text,
        client_secret -> Text,
        allowed_domains -> Text,
        role_claim -> Nullable<Text>,
        role_map -> Text,
        default_role -> Nullable<Text>,
        approve_first -> Bool,
        required -> Bool,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    sso_flows (id) {
        id -> Text,
        partnership_id -> Text,
        browser_hash -> Text,
        nonce -> Text,
        pkce_verifier -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
    }
}

diesel::table! {
    removed_accounts (partnership_id, email) {
        partnership_id -> Text,
        email -> Text,
        removed_at -> Timestamp,
    }
}

diesel::table! {
    audit_log (id) {
        id -> Text,
        at -> Timestamp,
        account_id -> Nullable<Text>,
        actor -> Text,
        partnership_id -> Nullable<Text>,
        action -> Text,
        detail -> Text,
    }
}

diesel::joinable!(staff_sessions -> accounts (account_id));
diesel::joinable!(recovery_codes -> accounts (account_id));
diesel::joinable!(sign_in_steps -> accounts (account_id));
diesel::joinable!(sso_configs -> partnerships (partnership_id));
diesel::joinable!(sso_flows -> partnerships (partnership_id));
diesel::joinable!(removed_accounts -> partnerships (partnership_id));

diesel::table! {
    themes (id) {
        id -> Text,
        partnership_id -> Text,
        name -> Text,
        description -> Text,
        keywords -> Text,
        priority_codes -> Text,
        value_codes -> Text,
        position -> Integer,
        archived_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    codings (response_id, question_key, theme_id) {
        response_id -> Text,
        question_key -> Text,
        theme_id -> Text,
        coded_by -> Text,
        coded_at -> Timestamp,
    }
}

diesel::table! {
    quotes (id) {
        id -> Text,
        response_id -> Text,
        question_key -> Text,
        redacted -> Text,
        status -> Text,
        approved_by -> Nullable<Text>,
        approved_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    redaction_names (partnership_id, name) {
        partnership_id -> Text,
        name -> Text,
    }
}

diesel::joinable!(codings -> themes (theme_id));
diesel::joinable!(codings -> responses (response_id));
diesel::joinable!(quotes -> responses (response_id));

diesel::table! {
    brag_overrides (series_id, from_wave, to_wave, audience, priority_code) {
        series_id -> Text,
        from_wave -> Text,
        to_wave -> Text,
        audience -> Text,
        priority_code -> Text,
        rating -> Text,
        note -> Text,
        set_by -> Text,
        set_at -> Timestamp,
    }
}

diesel::table! {
    answer_counts (wave_id, audience, question_key, option_value) {
        wave_id -> Text,
        audience -> Text,
        question_key -> Text,
        option_value -> Text,
        answers -> BigInt,
    }
}

diesel::table! {
    index_counts (wave_id, audience, kind, code, positive, valid) {
        wave_id -> Text,
        audience -> Text,
        kind -> Text,
        code -> Text,
        positive -> Integer,
        valid -> Integer,
        respondents -> BigInt,
    }
}

diesel::table! {
    recordings (id) {
        id -> Text,
        wave_id -> Text,
        audience -> Text,
        language -> Text,
        question_key -> Text,
        content_type -> Text,
        body -> Binary,
        size_bytes -> Integer,
        created_by -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    images (id) {
        id -> Text,
        partnership_id -> Text,
        name -> Text,
        alt -> Text,
        content_type -> Text,
        body -> Binary,
        size_bytes -> Integer,
        created_by -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    panel_sessions (id) {
        id -> Text,
        wave_id -> Text,
        audience -> Text,
        code -> Text,
        title -> Text,
        kiosk -> Bool,
        pin_hash -> Nullable<Text>,
        pin_failures -> Integer,
        member_codes -> Bool,
        idle_minutes -> Integer,
        opens_at -> Timestamp,
        closes_at -> Timestamp,
        created_by -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    panel_reveals (session_id, response_id, question_key) {
        session_id -> Text,
        response_id -> Text,
        question_key -> Text,
        revealed_at -> Timestamp,
    }
}

diesel::table! {
    paper_entries (id) {
        id -> Text,
        wave_id -> Text,
        audience -> Text,
        form_ref -> Text,
        answers -> Text,
        consent_to_quote -> Bool,
        entered_by -> Text,
        entered_at -> Timestamp,
        stored -> Bool,
        checked_by -> Nullable<Text>,
    }
}

diesel::table! {
    outbox (id) {
        id -> Text,
        message_id -> Text,
        kind -> Text,
        partnership_id -> Nullable<Text>,
        to_address -> Text,
        subject -> Text,
        body_text -> Text,
        body_html -> Text,
        unsubscribe_url -> Nullable<Text>,
        status -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        last_error -> Nullable<Text>,
        created_at -> Timestamp,
        sent_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    contacts (id) {
        id -> Text,
        wave_id -> Text,
        email -> Text,
        first_name -> Text,
        audience -> Text,
        token_hash -> Text,
        token_used_at -> Nullable<Timestamp>,
        unsubscribe_hash -> Text,
        unsubscribed_at -> Nullable<Timestamp>,
        responded -> Bool,
        reminders -> Integer,
        created_at -> Timestamp,
    }
}

diesel::table! {
    follow_ups (id) {
        id -> Text,
        partnership_id -> Text,
        email -> Text,
        created_on -> Timestamp,
        confirmed -> Bool,
        confirm_hash -> Nullable<Text>,
    }
}

diesel::table! {
    updates (id) {
        id -> Text,
        partnership_id -> Text,
        title -> Text,
        body -> Text,
        priorities -> Text,
        themes -> Text,
        recipients -> Integer,
        published_at -> Timestamp,
        created_by -> Text,
        easy_read -> Text,
    }
}

diesel::table! {
    update_links (update_id, kind, target) {
        update_id -> Text,
        kind -> Text,
        target -> Text,
        label -> Text,
    }
}

diesel::joinable!(update_links -> updates (update_id));

diesel::table! {
    account_tokens (id) {
        id -> Text,
        account_id -> Text,
        purpose -> Text,
        token_hash -> Text,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    branding (partnership_id) {
        partnership_id -> Text,
        colour -> Text,
        logo_image -> Nullable<Text>,
        updated_at -> Timestamp,
    }
}

diesel::joinable!(account_tokens -> accounts (account_id));
diesel::joinable!(contacts -> waves (wave_id));
diesel::joinable!(panel_sessions -> waves (wave_id));
diesel::joinable!(paper_entries -> waves (wave_id));
diesel::joinable!(recordings -> waves (wave_id));
diesel::joinable!(images -> partnerships (partnership_id));

diesel::table! {
    quote_selections (id) {
        id -> Text,
        partnership_id -> Text,
        name -> Text,
        created_by -> Text,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    quote_selection_items (selection_id, quote_id) {
        selection_id -> Text,
        quote_id -> Text,
        position -> Integer,
    }
}

diesel::joinable!(quote_selection_items -> quote_selections (selection_id));
diesel::joinable!(quote_selection_items -> quotes (quote_id));

diesel::table! {
    reviews (id) {
        id -> Text,
        wave_id -> Text,
        audience -> Text,
        code -> Text,
        keep_counts -> Bool,
        created_by -> Text,
        created_at -> Timestamp,
        ended_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    review_feedback (id) {
        id -> Text,
        review_id -> Text,
        question_key -> Text,
        verdict -> Text,
        suggestion -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    review_counts (wave_id, audience, question_key) {
        wave_id -> Text,
        audience -> Text,
        question_key -> Text,
        yes -> BigInt,
        not_sure -> BigInt,
        no -> BigInt,
    }
}

diesel::joinable!(review_feedback -> reviews (review_id));

diesel::table! {
    answer_files (id) {
        id -> Text,
        wave_id -> Text,
        draft_id -> Nullable<Text>,
        response_id -> Nullable<Text>,
        question_key -> Text,
        kind -> Text,
        content_type -> Text,
        body -> Binary,
        size_bytes -> Integer,
        words -> Nullable<Text>,
        transcript -> Nullable<Text>,
        transcribed_by -> Nullable<Text>,
        transcribed_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::joinable!(answer_files -> waves (wave_id));

diesel::table! {
    import_drafts (id) {
        id -> Text,
        wave_id -> Text,
        account_id -> Text,
        kind -> Text,
        file_name -> Text,
        body -> Binary,
        mapping -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    import_mappings (partnership_id, signature) {
        partnership_id -> Text,
        signature -> Text,
        mapping -> Text,
        saved_at -> Timestamp,
    }
}

diesel::joinable!(import_drafts -> waves (wave_id));

diesel::table! {
    wave_populations (wave_id, group_value) {
        wave_id -> Text,
        question_key -> Text,
        group_value -> Text,
        population -> BigInt,
        set_by -> Text,
        set_at -> Timestamp,
    }
}

diesel::joinable!(wave_populations -> waves (wave_id));

diesel::table! {
    response_counts (wave_id, audience) {
        wave_id -> Text,
        audience -> Text,
        responses -> BigInt,
    }
}

diesel::table! {
    question_counts (wave_id, audience, question_key) {
        wave_id -> Text,
        audience -> Text,
        question_key -> Text,
        answered -> BigInt,
        wrote -> BigInt,
    }
}

diesel::table! {
    number_counts (wave_id, audience, question_key, value) {
        wave_id -> Text,
        audience -> Text,
        question_key -> Text,
        value -> Double,
        answers -> BigInt,
    }
}

diesel::joinable!(response_counts -> waves (wave_id));
diesel::joinable!(question_counts -> waves (wave_id));
diesel::joinable!(number_counts -> waves (wave_id));

diesel::table! {
    slice_counts (wave_id, audience, channel, day, filter_key, filter_value, kind, question_key, option_value, number_value) {
        wave_id -> Text,
        audience -> Text,
        channel -> Text,
        day -> Date,
        filter_key -> Text,
        filter_value -> Text,
        kind -> Text,
        question_key -> Text,
        option_value -> Text,
        number_value -> Double,
        n -> BigInt,
    }
}

diesel::joinable!(slice_counts -> waves (wave_id));

diesel::table! {
    index_slices (wave_id, audience, channel, day, filter_key, filter_value, kind, code, positive, valid) {
        wave_id -> Text,
        audience -> Text,
        channel -> Text,
        day -> Date,
        filter_key -> Text,
        filter_value -> Text,
        kind -> Text,
        code -> Text,
        positive -> Integer,
        valid -> Integer,
        respondents -> BigInt,
    }
}

diesel::joinable!(index_slices -> waves (wave_id));

diesel::table! {
    rating_scales (id) {
        id -> Text,
        partnership_id -> Text,
        name -> Text,
        position -> Integer,
        created_at -> Timestamp,
    }
}

diesel::table! {
    rating_levels (id) {
        id -> Text,
        scale_id -> Text,
        position -> Integer,
        name -> Text,
        meaning -> Text,
        colour -> Text,
    }
}

diesel::table! {
    board_reviews (id) {
        id -> Text,
        partnership_id -> Text,
        scale_id -> Text,
        held_on -> Date,
        created_by -> Text,
        created_at -> Timestamp,
        agreed_by -> Nullable<Text>,
        agreed_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    review_ratings (review_id, outcome_id) {
        review_id -> Text,
        outcome_id -> Text,
        level_id -> Text,
        level_name -> Text,
        note -> Text,
        rated_by -> Text,
        rated_at -> Timestamp,
    }
}

diesel::table! {
    measures (id) {
        id -> Text,
        partnership_id -> Text,
        reference -> Text,
        name -> Text,
        unit -> Text,
        direction -> Text,
        target -> Nullable<Double>,
        frequency -> Nullable<Text>,
        note -> Text,
        position -> Integer,
        created_at -> Timestamp,
    }
}

diesel::table! {
    measure_values (measure_id, period_end) {
        measure_id -> Text,
        period_end -> Date,
        period -> Text,
        value -> Double,
        entered_by -> Text,
        entered_at -> Timestamp,
    }
}

diesel::joinable!(rating_scales -> partnerships (partnership_id));
diesel::joinable!(rating_levels -> rating_scales (scale_id));
diesel::joinable!(board_reviews -> rating_scales (scale_id));
diesel::joinable!(review_ratings -> board_reviews (review_id));
diesel::joinable!(review_ratings -> outcome_statements (outcome_id));
diesel::joinable!(review_ratings -> rating_levels (level_id));
diesel::joinable!(measures -> partnerships (partnership_id));
diesel::joinable!(measure_values -> measures (measure_id));

diesel::table! {
    evidence_notes (id) {
        id -> Text,
        partnership_id -> Text,
        noted_on -> Date,
        source -> Text,
        body -> Text,
        written_by -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    note_outcomes (note_id, outcome_id) {
        note_id -> Text,
        outcome_id -> Text,
    }
}

diesel::table! {
    measure_outcomes (measure_id, outcome_id) {
        measure_id -> Text,
        outcome_id -> Text,
    }
}

diesel::joinable!(note_outcomes -> evidence_notes (note_id));
diesel::joinable!(note_outcomes -> outcome_statements (outcome_id));
diesel::joinable!(measure_outcomes -> measures (measure_id));
diesel::joinable!(measure_outcomes -> outcome_statements (outcome_id));

diesel::table! {
    pledge_services (id) {
        id -> Text,
        partnership_id -> Text,
        name -> Text,
        wave_id -> Text,
        created_by -> Text,
        created_at -> Timestamp,
    }
}

diesel::joinable!(pledge_services -> waves (wave_id));

diesel::allow_tables_to_appear_in_same_query!(
    pledge_services,
    slice_counts,
    index_slices,
    update_links,
    evidence_notes,
    note_outcomes,
    measure_outcomes,
    rating_scales,
    rating_levels,
    board_reviews,
    review_ratings,
    measures,
    measure_values,
    response_counts,
    question_counts,
    number_counts,
    answer_files,
    import_drafts,
    import_mappings,
    wave_populations,
    instance_settings,
    partnerships,
    priorities,
    pledge_values,
    outcome_statements,
    accounts,
    survey_series,
    waves,
    questions,
    question_options,
    question_tags,
    responses,
    answers,
    drafts,
    imported_counts,
    staff_sessions,
    recovery_codes,
    sign_in_steps,
    sso_configs,
    sso_flows,
    removed_accounts,
    audit_log,
    themes,
    codings,
    quotes,
    redaction_names,
    brag_overrides,
    answer_counts,
    index_counts,
    recordings,
    images,
    panel_sessions,
    panel_reveals,
    paper_entries,
    outbox,
    contacts,
    follow_ups,
    updates,
    account_tokens,
    branding,
    quote_selections,
    quote_selection_items,
    reviews,
    review_feedback,
    review_counts,
);

diesel::allow_columns_to_appear_in_same_group_by_clause!(codings::theme_id, codings::question_key, responses::audience,);
