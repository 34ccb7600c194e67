package com.modularlabs.registry;

import com.modularlabs.common.FieldError;
import java.util.List;
import java.util.Set;
import org.bson.Document;

/**
 * Checks a manifest's named query at load (implemented by the data package, which runs the queries and so knows
 * which stages and references are safe), so the registry refuses a bad pipeline without depending on data.
 */
public interface QueryCheck {
    /**
     * @param ownCollections the experiment's declared collections
     * @param dataScope the experiments it may read (itself first)
     * @return errors under {@code $.queries.<name>}; empty when the query may be stored
     */
    List<FieldError> check(String slug, String name, List<?> pipeline, Document params, Set<String> ownCollections,
            List<String> dataScope);
}
