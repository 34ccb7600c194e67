package com.modularlabs.auth;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.Optional;

/** labs.auth.* (application.properties "Auth (issue 3)"; env vars in the README). */
@ConfigMapping(prefix = "labs.auth")
public interface AuthConfig {
    @WithDefault("admin@example.com")
    String adminEmail();

    /** ADMIN_PASSWORD; empty: a random one is generated when no admin exists. */
    Optional<String> adminPassword();

    /**
     * ADMIN_PASSWORD_RESET=true: at startup, set ADMIN_EMAIL's password to ADMIN_PASSWORD (creating the admin, or
     * making the account an admin again) even though admins exist: the recovery of a lost admin password.
     */
    @WithDefault("false")
    boolean adminPasswordReset();

    /** LABS_TOKEN_SECRET (>= 32 bytes); empty: generated once and kept in labs_settings. */
    Optional<String> tokenSecret();

    @WithDefault("false")
    boolean registrationEnabled();

    @WithDefault("12")
    int bcryptCost();

    /** LABS_AUTH_BCRYPT_THREADS: size of the dedicated bcrypt pool; unset: the number of cores. */
    Optional<Integer> bcryptThreads();

    @WithDefault("15M")
    Duration tokenLifetime();

    @WithDefault("8H")
    Duration sessionLifetime();

    @WithDefault("labs_session")
    String cookieName();

    /** auto, true or false. */
    @WithDefault("auto")
    String cookieSecure();

    @WithDefault("5")
    int loginMaxFailures();

    @WithDefault("5M")
    Duration loginFailureWindow();

    /** Attempts per account (any client address) within the failure window before exponential backoff starts. */
    @WithDefault("20")
    int loginAccountMaxFailures();

    /** First wait of the per-account backoff; it doubles with every further attempt. */
    @WithDefault("1S")
    Duration loginBackoffInitial();

    /** Longest wait the per-account backoff imposes. */
    @WithDefault("15M")
    Duration loginBackoffMax();

    /** LABS_TRUST_PROXY: honour X-Forwarded-For/-Proto, but only from a peer in trustedProxies. */
    @WithDefault("false")
    boolean trustProxy();

    /** LABS_TRUSTED_PROXIES: addresses or CIDR ranges of the reverse proxies (ingress) in front of the service. */
    @WithDefault("127.0.0.1")
    java.util.List<String> trustedProxies();

    /** LABS_PUBLIC_BASE_URL: when it starts with https, cookies get Secure and responses HSTS whatever the hop. */
    Optional<String> publicBaseUrl();

    /** HSTS max-age sent on HTTPS responses (0: no header). */
    @WithDefault("365D")
    Duration hstsMaxAge();

    /** Lifetime of an admin-issued invite link. */
    @WithDefault("7D")
    Duration inviteLifetime();
}
