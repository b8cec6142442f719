package org.refracturecds.fhirapi;

import java.time.Clock;
import java.util.EnumSet;
import java.util.concurrent.Semaphore;
import java.util.function.Supplier;

import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.refracturecds.engine.Assessor;
import org.refracturecds.fhirin.PvpProcedures;
import org.refracturecds.fhirin.FhirFetcher;
import org.refracturecds.http.AuditedCalls;
import org.refracturecds.http.CorsHeaders;
import org.refracturecds.http.JwtVerifier;
import org.refracturecds.http.RequestIds;
import org.refracturecds.http.ServiceConfig;
import org.refracturecds.validation.InputValidation;
import org.slf4j.MDC;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.api.EncodingEnum;
import ca.uhn.fhir.rest.server.RestfulServer;
import ca.uhn.fhir.rest.server.servlet.ServletRequestDetails;
import io.javalin.config.JavalinConfig;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.http.HttpServletRequest;

/**
 * The FHIR R4 face of the module: a HAPI RestfulServer on the host's Jetty under {@value #PATH},
 * with its CapabilityStatement ({@code GET /fhir/metadata}) and the operation
 * {@code $pvp-refracture-risk} ({@link RiskOperation}). It shares with the CDS Hooks face the
 * caller's authentication, the turns, the FHIR client, the audit trail and the metrics; every error
 * is an OperationOutcome with a PVP code ({@link OperationErrors}).
 */
public final class FhirFace {

    public static final String PATH = "/fhir";

    private final RestfulServer restful;
    private final CorsHeaders cors;

    /**
     * @param publicUrl the service's URL as callers see it (the FHIR base is it plus {@value #PATH})
     * @param token     the bearer token for the hospital's FHIR server at each call, or null for none
     * @param jwt       the callers' JWT check, null when authentication is off
     */
    public FhirFace(ServiceConfig config, Supplier<String> publicUrl, Supplier<Assessor> assessor, FhirFetcher fetcher,
                    Supplier<String> token, JwtVerifier jwt, Semaphore turns, AuditedCalls audited, Clock clock) {
        PvpProcedures pvp = new PvpProcedures(config.extraPvpCodes());
        Supplier<String> base = () -> publicUrl.get() + PATH;
        RiskOperation operation = new RiskOperation(assessor,
                new PatientAssessment(new InputValidation(InputValidation.mode(config.validation())), pvp, clock),
                new ServerData(fetcher, config.fhirServer().url(), token, pvp, config.fetchTimeoutMillis()),
                jwt, base, turns, audited);
        this.cors = new CorsHeaders(config.corsOrigins());
        this.restful = new RestfulServer(FhirContext.forR4Cached()) {
            // The request's id is the service's (RequestIds: the X-Request-ID answered, the log's and the audit
            // trail's), not one of HAPI's own, which it would answer in place of it.
            @Override
            protected String getOrCreateRequestId(HttpServletRequest request) {
                String id = MDC.get(RequestIds.MDC_KEY);
                return id != null ? id : super.getOrCreateRequestId(request);
            }

            @Override
            protected void addRequestIdToResponse(ServletRequestDetails request, String id) {
                if (MDC.get(RequestIds.MDC_KEY) == null) {
                    super.addRequestIdToResponse(request, id);
                }
            }
        };
        restful.setDefaultResponseEncoding(EncodingEnum.JSON);
        restful.setServerName("pvp-refracture-cds");
        restful.setImplementationDescription("Refracture risk of the cemented vertebra after PVP (Xiong et al. 2021):"
                + " the operation $pvp-refracture-risk");
        restful.setServerAddressStrategy((context, request) -> base.get());
        restful.registerProvider(operation);
        restful.registerInterceptor(new OperationErrors());
        restful.registerInterceptor(new Capabilities());
    }

    /**
     * Mounts the face under {@value #PATH} on the host's Jetty, beside Javalin's own servlet, with its CORS
     * and what it refuses before HAPI reads a request ({@link FhirRequestCheck}).
     */
    public void register(JavalinConfig javalin) {
        javalin.jetty.modifyServletContextHandler(context -> {
            context.addServlet(new ServletHolder("fhir", restful), PATH + "/*");
            context.addServlet(new ServletHolder("operation-definition", new OperationDefinitionServlet()),
                    OperationDefinitionServlet.ALL);
            context.addFilter(new FilterHolder(new FhirCors(cors)), PATH + "/*", EnumSet.of(DispatcherType.REQUEST));
            context.addFilter(new FilterHolder(new FhirRequestCheck()), PATH + "/*", EnumSet.of(DispatcherType.REQUEST));
        });
    }
}
