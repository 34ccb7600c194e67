package com.modularlabs.observability;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.netty.util.concurrent.EventExecutor;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.vertx.core.Vertx;
import io.vertx.core.impl.VertxInternal;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Measures how late each Vert.x event loop runs a tiny probe task (labs_eventloop_lag_seconds{loop}) and counts
 * probes that waited longer than the blocked threshold (labs_eventloop_blocked_total{loop}). A loop that is busy
 * with bcrypt, file I/O or a big JSON document shows up here at once. The sampler is a plain daemon thread so that
 * it keeps measuring while the loops are stuck.
 */
@ApplicationScoped
public class EventLoopMonitor {
    @Inject
    Vertx vertx;
    @Inject
    MeterRegistry registry;
    @Inject
    EventLoopConfig config;

    private final List<Probe> probes = new ArrayList<>();
    private volatile Thread sampler;

    static final class Probe {
        final EventExecutor loop;
        final Timer lag;
        final Counter blocked;
        /** nanoTime when the pending probe was submitted, or 0 when none is pending. */
        final AtomicLong pendingSince = new AtomicLong();
        volatile boolean countedThisStall;

        Probe(EventExecutor loop, Timer lag, Counter blocked) {
            this.loop = loop;
            this.lag = lag;
            this.blocked = blocked;
        }
    }

    void start(@Observes StartupEvent ev) {
        int i = 0;
        for (EventExecutor loop : ((VertxInternal) vertx).getEventLoopGroup()) {
            String name = "eventloop-" + i++;
            Timer lag = Timer.builder("labs.eventloop.lag").description("Delay before an event loop runs a probe task")
                    .tag("loop", name).publishPercentiles(0.5, 0.99).publishPercentileHistogram()
                    .register(registry);
            Counter blocked = Counter.builder("labs.eventloop.blocked")
                    .description("Probes that waited longer than LABS_EVENTLOOP_BLOCKED_THRESHOLD")
                    .tag("loop", name).register(registry);
            probes.add(new Probe(loop, lag, blocked));
        }
        Thread t = new Thread(this::sample, "labs-eventloop-monitor");
        t.setDaemon(true);
        sampler = t;
        t.start();
    }

    void stop(@Observes ShutdownEvent ev) {
        Thread t = sampler;
        if (t != null) {
            t.interrupt();
        }
    }

    private void sample() {
        long interval = config.probeInterval().toNanos();
        long threshold = config.blockedThreshold().toNanos();
        while (!Thread.currentThread().isInterrupted()) {
            long now = System.nanoTime();
            for (Probe p : probes) {
                long since = p.pendingSince.get();
                if (since != 0) {
                    if (now - since > threshold && !p.countedThisStall) {
                        p.countedThisStall = true;
                        p.blocked.increment();
                    }
                    continue; // still waiting: do not pile up probes on a stuck loop
                }
                p.pendingSince.set(now);
                try {
                    p.loop.execute(() -> {
                        long submitted = p.pendingSince.getAndSet(0);
                        p.countedThisStall = false;
                        p.lag.record(System.nanoTime() - submitted, TimeUnit.NANOSECONDS);
                    });
                } catch (RuntimeException shuttingDown) {
                    return;
                }
            }
            try {
                TimeUnit.NANOSECONDS.sleep(interval);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** Blocked-loop events so far, over all loops. */
    public double blockedCount() {
        return probes.stream().mapToDouble(p -> p.blocked.count()).sum();
    }
}
