package org.refracturecds.fhirapi;

import org.hl7.fhir.r4.model.OperationOutcome;
import org.refracturecds.http.HttpError;
import org.refracturecds.http.JettyErrors;
import org.refracturecds.http.RequestIds;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;
import ca.uhn.fhir.rest.server.exceptions.UnclassifiedServerFailureException;

/**
 * Every error of the FHIR face as the CDS Hooks service writes it: an OperationOutcome whose
 * {@code details.coding} holds the PVP code, never a stack trace or a Java class name. The face's
 * own errors keep their code; HAPI's (an unknown resource type or operation, a method not served)
 * get the host's codes for the same status; anything else is a 500 naming its request id.
 */
@Interceptor
final class OperationErrors {

    private static final Logger LOG = LoggerFactory.getLogger(OperationErrors.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    @Hook(Pointcut.SERVER_PRE_PROCESS_OUTGOING_EXCEPTION)
    public BaseServerResponseException outgoing(RequestDetails request, Throwable thrown) {
        HttpError error = error(request, thrown);
        BaseServerResponseException answer = new UnclassifiedServerFailureException(error.status(), error.render(),
                outcome(error));
        if (error.status() == 401) {
            answer.addResponseHeader("WWW-Authenticate", "Bearer");
        }
        if (error.status() == 405) {
            answer.addResponseHeader("Allow", allowed(String.valueOf(request.getRequestPath())));
        }
        return answer;
    }

    private static HttpError error(RequestDetails request, Throwable thrown) {
        // HAPI wraps what a provider throws (in an InvocationTargetException in an InternalErrorException).
        for (Throwable cause = thrown; cause != null; cause = cause.getCause()) {
            if (cause instanceof HttpError error) {
                return error;
            }
        }
        if (thrown instanceof BaseServerResponseException hapi && hapi.getStatusCode() < 500) {
            String message = String.valueOf(hapi.getMessage()).replaceFirst("^HAPI-\\d+: ", "");
            String path = HttpError.cut(request.getRequestPath(), 80);
            // HAPI answers a path it has no provider for (GET Patient/p1), or a method the operation does not take
            // (DELETE on it), with 400 "... does not know how to handle".
            boolean unhandled = hapi.getStatusCode() == 400 && message.contains("does not know how to handle");
            int status = !unhandled ? hapi.getStatusCode() : path.endsWith(RiskOperation.NAME) ? 405 : 404;
            return switch (status) {
                // HAPI's own words ("Server knows how to handle: [...]") list its internals, not this face.
                case 404 -> notFound(path);
                case 405 -> notAllowed(String.valueOf(request.getRequestType()), path);
                default -> new HttpError(hapi.getStatusCode(), "PVP-H400", null, HttpError.cut(message, 300)
                        + "; GET /fhir/metadata lists what this FHIR face serves");
            };
        }
        // The request id is on this log line (MDC) and in the answer: the operator finds one from the other.
        String id = MDC.get(RequestIds.MDC_KEY);
        Throwable cause = thrown;
        while (cause.getCause() != null && (cause instanceof BaseServerResponseException
                || cause instanceof java.lang.reflect.InvocationTargetException)) {
            cause = cause.getCause();
        }
        LOG.error("internal error in request {} on the FHIR face: {}", id, cause.getClass().getName());
        LOG.debug("internal error in request " + id, cause);
        return JettyErrors.internal(500, id);
    }

    /** @param path below /fhir/, as HAPI has it: {@code Patient/p1} */
    static HttpError notFound(String path) {
        return new HttpError(404, "PVP-H404", "path", "nothing at /fhir/" + HttpError.cut(path, 80)
                + ": GET /fhir/metadata lists what this FHIR face serves");
    }

    /** @param path below /fhir/, as HAPI has it: {@code Patient/p1/$pvp-refracture-risk} */
    static HttpError notAllowed(String method, String path) {
        return new HttpError(405, "PVP-H405", "method", HttpError.cut(method, 20) + " is not served on /fhir/"
                + HttpError.cut(path, 80) + switch (allowed(path)) {
                    case "GET" -> ": GET only";
                    case "POST" -> ": at type level the operation takes POST (its findings are a Bundle in the body)";
                    default -> ": the operation takes GET or POST";
                });
    }

    /**
     * The methods a path below /fhir/ takes, for the Allow header: the operation on a Patient GET and
     * POST, at type level POST (a Bundle of findings is no URL's), anything else GET.
     */
    static String allowed(String path) {
        String operation = path.replaceFirst("/+$", "");
        return !operation.endsWith(RiskOperation.NAME) ? "GET" : operation.equals("Patient/" + RiskOperation.NAME) ? "POST"
                : "GET, POST";
    }

    private static OperationOutcome outcome(HttpError error) {
        try {
            return FhirContext.forR4Cached().newJsonParser().parseResource(OperationOutcome.class,
                    JSON.writeValueAsString(error.toOperationOutcome(JSON)));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("an OperationOutcome that cannot be written", e);
        }
    }
}
