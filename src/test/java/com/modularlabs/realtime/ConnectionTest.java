package com.modularlabs.realtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.modularlabs.store.ChangeLog;
import io.smallrye.mutiny.subscription.MultiEmitter;
import jakarta.ws.rs.sse.OutboundSseEvent;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.function.LongConsumer;
import org.bson.Document;
import org.jboss.resteasy.reactive.server.jaxrs.SseImpl;
import org.junit.jupiter.api.Test;

/** Back-pressure of one connection: events wait for the writer's demand, in a bounded queue; past it, the client is dropped. */
class ConnectionTest {
    /** An emitter whose demand the test controls (the writer's "next, please"). */
    static final class FakeEmitter implements MultiEmitter<OutboundSseEvent> {
        final List<OutboundSseEvent> emitted = new ArrayList<>();
        long requested;
        boolean completed;
        LongConsumer onRequest;

        @Override
        public MultiEmitter<OutboundSseEvent> emit(OutboundSseEvent item) {
            emitted.add(item);
            requested = Math.max(0, requested - 1);
            return this;
        }

        @Override
        public void fail(Throwable failure) {
        }

        @Override
        public void complete() {
            completed = true;
        }

        @Override
        public MultiEmitter<OutboundSseEvent> onTermination(Runnable onTermination) {
            return this;
        }

        @Override
        public boolean isCancelled() {
            return false;
        }

        @Override
        public long requested() {
            return requested;
        }

        @Override
        public MultiEmitter<OutboundSseEvent> onRequest(LongConsumer consumer) {
            onRequest = consumer;
            return this;
        }

        void request(long n) {
            requested += n;
            onRequest.accept(n);
        }
    }

    static ChangeLog.Entry insert(long seq) {
        return new ChangeLog.Entry(seq, "x", "items", "insert", seq, null, new Document("_id", seq).append("n", seq), 0, false);
    }

    static Connection connection(int capacity, FakeEmitter em) {
        Subscription s = new Subscription("0", "x", "items", null, null, new Matcher(null), Projection.ALL, null);
        Connection c = new Connection(1, "x", null, null, null, null, null, List.of(s), SseImpl.INSTANCE, capacity, new Realtime());
        c.attach(em, false, Runnable::run);
        return c;
    }

    @Test
    void eventsWaitForDemandAndArriveInOrder() {
        FakeEmitter em = new FakeEmitter();
        Connection c = connection(3, em);
        c.accept(insert(1), new HashMap<>());
        c.accept(insert(2), new HashMap<>());
        assertEquals(0, em.emitted.size(), "nothing is written before the writer asks");
        em.request(5);
        assertEquals(List.of("1", "2"), em.emitted.stream().map(OutboundSseEvent::getId).toList());
        c.accept(insert(2), new HashMap<>());
        c.accept(insert(3), new HashMap<>());
        assertEquals(List.of("1", "2", "3"), em.emitted.stream().map(OutboundSseEvent::getId).toList(), "duplicates are skipped");
    }

    @Test
    void aConsumerThatFallsBehindTheQueueIsDroppedWithAReason() {
        FakeEmitter em = new FakeEmitter();
        Connection c = connection(3, em);
        for (long i = 1; i <= 3; i++) {
            c.accept(insert(i), new HashMap<>());
        }
        assertTrue(!c.closed());
        c.accept(insert(4), new HashMap<>());
        assertTrue(c.closed());
        assertTrue(em.completed);
        assertEquals(1, em.emitted.size(), "the queued events are discarded; only the end event goes out");
        assertEquals("end", em.emitted.get(0).getName());
        assertTrue(String.valueOf(em.emitted.get(0).getData()).contains("\"reason\":\"slow-consumer\""));
        c.accept(insert(5), new HashMap<>());
        assertEquals(1, em.emitted.size(), "nothing after the end");
    }
}
