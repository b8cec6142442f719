package org.refracturecds.fhirapi;

import java.io.IOException;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.eclipse.jetty.http.HttpException;
import org.refracturecds.http.HttpError;
import org.refracturecds.http.JsonBodies;

import com.fasterxml.jackson.databind.ObjectMapper;

import ca.uhn.fhir.rest.api.EncodingEnum;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;

/**
 * What HAPI's server would fail on with a 500, refused first as the face refuses any bad request
 * (an OperationOutcome with a PVP code):
 * <ul>
 * <li>a body sent to the operation that is not JSON (here only, for every call of it): a form's
 * (curl's default) would be decoded by the servlet before anything else, and a {@code %} in it
 * breaks that;</li>
 * <li>a path or query whose percent-encoding is broken ({@code %zz}) or hides a slash ({@code %2F});</li>
 * <li>a path the face does not serve, and a method the operation does not take (404, 405): HAPI
 * would refuse them too, but log a WARN line for each;</li>
 * <li>an answer asked for in RDF (Turtle) only: the face writes JSON and XML. Where the Accept
 * header also takes those, the Turtle in it is set aside;</li>
 * <li>a {@code _format} that is neither JSON nor XML, which HAPI would answer in one of them unasked.</li>
 * </ul>
 * And one thing of HAPI's answers mended: an error is written after HAPI resets the response and adds
 * back the headers it had, Jetty's {@code Date} among them, which the reset kept: the answer had two.
 */
final class FhirRequestCheck implements Filter {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> RDF = List.of("turtle", "rdf", "ttl");
    private static final Pattern METADATA = Pattern.compile("/metadata/?");
    private static final Pattern OPERATION = Pattern.compile("/Patient(/[^/]+)?/" + Pattern.quote(RiskOperation.NAME)
            + "/*");
    private static final String FORMATS = "this FHIR face answers in JSON (application/fhir+json) or XML"
            + " (application/fhir+xml) only";

    @Override
    public void doFilter(ServletRequest servletRequest, ServletResponse servletResponse, FilterChain chain)
            throws IOException, ServletException {
        HttpServletRequest request = (HttpServletRequest) servletRequest;
        try {
            check(request);
        } catch (HttpError refused) {
            if (refused.status() == 405) {
                ((HttpServletResponse) servletResponse).setHeader("Allow",
                        OperationErrors.allowed(String.valueOf(request.getPathInfo()).substring(1)));
            }
            refuse((HttpServletResponse) servletResponse, refused);
            return;
        }
        String accept = accept(request);
        chain.doFilter(rdf(accept) ? new WithoutRdf(request, withoutRdf(accept)) : request,
                new OneDate((HttpServletResponse) servletResponse));
    }

    /** Answers {@code error} as the face answers every error: an OperationOutcome with its PVP code. */
    static void refuse(HttpServletResponse response, HttpError error) throws IOException {
        byte[] body = JSON.writeValueAsBytes(error.toOperationOutcome(JSON));
        response.setStatus(error.status());
        response.setContentType("application/fhir+json");
        response.setContentLength(body.length);
        response.getOutputStream().write(body);
    }

    /** Every Accept header of the request as one value, or null when there is none. */
    private static String accept(HttpServletRequest request) {
        List<String> values = Collections.list(request.getHeaders("Accept"));
        return values.isEmpty() ? null : String.join(", ", values);
    }

