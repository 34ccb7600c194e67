package com.modularlabs.common;

import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.vertx.core.Context;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;

/**
 * The one way to run blocking work (file I/O, bcrypt, ZIP, large JSON) from reactive code: on the worker pool,
 * never on an event loop.
 */
public final class Workers {
    private Workers() {
    }

    public static <T> Uni<T> run(Callable<T> work) {
        return run(Infrastructure.getDefaultWorkerPool(), work);
    }

    /** The same on a dedicated pool (e.g. bcrypt's, sized to the cores so a login storm cannot starve the event loops). */
    public static <T> Uni<T> run(Executor pool, Callable<T> work) {
        return Uni.createFrom().item(() -> {
            try {
                return work.call();
            } catch (RuntimeException e) {
                throw e;
            } catch (Exception e) {
                throw new CompletionException(e);
            }
        }).runSubscriptionOn(pool);
    }

    /** Guard for CPU- or I/O-heavy code: fails loudly if someone calls it on an event loop. */
    public static void assertNotOnEventLoop(String what) {
        if (Context.isOnEventLoopThread()) {
            throw new IllegalStateException(what + " must not run on an event loop thread ("
                    + Thread.currentThread().getName() + ")");
        }
    }
}
