package org.refracturecds.fhirapi;

import java.io.IOException;
import java.io.InputStream;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * The operation's OperationDefinition, as fhir-profiles/ defines it, at the id its canonical URL
 * ends with ({@value #PATH}): the CapabilityStatement names that canonical, and lists
 * OperationDefinition as read here. HAPI's server reads only the definitions it generates, which
 * have another id and no parameters (the operation reads its own request).
 */
final class OperationDefinitionServlet extends HttpServlet {

    static final String PATH = FhirFace.PATH + "/OperationDefinition/pvp-refracture-risk";
    private static final String RESOURCE = "/fhir-profiles/OperationDefinition-pvp-refracture-risk.json";

    private final byte[] definition;

    OperationDefinitionServlet() {
        try (InputStream in = OperationDefinitionServlet.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(RESOURCE + " is missing from the jar");
            }
            definition = in.readAllBytes();
        } catch (IOException e) {
            throw new IllegalStateException(RESOURCE + " cannot be read from the jar", e);
        }
    }

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        response.setContentType("application/fhir+json");
        response.setContentLength(definition.length);
        response.getOutputStream().write(definition);
    }
}
