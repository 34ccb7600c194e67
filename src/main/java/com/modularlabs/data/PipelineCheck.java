package com.modularlabs.data;

import com.modularlabs.common.FieldError;
import com.modularlabs.registry.QueryCheck;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.List;
import java.util.Set;
import org.bson.Document;

/** The registry's query check at manifest load: {@link Pipelines#validate} within the configured stage limit. */
@ApplicationScoped
public class PipelineCheck implements QueryCheck {
    @Inject
    DataConfig config;

    @Override
    public List<FieldError> check(String slug, String name, List<?> pipeline, Document params, Set<String> ownCollections,
            List<String> dataScope) {
        return Pipelines.validate(slug, name, pipeline, params, ownCollections, dataScope, config.pipelineStages());
    }
}
