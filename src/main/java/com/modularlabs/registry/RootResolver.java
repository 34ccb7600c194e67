package com.modularlabs.registry;

import io.smallrye.mutiny.Uni;
import java.nio.file.Path;
import org.bson.Document;

/**
 * Where an experiment's files (static/, seed/) live. The default is experiments/&lt;slug&gt;; the bundle feature
 * replaces it with an unpacked copy of the stored bundle when the config names one.
 */
public interface RootResolver {
    Uni<Path> resolve(String slug, Document config);
}