    private static void check(HttpServletRequest request) {
        String path;
        try {
            path = String.valueOf(request.getPathInfo());
        } catch (RuntimeException e) {
            throw notEncoded();
        }
        served(request.getServletPath(), request.getMethod(), path);
        if (path.replaceAll("/+$", "").endsWith(RiskOperation.NAME)
                && (request.getContentLengthLong() > 0 || request.getHeader("Transfer-Encoding") != null)) {
            // A call on a Patient needs no body; one that is sent is read as FHIR JSON.
            JsonBodies.require(request.getContentType(), "send the Parameters as Content-Type: application/fhir+json");
        }
        String format;
        try {
            format = request.getParameter("_format");
        } catch (RuntimeException e) {
            if (e instanceof HttpException jetty && jetty.getCode() == 413) {
                throw new HttpError(413, "PVP-H413", null, "the body is too large");
            }
            throw notEncoded();
        }
        // HAPI answers in JSON a _format it does not know, and in XML one it knows but cannot write (ndjson).
        EncodingEnum encoding = format == null ? null : EncodingEnum.forContentType(format);
        if (format != null && (rdf(format) || encoding != EncodingEnum.JSON && encoding != EncodingEnum.XML)) {
            throw new HttpError(406, "PVP-H406", "_format", "is '" + HttpError.cut(format, 40) + "': " + FORMATS
                    + "; give _format=json or _format=xml");
        }
        String accept = accept(request);
        if (rdf(accept) && withoutRdf(accept).isEmpty()) {
            throw new HttpError(406, "PVP-H406", "Accept", "is '" + HttpError.cut(accept, 80) + "': " + FORMATS
                    + "; ask for application/fhir+json");
        }
    }

    /**
     * Refuses a path HAPI's server does not serve, or a method the operation does not take, as HAPI
     * would but in the face's words, and without its WARN line for each ("No methods exist for
     * resource: null"), which would let any client fill the log. The base ({@code /fhir/}) is named as
     * such: it serves no search, history or batch.
     *
     * @param path below the servlet, "null" at {@code /fhir}
     */
    private static void served(String servlet, String method, String path) {
        if (!FhirFace.PATH.equals(servlet) || "OPTIONS".equals(method) || METADATA.matcher(path).matches()) {
            return; // the OperationDefinition's servlet, CORS, and HAPI's CapabilityStatement (405 but for GET)
        }
        if (path.equals("null") || path.equals("/")) {
            throw new HttpError(404, "PVP-H404", "path", "nothing at /fhir/, the FHIR base: this face serves no"
                    + " search, history or batch; GET /fhir/metadata is its CapabilityStatement, and the operation is"
                    + " GET or POST /fhir/Patient/{id}/" + RiskOperation.NAME + " or POST /fhir/Patient/" + RiskOperation.NAME);
        }
        if (!OPERATION.matcher(path).matches()) {
            throw OperationErrors.notFound(path.substring(1));
        }
        if (!"GET".equals(method) && !"POST".equals(method)) {
            throw OperationErrors.notAllowed(method, path.substring(1));
        }
    }

    private static HttpError notEncoded() {
        return new HttpError(400, "PVP-H400", "path", "the path or query (or a form's body) is not percent-encoded"
                + " as it must be (a % not followed by two hexadecimal digits, or a %2F in the path): encode each"
                + " part once");
    }

    private static boolean rdf(String media) {
        String lower = media == null ? "" : media.toLowerCase(Locale.ROOT);
        return RDF.stream().anyMatch(lower::contains);
    }

    /** The media types of an Accept header but those of RDF, as one header value. */
    private static String withoutRdf(String accept) {
        return String.join(", ", Stream.of(accept.split(",")).map(String::strip)
                .filter(media -> !media.isEmpty() && !rdf(media.split(";", 2)[0])).toList());
    }

    /** The request with another Accept header. */
    /** A response whose {@code Date} header, added again, replaces the one it has. */
    private static final class OneDate extends HttpServletResponseWrapper {

        OneDate(HttpServletResponse response) {
            super(response);
        }

        @Override
        public void addHeader(String name, String value) {
            if ("date".equalsIgnoreCase(name)) {
                super.setHeader(name, value);
            } else {
                super.addHeader(name, value);
            }
        }
    }

    private static final class WithoutRdf extends HttpServletRequestWrapper {

        private final String accept;

        WithoutRdf(HttpServletRequest request, String accept) {
            super(request);
            this.accept = accept;
        }

        @Override
        public String getHeader(String name) {
            return "accept".equalsIgnoreCase(name) ? accept : super.getHeader(name);
        }

        @Override
        public Enumeration<String> getHeaders(String name) {
            return "accept".equalsIgnoreCase(name) ? Collections.enumeration(List.of(accept)) : super.getHeaders(name);
        }
    }
}
