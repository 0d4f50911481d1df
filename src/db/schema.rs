//! The one Diesel schema of both backends, in portable types (times are milliseconds since the epoch).

diesel::table! {
    servers (id) {
        id -> Text,
        url -> Text,
        secret -> Text,
        tag -> Nullable<Text>,
        state -> Text,
        online -> Bool,
        load -> Nullable<Double>,
        load_multiplier -> Double,
        meetings -> Integer,
        users -> Integer,
        largest_meeting -> Integer,
        videos -> Integer,
        bbb_version -> Nullable<Text>,
        checksum_algorithm -> Text,
        created_at -> BigInt,
        updated_at -> BigInt,
    }
}

diesel::table! {
    tenants (id) {
        id -> Text,
        name -> Text,
        secrets -> Text,
        lrs_endpoint -> Nullable<Text>,
        lrs_username -> Nullable<Text>,
        lrs_password -> Nullable<Text>,
        kc_token_url -> Nullable<Text>,
        kc_client_id -> Nullable<Text>,
        kc_client_secret -> Nullable<Text>,
        kc_username -> Nullable<Text>,
        kc_password -> Nullable<Text>,
        created_at -> BigInt,
        updated_at -> BigInt,
        enabled -> Bool,
        max_meetings -> Nullable<Integer>,
        max_users -> Nullable<Integer>,
        rate_limit -> Nullable<Integer>,
        recording_retention_days -> Nullable<Integer>,
        recording_enabled -> Bool,
    }
}

diesel::table! {
    tenant_settings (id) {
        id -> Text,
        tenant_id -> Text,
        param -> Text,
        value -> Text,
        #[sql_name = "override"]
        override_ -> Bool,
    }
}

diesel::table! {
    meetings (tenant_id, meeting_id) {
        tenant_id -> Text,
        meeting_id -> Text,
        bbb_meeting_id -> Text,
        server_id -> Text,
        moderator_pw -> Nullable<Text>,
        voice_bridge -> Nullable<Text>,
        created_at -> BigInt,
    }
}

diesel::table! {
    meeting_callbacks (bbb_meeting_id) {
        bbb_meeting_id -> Text,
        tenant_id -> Text,
        recording_ready_url -> Nullable<Text>,
        analytics_callback_url -> Nullable<Text>,
        secret_fingerprint -> Nullable<Text>,
        updated_at -> BigInt,
        meeting_ended_url -> Nullable<Text>,
        end_callback_url -> Nullable<Text>,
    }
}

diesel::table! {
    callback_deliveries (id) {
        id -> Text,
        what -> Text,
        url -> Text,
        form -> Nullable<Text>,
        attempts -> Integer,
        next_attempt_at -> BigInt,
        created_at -> BigInt,
    }
}

diesel::table! {
    meeting_history (bbb_meeting_id) {
        bbb_meeting_id -> Text,
        sessions -> Integer,
        mean_peak -> Double,
        updated_at -> BigInt,
    }
}

diesel::table! {
    meeting_joins (instance_id, bbb_meeting_id, server_id) {
        instance_id -> Text,
        bbb_meeting_id -> Text,
        server_id -> Text,
        joins -> Integer,
        updated_at -> BigInt,
    }
}

diesel::table! {
    meeting_forecasts (server_id, bbb_meeting_id) {
        server_id -> Text,
        bbb_meeting_id -> Text,
        users -> Double,
        source -> Text,
        in_flight -> Integer,
        load -> Double,
        updated_at -> BigInt,
        polled_users -> Integer,
    }
}

diesel::table! {
    server_figures (server_id) {
        server_id -> Text,
        users_in_flight -> Integer,
        forecast_load -> Double,
        placement_load -> Nullable<Double>,
        updated_at -> BigInt,
    }
}

