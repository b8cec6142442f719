package org.refracturecds.subscriptions;

import java.util.Comparator;

import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.RiskAssessment;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.client.api.IGenericClient;
import ca.uhn.fhir.rest.gclient.TokenClientParam;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Writes one RiskAssessment by a conditional update on its identifier
 * ({@code PUT RiskAssessment?identifier=system|value}), unless the server already holds the same content.
 *
 * <p>The same content: the stored resource equals the new one once meta, id and {@code occurrence} (when
 * the assessment was made) are set aside, numbers compared by value; the server's own no-op detection is not relied on, since
 * occurrence differs on every assessment. Stands in for {@code fhirout.WriteBack} of the contract of
 * issue 13 (branch population), which replaces it when merged.
 */
final class ConditionalWrite {

    enum Outcome { CREATED, UPDATED, UNCHANGED }

    private static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);

    private final FhirContext fhir;

    ConditionalWrite(FhirContext fhir) {
        this.fhir = fhir;
    }

    Outcome write(IGenericClient client, RiskAssessment risk) {
        Identifier identifier = risk.getIdentifierFirstRep();
        String condition = "RiskAssessment?identifier=" + identifier.getSystem() + "|" + identifier.getValue();
        Bundle found = client.search().forResource(RiskAssessment.class)
                .where(new TokenClientParam("identifier").exactly().systemAndCode(identifier.getSystem(), identifier.getValue()))
                .returnBundle(Bundle.class).execute();
        if (!found.getEntry().isEmpty() && found.getEntryFirstRep().getResource() instanceof RiskAssessment stored
                && sameContent(stored, risk)) {
            return Outcome.UNCHANGED;
        }
        Boolean created = client.update().resource(risk).conditionalByUrl(condition).execute().getCreated();
        return Boolean.TRUE.equals(created) ? Outcome.CREATED : Outcome.UPDATED;
    }

    /** Equal as JSON, numbers by value: a server may store 10.0 as 10. */
    private boolean sameContent(RiskAssessment stored, RiskAssessment risk) {
        try {
            return content(stored).equals(BY_VALUE, content(risk));
        } catch (JsonProcessingException e) {
            return false;
        }
    }

    private static final Comparator<JsonNode> BY_VALUE = (a, b) -> a.isNumber() && b.isNumber()
            ? a.decimalValue().compareTo(b.decimalValue()) : a.equals(b) ? 0 : 1;

    private JsonNode content(RiskAssessment risk) throws JsonProcessingException {
        RiskAssessment copy = risk.copy();
        copy.setMeta(null);
        copy.setId((String) null);
        copy.setOccurrence(null);
        return JSON.readTree(fhir.newJsonParser().encodeResourceToString(copy));
    }
}
