package com.modularlabs.functions;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Isolation between functions: a bounded number of calls in flight per experiment (a semaphore; no queueing, an
 * excess call is refused at once) and a circuit breaker per function (opened by consecutive failures, one trial
 * call after the open period). Hand-written rather than smallrye-fault-tolerance: the limits are per experiment
 * and per function as declared in manifests that come and go at runtime, which the annotation model does not fit.
 */
@ApplicationScoped
public class FunctionGuard {
    @Inject
    FunctionsConfig config;

    private final Map<String, Semaphore> inFlight = new ConcurrentHashMap<>();
    private final Map<String, Breaker> breakers = new ConcurrentHashMap<>();

    /** Per-function circuit state. */
    static final class Breaker {
        final AtomicInteger failures = new AtomicInteger();
        volatile long openUntil;
        final AtomicBoolean trial = new AtomicBoolean();

        boolean open() {
            return openUntil != 0;
        }
    }

    public boolean acquire(String slug) {
        return inFlight.computeIfAbsent(slug, s -> new Semaphore(config.concurrencyPerExperiment())).tryAcquire();
    }

    public void release(String slug) {
        Semaphore s = inFlight.get(slug);
        if (s != null) {
            s.release();
        }
    }

    /** Whether a call may go out now; false while the circuit is open (except one trial call after the open period). */
    public boolean allow(FunctionSpec f) {
        Breaker b = breakers.computeIfAbsent(key(f), k -> new Breaker());
        long until = b.openUntil;
        if (until == 0) {
            return true;
        }
        return System.currentTimeMillis() >= until && b.trial.compareAndSet(false, true);
    }

    public void success(FunctionSpec f) {
        Breaker b = breakers.get(key(f));
        if (b != null) {
            b.failures.set(0);
            b.openUntil = 0;
            b.trial.set(false);
        }
    }

    public void failure(FunctionSpec f) {
        Breaker b = breakers.computeIfAbsent(key(f), k -> new Breaker());
        if (b.failures.incrementAndGet() >= config.breakerFailures() || b.open()) {
            b.openUntil = System.currentTimeMillis() + config.breakerOpen().toMillis();
            b.trial.set(false);
        }
    }

    /** Seconds until an open circuit lets a trial call through (for Retry-After). */
    public long retryAfterSeconds(FunctionSpec f) {
        Breaker b = breakers.get(key(f));
        long ms = b == null ? 0 : b.openUntil - System.currentTimeMillis();
        return Math.max(1, (ms + 999) / 1000);
    }

    public long openCircuits() {
        return breakers.values().stream().filter(Breaker::open).count();
    }

    private static String key(FunctionSpec f) {
        return f.slug() + "/" + f.name();
    }
}
