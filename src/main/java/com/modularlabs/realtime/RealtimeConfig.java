package com.modularlabs.realtime;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** Limits of realtime subscriptions (docs/realtime.md). */
@ConfigMapping(prefix = "labs.realtime")
public interface RealtimeConfig {
    /** Subscriptions one connection may carry. */
    @WithDefault("10")
    int maxSubscriptionsPerConnection();

    /** Open connections per logged-in user (all experiments, this replica). */
    @WithDefault("20")
    int maxConnectionsPerUser();

    /** Open connections per client address (this replica; behind a proxy set LABS_TRUST_PROXY). */
    @WithDefault("100")
    int maxConnectionsPerAddress();

    /** Events waiting to be written to one connection; a consumer that falls further behind is dropped. */
    @WithDefault("500")
    int queueEvents();

    /** A heartbeat event this often keeps proxies from closing idle connections and advances the resume point. */
    @WithDefault("20s")
    Duration heartbeat();

    /** Each connection's identity is re-checked this often (token expiry), besides at once on user or grant changes. */
    @WithDefault("30s")
    Duration revalidate();

    /** Most missed events replayed on resume; further behind, the client is told to reload (event "reset"). */
    @WithDefault("5000")
    int replayMax();
}
