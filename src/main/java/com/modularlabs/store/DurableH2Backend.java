package com.modularlabs.store;

import de.bwaldvogel.mongo.backend.h2.H2Backend;
import de.bwaldvogel.mongo.bson.Document;
import io.netty.channel.Channel;
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

    @Override
    public Document handleCommand(Channel channel, String database, String command, Document query) {
        try {
            return super.handleCommand(channel, database, command, query);
        } finally {
            // also after a failed command: an unordered insertMany may have written part of its documents
            if (store.hasUnsavedChanges()) {
                store.commit();
                if (fsync) {
                    store.sync();
                }
            }
        }
    }
}
