package com.modularlabs.realtime;

import com.modularlabs.common.Failure;
import com.modularlabs.common.ProblemMappers;
import com.modularlabs.store.ChangeLog;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.subscription.MultiEmitter;
import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.Sse;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One open event stream: its subscriptions, the identity they were authorized for, and a bounded queue of events
 * not yet handed to the writer. The writer asks for the next event only when the previous write has completed, so
 * the queue holds what the client has not yet taken; when it is full the connection is ended ("slow-consumer")
 * instead of growing. All mutable state is guarded by this object's monitor; events are handed to the writer only
 * on the connection's own event loop ({@code writer}) and never under a lock: writing from another thread takes
 * Vert.x's connection lock, which the event loop may hold while it waits for ours (an HTTP/2 deadlock otherwise).
 */
final class Connection {
    /** A queued event and when its write was acknowledged (0 for control events), for the latency histogram. */
    private record Item(OutboundSseEvent event, long writtenAt) {
    }

    final long id;
    final String slug;
    final String user;
    final String address;
    final String token;
    final String tokenSource;
    volatile SecurityIdentity identity;
    volatile List<Subscription> subscriptions;

    private final Sse sse;
    private final int capacity;
    private final Realtime hub;
    private final ArrayDeque<Item> queue = new ArrayDeque<>();
    private MultiEmitter<? super OutboundSseEvent> emitter;
    private java.util.concurrent.Executor writer = Runnable::run;
    private boolean drainScheduled;
    private boolean closed;
    /** While a resume is replayed from the log, live entries wait here (bounded like the queue). */
    private List<ChangeLog.Entry> held;
    /** The last log entry this connection has processed (events for it queued or filtered out). */
    private long lastSeq;

    Connection(long id, String slug, String user, String address, String token, String tokenSource, SecurityIdentity identity,
            List<Subscription> subscriptions, Sse sse, int capacity, Realtime hub) {
        this.id = id;
        this.slug = slug;
        this.user = user;
        this.address = address;
        this.token = token;
        this.tokenSource = tokenSource;
        this.identity = identity;
        this.subscriptions = subscriptions;
        this.sse = sse;
        this.capacity = capacity;
        this.hub = hub;
    }

    /** {@code writer} runs tasks on the connection's event loop (tests: inline). */
    synchronized void attach(MultiEmitter<? super OutboundSseEvent> em, boolean replaying, java.util.concurrent.Executor writer) {
        this.emitter = em;
        this.writer = writer;
        this.held = replaying ? new ArrayList<>() : null;
        em.onRequest(n -> scheduleDrain());
    }

    synchronized long lastSeq() {
        return lastSeq;
    }

    synchronized boolean replaying() {
        return held != null;
    }

    /** A live log entry (called in sequence order). */
    synchronized void accept(ChangeLog.Entry e, Map<String, String> jsonCache) {
        if (closed) {
            return;
        }
        if (held != null) {
            if (held.size() >= capacity) {
                end("slow-consumer", Failure.unavailable("Too many events arrived while resuming; reconnect to resume again"));
                return;
            }
            held.add(e);
            return;
        }
        deliver(e, jsonCache);
    }

    /** Replayed entries, then the held live ones; switches to live delivery. */
    synchronized void finishReplay(List<ChangeLog.Entry> replayed, long upTo) {
        if (closed) {
            return;
        }
        for (ChangeLog.Entry e : replayed) {
            deliver(e, new java.util.HashMap<>()); // the JSON cache is per entry
        }
        lastSeq = Math.max(lastSeq, upTo);
        List<ChangeLog.Entry> live = held;
        held = null;
        for (ChangeLog.Entry e : live) {
            deliver(e, new java.util.HashMap<>());
        }
    }

    synchronized void setLastSeq(long seq) {
        lastSeq = Math.max(lastSeq, seq);
    }

    private void deliver(ChangeLog.Entry e, Map<String, String> jsonCache) {
        if (closed || (!e.late() && e.seq() <= lastSeq)) {
            return;
        }
        if (!e.late()) {
            lastSeq = e.seq();
        }
        for (Subscription s : subscriptions) {
            Subscription.Event ev = s.event(e, jsonCache);
            if (ev == null) {
                continue;
            }
            // a late entry (out of order) carries no id: the client's resume point must not move backwards
            OutboundSseEvent.Builder b = sse.newEventBuilder().name(ev.name()).data(ev.json());
            if (!e.late()) {
                b.id(Long.toString(e.seq()));
            }
            if (!offer(b.build(), e.writtenAt())) {
                return;
            }
        }
    }

    /** A control event (ready, heartbeat, reset); false when the connection is closed or was just dropped. */
    synchronized boolean control(String name, String id, String json) {
        if (closed) {
            return false;
        }
        OutboundSseEvent.Builder b = sse.newEventBuilder().name(name).data(json);
        if (id != null) {
            b.id(id);
        }
        return offer(b.build(), 0);
    }

    private boolean offer(OutboundSseEvent ev, long writtenAt) {
        if (queue.size() >= capacity) {
            end("slow-consumer", Failure.unavailable("The client did not keep up with " + capacity + " pending events; reconnect to resume"));
            return false;
        }
        queue.add(new Item(ev, writtenAt));
        scheduleDrain();
        return true;
    }

    private synchronized void scheduleDrain() {
        if (!drainScheduled && !closed && emitter != null) {
            drainScheduled = true;
            writer.execute(this::drain);
        }
    }

    /** On the writer: hands queued events over while the writer asks for more; emits outside the lock. */
    private void drain() {
        while (true) {
            Item it;
            synchronized (this) {
                if (closed || queue.isEmpty() || emitter.requested() <= 0) {
                    drainScheduled = false;
                    return;
                }
                it = queue.poll();
            }
            emitter.emit(it.event());
            hub.delivered(this, it.writtenAt());
        }
    }

    /**
     * Ends the stream with a last "end" event carrying the reason, and the status and detail of the failure as an HTTP
     * response would (the event is the stream's answer, so this writer maps the failure like the edge does); idempotent.
     */
    synchronized void end(String reason, Failure why) {
        if (closed) {
            return;
        }
        closed = true;
        int dropped = queue.size() + (held == null ? 0 : held.size());
        queue.clear();
        held = null;
        hub.ended(this, reason, dropped);
        MultiEmitter<? super OutboundSseEvent> em = emitter;
        if (em != null && !em.isCancelled()) {
            String json = "{\"reason\":" + Subscription.quote(reason) + ",\"status\":" + ProblemMappers.status(why) + ",\"detail\":" + Subscription.quote(why.getMessage()) + "}";
            OutboundSseEvent last = sse.newEventBuilder().name("end").data(json).build();
            writer.execute(() -> {
                em.emit(last);
                em.complete();
            });
        }
    }

    /** The client went away (the writer cancelled): forget the connection without an event. */
    synchronized void gone() {
        if (!closed) {
            closed = true;
            queue.clear();
            held = null;
            hub.ended(this, null, 0);
        }
    }

    synchronized boolean closed() {
        return closed;
    }
}
