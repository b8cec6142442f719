package org.refracturecds.fhirapi;

import org.refracturecds.http.HttpError;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.EncodingEnum;
import jakarta.servlet.http.HttpServletRequest;

/**
 * A POST to the FHIR face whose body is not declared FHIR (JSON or XML) is refused, 415
 * {@code PVP-H415}, as on the CDS Hooks face: HAPI would read text or a form as FHIR, and a web page
 * may post those to another site without asking it first (CORS preflight).
 */
@Interceptor
final class BodyMediaType {

    @Hook(Pointcut.SERVER_INCOMING_REQUEST_POST_PROCESSED)
    public boolean incoming(HttpServletRequest request) {
        String type = request.getContentType();
        if ("POST".equals(request.getMethod()) && (type == null || EncodingEnum.forContentType(type) == null)) {
            throw new HttpError(415, "PVP-H415", "Content-Type", (type == null ? "is missing" : "is '"
                    + HttpError.cut(type, 80) + "'") + ": send the Parameters as Content-Type: application/fhir+json");
        }
        return true;
    }
}
