package com.modularlabs.functions;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.modularlabs.auth.TokenService;
import com.modularlabs.common.Failure;
import com.modularlabs.common.Workers;
import io.quarkus.runtime.LaunchMode;
import io.smallrye.jwt.algorithm.SignatureAlgorithm;
import io.smallrye.jwt.build.Jwt;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpTimeoutException;
import java.time.Instant;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.TimeoutException;
import org.eclipse.microprofile.config.ConfigProvider;
import org.jboss.logging.Logger;

/**
 * Calls a function: host policy (again, on the resolved addresses), concurrency limit, circuit breaker, a signed
 * assertion of who is calling, a data token for the call, timeout and body limit, and the answer's translation:
 * JSON passes through, a function's 4xx problem+json passes through, anything else is a 502 (504 on timeout,
 * 503 while the circuit is open or the experiment has too many calls in flight).
 */
@ApplicationScoped
public class FunctionService {
    private static final Logger LOG = Logger.getLogger(FunctionService.class);
    public static final String AUDIENCE_PREFIX = "labs-function:";
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Answers up to this size are checked as JSON on the event loop they arrived on (microseconds). */
    private static final int INLINE_CHECK_BYTES = 16 * 1024;

    @Inject
    FunctionsConfig config;
    @Inject
    HostPolicy hosts;
    @Inject
    FunctionGuard guard;
    @Inject
    FunctionClient client;
    @Inject
    FunctionMetrics metrics;
    @Inject
    SigningKeys keys;
    @Inject
    TokenService tokens;

    /** What a function answered, ready to be passed to the client. */
    public record Result(int status, String contentType, byte[] body) {
    }

    /**
     * @param extra extra headers (trigger name, delivery id)
     */
    public Uni<Result> invoke(FunctionSpec f, byte[] body, Caller caller, Map<String, String> extra) {
        long start = System.nanoTime();
        if (body.length > f.maxBodyBytes()) {
            metrics.record(f, "too_large", System.nanoTime() - start);
            return Uni.createFrom().failure(Failure.tooLarge("The body is larger than function '" + f.name()
                    + "' accepts (" + f.maxBodyBytes() + " bytes)"));
        }
        URI uri = f.resolve(baseUrl(f.slug()));
        if (uri == null) {
            metrics.record(f, "unavailable", System.nanoTime() - start);
            return Uni.createFrom().failure(Failure.unavailable("Function '" + f.name()
                    + "' has a relative URL and the operator set no base URL for experiment '" + f.slug() + "'"));
        }
        String refused = hosts.checkUrl(uri);
        if (refused != null) {
            metrics.record(f, "refused_host", System.nanoTime() - start);
            return Uni.createFrom().failure(badGateway(f, "its URL is refused: " + refused));
        }
        if (!guard.acquire(f.slug())) {
            metrics.record(f, "overloaded", System.nanoTime() - start);
            return Uni.createFrom().failure(Failure.unavailable("Too many function calls in flight for experiment '"
                    + f.slug() + "'; retry shortly").retryAfter(1));
        }
        if (!guard.allow(f)) {
            guard.release(f.slug());
            metrics.record(f, "circuit_open", System.nanoTime() - start);
            return Uni.createFrom().failure(Failure.unavailable("Function '" + f.name()
                    + "' is failing; calls are paused").retryAfter(guard.retryAfterSeconds(f)));
        }
        return keys.current().chain(key -> {
            Credentials fresh = hosts.passedRecently(uri) ? reusable(f, caller, key) : null;
            if (fresh != null) {
                return Uni.createFrom().item(headers(f, extra, fresh)); // nothing blocking left: no worker hop
            }
            return Workers.run(() -> {
                hosts.checkResolved(uri); // DNS: blocking, so on a worker
                return headers(f, extra, credentials(f, caller, key)); // signing: ~0.5 ms of CPU
            });
        }).onFailure(HostPolicy.Refused.class).transform(t -> {
            guard.failure(f);
            return badGateway(f, "its URL is refused: " + t.getMessage());
        }).chain(headers -> Uni.createFrom().completionStage(() -> client.post(uri, body, headers, f.timeout(), f.maxBodyBytes())))
                // the answer arrives on an event loop: checking a large one as JSON is work for a worker
                .chain(a -> a.body() != null && a.body().length > INLINE_CHECK_BYTES ? Workers.run(() -> classify(f, a, start))
                        : Uni.createFrom().item(() -> classify(f, a, start)))
                .onFailure(t -> !(t instanceof Failure)).transform(t -> failed(f, t, start))
                .onTermination().invoke(() -> guard.release(f.slug()));
    }

