package org.refracturecds.fhirapi;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

import org.refracturecds.http.HttpError;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.parser.IParser;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * The operation's OperationDefinition, as fhir-profiles/ defines it, at the id its canonical URL
 * ends with ({@value #PATH}): the CapabilityStatement names that canonical, and lists
 * OperationDefinition as read here. In JSON, or in XML when asked (_format, or an Accept header
 * that names XML and not JSON), as the rest of the face answers. Every other path under
 * {@value #ALL} is a 404 that names it: HAPI's server would read there the definition it generates
 * ({@code Patient-it-pvp-refracture-risk}), which has no parameters (the operation reads its own
 * request), a second and wrong definition of the same operation.
 */
final class OperationDefinitionServlet extends HttpServlet {

    static final String PATH = FhirFace.PATH + "/OperationDefinition/pvp-refracture-risk";
    static final String ALL = FhirFace.PATH + "/OperationDefinition/*";
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
    protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException,
            ServletException {
        String path = request.getServletPath() + (request.getPathInfo() == null ? "" : request.getPathInfo());
        if (!path.equals(PATH)) {
            FhirRequestCheck.refuse(response, new HttpError(404, "PVP-H404", "path", "nothing at "
                    + HttpError.cut(path, 120) + ": the operation's definition is read at " + PATH));
            return;
        }
        if (!"GET".equals(request.getMethod()) && !"HEAD".equals(request.getMethod())) {
            response.setHeader("Allow", "GET, HEAD");
            FhirRequestCheck.refuse(response, new HttpError(405, "PVP-H405", "method", HttpError.cut(request.getMethod(), 20)
                    + " is not served on " + PATH + ": GET only"));
            return;
        }
        super.service(request, response);
    }

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        if (asksXml(request)) {
            IParser xml = FhirContext.forR4Cached().newXmlParser();
            String text = xml.encodeResourceToString(FhirContext.forR4Cached().newJsonParser().parseResource(
                    new String(definition, StandardCharsets.UTF_8)));
            write(response, 200, "application/fhir+xml", text.getBytes(StandardCharsets.UTF_8));
        } else {
            write(response, 200, "application/fhir+json", definition);
        }
    }

    /** XML asked for by _format, or by an Accept header that names XML and not JSON. */
    private static boolean asksXml(HttpServletRequest request) {
        String format = String.valueOf(request.getParameter("_format")).toLowerCase(Locale.ROOT);
        String accept = String.valueOf(request.getHeader("Accept")).toLowerCase(Locale.ROOT);
        return format.contains("xml") || !format.contains("json") && accept.contains("xml") && !accept.contains("json");
    }

    private static void write(HttpServletResponse response, int status, String type, byte[] body) throws IOException {
        response.setStatus(status);
        response.setContentType(type);
        response.setContentLength(body.length);
        response.getOutputStream().write(body);
    }
}
