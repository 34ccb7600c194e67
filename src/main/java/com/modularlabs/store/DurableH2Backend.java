package com.modularlabs.store;

import de.bwaldvogel.mongo.backend.h2.H2Backend;
import de.bwaldvogel.mongo.bson.Document;
import io.netty.channel.Channel;
import java.util.Set;
import org.h2.mvstore.MVStore;

/**
 * mongo-java-server's H2 backend commits its MVStore about once a second, so a killed process loses the last
 * second of acknowledged writes. This one commits before the reply of every command that changed something (a
 * group commit: one commit covers every change made since the last, from any connection), so an acknowledged write
 * is in the data file and survives SIGKILL; with {@code fsync} it is also forced to the disk (survives power loss).
 */
final class DurableH2Backend extends H2Backend {
    private final MVStore store;
    private final boolean fsync;

    DurableH2Backend(MVStore store, boolean fsync) {
        super(store);
        this.store = store;
        this.fsync = fsync;
    }

    /** Commands that never change data: no commit before their reply. Anything else (aggregate may $out) commits. */
    private static final Set<String> READS = Set.of("find", "getMore", "getmore", "count", "distinct", "listCollections",
            "listIndexes", "listDatabases", "hello", "isMaster", "ismaster", "ping", "buildInfo", "buildinfo",
            "serverStatus", "killCursors", "endSessions", "getParameter", "connectionStatus", "dbStats", "collStats",
            "whatsmyuri", "getLog", "getLastError", "getlasterror");

    @Override
    public Document handleCommand(Channel channel, String database, String command, Document query) {
        try {
            return super.handleCommand(channel, database, command, query);
        } finally {
            // also after a failed command: an unordered insertMany may have written part of its documents
            if (!READS.contains(command)) {
                durable();
            }
        }
    }

    /**
     * Not "if (store.hasUnsavedChanges()) commit()": while another thread's commit is storing, the version counter
     * has already moved on and hasUnsavedChanges() says false for a change that commit has not written yet, so the
     * reply went out before the write was in the file (EmbeddedStoreCrashTest lost 1 of 401 under load). commit()
     * waits for a store in progress, then writes whatever is still unsaved.
     */
    private void durable() {
        store.commit();
        if (fsync) {
            store.sync();
        }
    }
}