    private Map<String, String> headers(FunctionSpec f, Map<String, String> extra, Credentials c) {
        Map<String, String> headers = new HashMap<>(extra);
        headers.put("Authorization", "Bearer " + c.assertion());
        headers.put("X-Labs-Data-Token", c.dataToken());
        headers.put("X-Labs-Api", engineUrl() + "/experiments/" + f.slug() + "/api");
        headers.put("X-Labs-Request-Id", c.jti() + "." + c.calls().incrementAndGet());
        return headers;
    }

    /** True for the refusals that happen before any request is sent (open circuit, too many calls in flight). */
    public static boolean notCalled(Throwable t) {
        return t instanceof Failure p && p.kind() == Failure.Kind.UNAVAILABLE && p.retryAfterSeconds() != null;
    }

    private Result classify(FunctionSpec f, FunctionClient.Answer a, long start) {
        String type = a.contentType().toLowerCase(Locale.ROOT);
        if (a.body() == null) {
            throw failure(f, start, "too_large", badGateway(f, "its answer is larger than " + f.maxBodyBytes() + " bytes"));
        }
        if (a.status() >= 200 && a.status() < 300) {
            if (a.status() == 204 && a.body().length == 0) {
                return success(f, start, "ok", new Result(204, null, a.body()));
            }
            if (type.startsWith("application/json") && isJson(a.body())) {
                return success(f, start, "ok", new Result(a.status(), "application/json", a.body()));
            }
            throw failure(f, start, "bad_answer", badGateway(f, "it answered something other than JSON"));
        }
        if (a.status() >= 400 && a.status() < 500 && type.startsWith("application/problem+json") && isJson(a.body())) {
            // the function refused the request: its problem goes to the client; the function itself is healthy
            return success(f, start, "refused", new Result(a.status(), "application/problem+json", a.body()));
        }
        throw failure(f, start, "error", badGateway(f, "it answered HTTP " + a.status()));
    }

    private Result success(FunctionSpec f, long start, String outcome, Result r) {
        guard.success(f);
        metrics.record(f, outcome, System.nanoTime() - start);
        return r;
    }

    private Failure failure(FunctionSpec f, long start, String outcome, Failure p) {
        guard.failure(f);
        metrics.record(f, outcome, System.nanoTime() - start);
        return p;
    }

    private Failure failed(FunctionSpec f, Throwable t, long start) {
        Throwable c = t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
        if (c instanceof HttpTimeoutException || c instanceof TimeoutException) {
            return failure(f, start, "timeout", Failure.timedOut(
                    "Function '" + f.name() + "' did not answer within " + f.timeout().toMillis() + " ms"));
        }
        if (c instanceof FunctionClient.TooLarge) {
            return failure(f, start, "too_large", badGateway(f, "its answer is larger than " + f.maxBodyBytes() + " bytes"));
        }
        if (c instanceof ConnectException) {
            return failure(f, start, "unreachable", badGateway(f, "it is unreachable"));
        }
        LOG.debugf("Function %s/%s failed: %s", f.slug(), f.name(), c.toString());
        return failure(f, start, "error", badGateway(f, "the call failed (" + c.getClass().getSimpleName() + ")"));
    }

    private static Failure badGateway(FunctionSpec f, String why) {
        return Failure.upstreamFailed("Function '" + f.name() + "' failed: " + why);
    }

    private static boolean isJson(byte[] body) {
        try (var p = JSON.getFactory().createParser(body)) {
            while (p.nextToken() != null) {
                // a full pass: truncated or trailing garbage is not JSON
            }
            return true;
        } catch (java.io.IOException e) {
            return false;
        }
    }

