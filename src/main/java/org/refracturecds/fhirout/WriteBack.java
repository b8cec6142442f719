package org.refracturecds.fhirout;

import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.URLEncoder;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;

import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.RiskAssessment;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.parser.DataFormatException;
import ca.uhn.fhir.parser.IParser;
import ca.uhn.fhir.rest.api.MethodOutcome;
import ca.uhn.fhir.rest.client.api.IGenericClient;
import ca.uhn.fhir.rest.client.exceptions.FhirClientConnectionException;
import ca.uhn.fhir.rest.client.exceptions.NonFhirResponseException;
import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;

/**
 * Writes a RiskAssessment back to a FHIR server by a conditional update on its stable identifier,
 * {@code PUT RiskAssessment?identifier=system|value}, so that each (patient, levels, model) has one
 * resource there: the first write creates it, a different assessment replaces it (a new version),
 * and an identical one changes nothing.
 *
 * <p>"Identical" is decided here, not left to the server: the stored resource is read first
 * ({@code GET RiskAssessment?identifier=...}, not from a cache) and compared with the new one
 * ignoring {@code id}, {@code meta} and {@code occurrence} (when it was computed, which differs on
 * every run); when they are equal nothing is written, so no new version appears. A server's own
 * no-op detection would not do, since the occurrence always differs. Two RiskAssessments already
 * on the server with the same identifier are an error the server's administrator has to resolve.
 *
 * <p>The identifier is the one whose system is {@link #IDENTIFIER_SYSTEM} ({@link AssessmentIdentity});
 * the resource passed in is not changed.
 */
public final class WriteBack {

    /** The identifier system of the module's RiskAssessments. */
    public static final String IDENTIFIER_SYSTEM = AssessmentIdentity.SYSTEM;

    /** What a write did on the server. */
    public enum Outcome {
        CREATED, UPDATED, UNCHANGED;

        /** "created", "updated", "unchanged". */
        public String word() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /**
     * One write: what it did and the resource's id on the server with its version
     * ({@code RiskAssessment/12/_history/3}), when the server says.
     */
    public record Written(Outcome outcome, String id) {
    }

    /**
     * A write that failed, in words (never a Java class name), with the HTTP status when the server
     * answered (0 when it did not). {@link #retryable()} says whether the same write may succeed later.
     */
    public static final class Failed extends Exception {
        private final int status;
        private final boolean retryable;

        Failed(String message, int status, boolean retryable) {
            super(message);
            this.status = status;
            this.retryable = retryable;
        }

        public int status() {
            return status;
        }

        /** True when the server was down, slow, overloaded or failing (no connection, a timeout, 429, 5xx). */
        public boolean retryable() {
            return retryable;
        }
    }

    private final FhirContext fhir;

    /** Safe to share between threads. */
    public WriteBack(FhirContext fhir) {
        this.fhir = fhir;
    }

    /**
     * Creates, replaces or leaves the server's RiskAssessment with {@code risk}'s identifier.
     *
     * @param client a client on the server's base, with any authentication it needs registered
     * @throws IllegalArgumentException when {@code risk} has no identifier of {@link #IDENTIFIER_SYSTEM}
     */
    public Written write(IGenericClient client, RiskAssessment risk) throws Failed {
        Identifier identifier = risk.getIdentifier().stream().filter(i -> IDENTIFIER_SYSTEM.equals(i.getSystem()))
                .findFirst().orElseThrow(() -> new IllegalArgumentException("no identifier of " + IDENTIFIER_SYSTEM));
        String search = "RiskAssessment?identifier=" + URLEncoder.encode(AssessmentIdentity.search(identifier),
                StandardCharsets.UTF_8);
        String what = "RiskAssessment " + identifier.getValue();
        try {
            Bundle stored = client.search().byUrl(search).returnBundle(Bundle.class)
                    .withAdditionalHeader("Cache-Control", "no-cache").execute();
            long matches = stored.getEntry().stream().filter(e -> e.getResource() instanceof RiskAssessment).count();
            if (matches > 1) {
                throw new Failed(what + ": the FHIR server holds " + matches + " RiskAssessments with this identifier;"
                        + " delete all but one there, then write again", 0, false);
            }
            if (matches == 1) {
                RiskAssessment there = (RiskAssessment) stored.getEntry().stream()
                        .filter(e -> e.getResource() instanceof RiskAssessment).findFirst().orElseThrow().getResource();
                if (content(there).equals(content(risk))) {
                    return new Written(Outcome.UNCHANGED, there.getIdElement().toUnqualified().getValue());
                }
            }
            RiskAssessment sent = risk.copy();
            sent.setId((String) null);
            MethodOutcome outcome = client.update().resource(sent).conditionalByUrl(search).execute();
            String id = outcome.getId() == null ? null : outcome.getId().toUnqualified().getValue();
            return new Written(Boolean.TRUE.equals(outcome.getCreated()) ? Outcome.CREATED : Outcome.UPDATED, id);
        } catch (FhirClientConnectionException e) {
            throw unreachable(what, e.getCause());
        } catch (NonFhirResponseException e) {
            throw new Failed(what + ": the FHIR server answered HTTP " + e.getStatusCode() + " with something that is"
                    + " not FHIR; is the base URL that of a FHIR server?", e.getStatusCode(), e.getStatusCode() >= 500);
        } catch (BaseServerResponseException e) {
            int status = e.getStatusCode();
            String why = switch (status) {
                case 401, 403 -> " (the credentials were refused: check the token and that it may write RiskAssessments)";
                case 412 -> " (more than one RiskAssessment has this identifier: delete all but one there)";
                case 405, 501 -> " (the server does not allow updating RiskAssessments by identifier)";
                default -> status >= 500 || status == 429 ? " (try again later)" : "";
            };
            throw new Failed(what + ": the FHIR server answered HTTP " + status + why, status,
                    status >= 500 || status == 429);
        } catch (DataFormatException e) {
            throw new Failed(what + ": the FHIR server's answer is not FHIR R4 JSON or XML that can be read", 0, false);
        }
    }

    /** The resource as JSON without id, meta and occurrence, after the same round trip the server's copy had. */
    private String content(RiskAssessment risk) {
        IParser json = fhir.newJsonParser();
        RiskAssessment copy = json.parseResource(RiskAssessment.class, json.encodeResourceToString(risk));
        copy.setId((String) null);
        copy.setMeta(null);
        copy.setOccurrence(null);
        return json.encodeResourceToString(copy);
    }

    private static Failed unreachable(String what, Throwable cause) {
        String why = cause instanceof ConnectException ? "connection refused: nothing listens at its address"
                : cause instanceof UnknownHostException ? "its host name is unknown"
                : cause instanceof SocketTimeoutException ? "no answer in time"
                : "the connection failed";
        return new Failed(what + ": the FHIR server is unreachable (" + why + ")", 0, true);
    }
}
