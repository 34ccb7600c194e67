package com.modularlabs.store;

import java.nio.file.Path;

/** Child-process entry of the crash tests and the faults bench: serves the embedded store until killed. */
public final class EmbeddedStoreMain {
    private EmbeddedStoreMain() {
    }

    /** Args: data folder, port, durability (commit, fsync, delayed). Prints READY once it accepts connections. */
    public static void main(String[] args) throws Exception {
        EmbeddedMongo.open(Path.of(args[0]), Integer.parseInt(args[1]), args[2]);
        System.out.println("READY");
        System.out.flush();
        Thread.currentThread().join();
    }
}