    /**
     * A signed assertion and its data token, shared by one caller's calls of one function for a short while
     * ({@link FunctionsConfig#assertionReuse()}): each call's request id is {@code <jti>.<n>}, so it names the
     * assertion it came with.
     */
    record Credentials(String jti, String assertion, String dataToken, long reuseUntil, AtomicLong calls) {
    }

    private record CredentialKey(String kid, String slug, String function, Caller caller) {
    }

    /** Bounded: a flood of distinct callers costs signatures, not memory. */
    private static final int MAX_CREDENTIALS = 10_000;
    private final Map<CredentialKey, Credentials> credentials = new ConcurrentHashMap<>();

    /** The credentials for a call: reused while fresh (always at least half the token lifetime left), else signed now. */
    Credentials credentials(FunctionSpec f, Caller caller, SigningKeys.Key key) {
        Credentials c = reusable(f, caller, key);
        if (c != null) {
            return c;
        }
        long reuse = reuseMillis();
        long now = System.currentTimeMillis();
        CredentialKey k = new CredentialKey(key.kid(), f.slug(), f.name(), caller);
        String jti = UUID.randomUUID().toString();
        c = new Credentials(jti, assertion(f, caller, jti, key), tokens.issueFunctionToken(caller.userId(), f.slug(), jti,
                config.tokenLifetime()), now + reuse, new AtomicLong());
        if (reuse > 0) {
            if (credentials.size() >= MAX_CREDENTIALS) {
                credentials.clear();
            }
            credentials.put(k, c);
        }
        return c;
    }

    /** Cached credentials still inside their reuse window, else null. */
    private Credentials reusable(FunctionSpec f, Caller caller, SigningKeys.Key key) {
        if (reuseMillis() <= 0) {
            return null;
        }
        Credentials c = credentials.get(new CredentialKey(key.kid(), f.slug(), f.name(), caller));
        return c != null && System.currentTimeMillis() < c.reuseUntil() ? c : null;
    }

    private long reuseMillis() {
        return Math.min(config.assertionReuse().toMillis(), config.tokenLifetime().toMillis() / 2);
    }

    /** The signed assertion: who calls (stable id, roles), which experiment and function; jti prefixes the request ids. */
    String assertion(FunctionSpec f, Caller caller, String jti, SigningKeys.Key key) {
        Instant now = Instant.now();
        var b = Jwt.issuer(TokenService.ISSUER).audience(AUDIENCE_PREFIX + f.slug() + "/" + f.name())
                .subject(caller.userId() == null ? "anonymous" : caller.userId()).issuedAt(now)
                .expiresAt(now.plus(config.tokenLifetime())).claim("jti", jti)
                .claim("experiment", f.slug()).claim("function", f.name())
                .claim("roles", caller.roles()).claim("anonymous", caller.userId() == null)
                .claim("api", engineUrl() + "/experiments/" + f.slug() + "/api"); // signed: where the data token may be sent
        if (caller.email() != null) {
            b.claim("email", caller.email());
        }
        return b.jws().keyId(key.kid()).algorithm(SignatureAlgorithm.ES256).sign(key.privateKey());
    }

    private String baseUrl(String slug) {
        for (String entry : config.baseUrls().orElse(java.util.List.of())) {
            int eq = entry.indexOf('=');
            if (eq > 0 && entry.substring(0, eq).trim().equals(slug)) {
                return entry.substring(eq + 1).trim();
            }
        }
        return null;
    }

    private volatile String engineUrl;

    /** Where functions reach the data API: configured, else this instance on loopback (the bound port, also in tests). */
    String engineUrl() {
        String u = engineUrl;
        if (u == null) {
            u = config.engineUrl().filter(s -> !s.isBlank()).map(s -> s.endsWith("/") ? s.substring(0, s.length() - 1) : s)
                    .orElseGet(() -> {
                        String prop = LaunchMode.current() == LaunchMode.TEST ? "quarkus.http.test-port" : "quarkus.http.port";
                        String port = System.getProperty(prop, ConfigProvider.getConfig().getOptionalValue(prop, String.class).orElse("8080"));
                        return "http://127.0.0.1:" + port;
                    });
            engineUrl = u;
        }
        return u;
    }
}