diesel::table! {
    tenant_usage (tenant_id, day) {
        tenant_id -> Text,
        day -> Text,
        meeting_ms -> BigInt,
        user_ms -> BigInt,
        peak_meetings -> Integer,
        peak_users -> Integer,
    }
}

diesel::table! {
    settings (key) {
        key -> Text,
        value -> Text,
    }
}

diesel::joinable!(tenant_settings -> tenants (tenant_id));

diesel::table! {
    recordings (record_id) {
        record_id -> Text,
        tenant_id -> Text,
        meeting_id -> Text,
        bbb_meeting_id -> Text,
        internal_meeting_id -> Nullable<Text>,
        name -> Text,
        is_breakout -> Bool,
        published -> Bool,
        protected -> Bool,
        publish_updated -> Bool,
        state -> Text,
        start_time -> BigInt,
        end_time -> BigInt,
        participants -> Nullable<Integer>,
        raw_size -> Nullable<BigInt>,
        parent_meeting_id -> Nullable<Text>,
        breakout_sequence -> Nullable<Integer>,
        breakout_rooms -> Text,
        updated_at -> BigInt,
        trashed_at -> Nullable<BigInt>,
        trashed_from -> Nullable<Text>,
    }
}

diesel::table! {
    recording_metadata (record_id, key) {
        record_id -> Text,
        key -> Text,
        value -> Text,
        /// Its recording's, kept by triggers (migration 000007).
        tenant_id -> Text,
        state -> Text,
        start_time -> BigInt,
    }
}

diesel::table! {
    recording_state_counts (tenant_id, state) {
        tenant_id -> Text,
        state -> Text,
        n -> BigInt,
    }
}

diesel::table! {
    recording_value_counts (tenant_id, key, value, state) {
        tenant_id -> Text,
        key -> Text,
        value -> Text,
        state -> Text,
        n -> BigInt,
    }
}

diesel::table! {
    playback_formats (record_id, format) {
        record_id -> Text,
        format -> Text,
        url -> Text,
        length -> Integer,
        processing_time -> Nullable<Integer>,
        size -> Nullable<BigInt>,
    }
}

diesel::table! {
    thumbnails (record_id, format, sequence) {
        record_id -> Text,
        format -> Text,
        sequence -> Integer,
        width -> Nullable<Integer>,
        height -> Nullable<Integer>,
        alt -> Text,
        url -> Text,
    }
}

diesel::table! {
    recording_tokens (token) {
        token -> Text,
        record_id -> Text,
        format -> Text,
        expires_at -> BigInt,
    }
}

diesel::table! {
    dashboard_users (name) {
        name -> Text,
        password_hash -> Text,
        role -> Text,
        created_at -> BigInt,
    }
}

diesel::table! {
    dashboard_sessions (token_hash) {
        token_hash -> Text,
        user_name -> Text,
        csrf -> Text,
        expires_at -> BigInt,
    }
}

diesel::table! {
    dashboard_sign_in_failures (name) {
        name -> Text,
        first_at -> BigInt,
        failures -> Integer,
    }
}

diesel::table! {
    server_load_samples (server_id, sampled_at) {
        server_id -> Text,
        sampled_at -> BigInt,
        load -> Nullable<Double>,
        users -> Integer,
        meetings -> Integer,
    }
}

diesel::joinable!(recording_metadata -> recordings (record_id));
diesel::joinable!(playback_formats -> recordings (record_id));

diesel::allow_tables_to_appear_in_same_query!(
    servers,
    tenants,
    tenant_settings,
    meetings,
    meeting_callbacks,
    callback_deliveries,
    meeting_history,
    meeting_joins,
    meeting_forecasts,
    server_figures,
    tenant_usage,
    settings,
    recordings,
    recording_metadata,
    recording_state_counts,
    recording_value_counts,
    playback_formats,
    thumbnails,
    recording_tokens,
    dashboard_users,
    dashboard_sessions,
    dashboard_sign_in_failures,
    server_load_samples,
);
