package com.modularlabs.data;

import com.modularlabs.registry.ExperimentConfigRepository;
import com.modularlabs.registry.ExperimentRegistry;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeEach;

/** Base of the data API tests: the test experiments (DataTestSupport) are registered before each test. */
abstract class DataApiTest {
    @Inject
    ExperimentConfigRepository configs;
    @Inject
    ExperimentRegistry registry;

    @BeforeEach
    void registerTestExperiments() {
        DataTestSupport.ensure(configs, registry);
    }
}
