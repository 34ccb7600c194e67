package com.modularlabs.observability;

import static io.restassured.RestAssured.given;

import io.restassured.specification.RequestSpecification;
import org.eclipse.microprofile.config.ConfigProvider;

/** Requests to the management interface (metrics, health, OpenAPI), which listens on its own random port in tests. */
public final class Management {
    private Management() {
    }

    /** The port the management interface is bound to (the test profile asks for a free one). */
    public static int port() {
        return ConfigProvider.getConfig().getValue("quarkus.management.test-port", Integer.class);
    }

    public static RequestSpecification management() {
        return given().baseUri("http://127.0.0.1").port(port());
    }
}
