package com.modularlabs.functions;

import com.modularlabs.registry.Experiment;
import com.modularlabs.registry.RegistryChanged;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;

/**
 * labs_function_calls_total{experiment,function,outcome}, labs_function_duration_seconds (histogram),
 * labs_function_circuits_open, and the trigger gauges/counters registered by {@link TriggerService}. Tags are
 * bounded by the declared functions.
 */
@ApplicationScoped
public class FunctionMetrics {
    @Inject
    MeterRegistry registry;

    @Inject
    void gauges(MeterRegistry r, FunctionGuard guard) {
        Gauge.builder("labs.function.circuits.open", guard, FunctionGuard::openCircuits)
                .description("Function circuit breakers currently open").register(r);
    }

    /** Declared functions show up in /q/metrics (at zero) before their first call, so dashboards and alerts see them. */
    void declared(@jakarta.enterprise.event.Observes RegistryChanged changed, FunctionCatalog catalog) {
        for (Experiment e : changed.snapshot().experiments().values()) {
            for (FunctionSpec f : catalog.of(e).functions().values()) {
                calls(f, "ok");
                timer(f);
            }
        }
    }

    private Counter calls(FunctionSpec f, String outcome) {
        return Counter.builder("labs.function.calls").description("Function calls by outcome")
                .tag("experiment", f.slug()).tag("function", f.name()).tag("outcome", outcome).register(registry);
    }

    private Timer timer(FunctionSpec f) {
        return Timer.builder("labs.function.duration").description("Function call latency (engine side, including the network)")
                .tag("experiment", f.slug()).tag("function", f.name()).publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofSeconds(60))
                .register(registry);
    }

    public void record(FunctionSpec f, String outcome, long nanos) {
        calls(f, outcome).increment();
        timer(f).record(Duration.ofNanos(nanos));
    }
}
