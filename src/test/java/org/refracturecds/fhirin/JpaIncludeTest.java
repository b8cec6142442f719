package org.refracturecds.fhirin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import org.hl7.fhir.r4.model.BooleanType;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CapabilityStatement;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Condition;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.DateType;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Quantity;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;
import org.hl7.fhir.r4.model.StringType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.refracturecds.testservers.HapiJpaServer;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.parser.IParser;
import ca.uhn.fhir.rest.client.api.IClientInterceptor;
import ca.uhn.fhir.rest.client.api.IHttpRequest;
import ca.uhn.fhir.rest.client.api.IHttpResponse;

/**
 * A patient's data read from the test run's HAPI FHIR JPA server with the Patient included in the
 * findings' search ({@code _include=Observation:patient}, which its CapabilityStatement lists) is
 * what the plain searches read, entry for entry, in one request fewer.
 */
class JpaIncludeTest {

    private static final String PREFIX = "incl";
    private static HapiJpaServer jpa;

    @BeforeAll
    static void load() {
        jpa = HapiJpaServer.shared();
        Bundle transaction = new Bundle().setType(Bundle.BundleType.TRANSACTION);
        for (Resource resource : resources()) {
            transaction.addEntry().setResource(resource).getRequest().setMethod(Bundle.HTTPVerb.PUT)
                    .setUrl(resource.fhirType() + "/" + resource.getIdElement().getIdPart());
        }
        jpa.client().transaction().withBundle(transaction).execute();
    }

    @Test
    void theJpaServer_listsTheInclude() throws Exception {
        CapabilityStatement capabilities = new PopulationReader(PopulationReader.client(jpa.base(), List.of(), 30_000), "none", PvpProcedures.STANDARD).capabilities();

        List<String> listed = capabilities.getRest().get(0).getResource().stream()
                .filter(r -> r.getType().equals("Observation")).flatMap(r -> r.getSearchInclude().stream())
                .map(StringType::getValue).toList();
        assertTrue(listed.contains(PopulationReader.INCLUDE_PATIENT), listed.toString());
        assertTrue(PopulationReader.lists(capabilities, "Observation", PopulationReader.INCLUDE_PATIENT));
    }

    @Test
    void thePatientIncluded_givesThePlainSearchesEntries_inOneRequestFewer() throws Exception {
        // given a reader that includes the Patient (the server lists it) and one that reads it on its own
        Requests included = new Requests();
        PopulationReader including = new PopulationReader(PopulationReader.client(jpa.base(), List.of(included), 30_000), "none", PvpProcedures.STANDARD);
        including.capabilities();
        Requests plain = new Requests();
        PopulationReader searching = new PopulationReader(PopulationReader.client(jpa.base(), List.of(plain), 30_000), "none", PvpProcedures.STANDARD);
        searching.readPatientsOnTheirOwn();

        for (String patient : List.of(PREFIX + "0", PREFIX + "1", PREFIX + "paged", PREFIX + "none", PREFIX + "absent")) {
            included.urls.clear();
            plain.urls.clear();

            // when each reads the patient's data
            List<InputReader.Entry> withInclude = including.patient(patient);
            List<InputReader.Entry> withoutInclude = searching.patient(patient);

            // then the entries are the same, labelled alike, and the include saved the Patient's read when there are findings
            assertEquals(described(withoutInclude), described(withInclude), patient);
            boolean findings = withInclude.stream().anyMatch(e -> e.resource() instanceof Observation)
                    && withInclude.stream().anyMatch(e -> e.resource() instanceof Patient);
            int pages = patient.endsWith("paged") ? 2 : 1;
            assertEquals(pages + 3, plain.urls.size(), plain.urls.toString());
            assertEquals(findings ? pages + 2 : pages + 3, included.urls.size(), included.urls.toString());
            assertTrue(included.urls.get(0).contains("_include=Observation%3Apatient"), included.urls.toString());
        }
    }

    /** Each entry as where it was found and its JSON. */
    private static List<String> described(List<InputReader.Entry> entries) {
        IParser json = FhirContext.forR4Cached().newJsonParser();
        return entries.stream().map(e -> e.where() + " " + json.encodeResourceToString(e.resource())).toList();
    }

    /** The URLs the client asked for. */
    private static final class Requests implements IClientInterceptor {
        final List<String> urls = Collections.synchronizedList(new ArrayList<>());

        @Override
        public void interceptRequest(IHttpRequest request) {
            urls.add(request.getUri());
        }

        @Override
        public void interceptResponse(IHttpResponse response) {
        }
    }

    /**
     * Patients incl0 and incl1 with findings at T12 and a Condition that holds (and incl1 one that
     * does not); inclpaged with 130 findings, two pages of 100; inclnone with no finding; and
     * inclabsent, whom the server does not hold.
     */
    private static List<Resource> resources() {
        List<Resource> resources = new ArrayList<>();
        for (String id : List.of("0", "1", "paged", "none")) {
            Patient patient = new Patient();
            patient.setId(PREFIX + id);
            patient.setBirthDateElement(new DateType("1950-03-14"));
            resources.add(patient);
        }
        for (int i = 0; i < 2; i++) {
            String patient = PREFIX + i;
            resources.add(finding(patient + "-ivc", patient, "intravertebral-cleft", new BooleanType(i == 0)));
            resources.add(finding(patient + "-epd", patient, "endplate-cortical-disruption", new BooleanType(true)));
            resources.add(finding(patient + "-rr", patient, "reduction-rate", new Quantity().setValue(12 + i).setUnit("%")
                    .setSystem(Codes.UCUM).setCode("%")));
            resources.add(condition(patient + "-holds", patient, "active"));
        }
        resources.add(condition(PREFIX + "1-resolved", PREFIX + "1", "resolved"));
        for (int i = 0; i < 130; i++) {
            resources.add(finding(PREFIX + "paged-rr" + i, PREFIX + "paged", "reduction-rate", new Quantity()
                    .setValue(10).setUnit("%").setSystem(Codes.UCUM).setCode("%")));
        }
        return resources;
    }

    static Observation finding(String id, String patient, String code, org.hl7.fhir.r4.model.Type value) {
        Observation finding = new Observation();
        finding.setId(id);
        finding.setStatus(Observation.ObservationStatus.FINAL);
        finding.getCode().addCoding(new Coding(Codes.FINDINGS, code, null));
        finding.setSubject(new Reference("Patient/" + patient));
        finding.setEffective(new DateTimeType("2025-03-06"));
        finding.setValue(value);
        finding.getBodySite().addCoding(new Coding(Codes.SNOMED, "280849005", null));
        return finding;
    }

    private static Condition condition(String id, String patient, String status) {
        Condition condition = new Condition();
        condition.setId(id);
        condition.setSubject(new Reference("Patient/" + patient));
        condition.getClinicalStatus().addCoding(new Coding("http://terminology.hl7.org/CodeSystem/condition-clinical",
                status, null));
        condition.getCode().addCoding(new Coding(Codes.SNOMED, "94602001", null));
        return condition;
    }
}
