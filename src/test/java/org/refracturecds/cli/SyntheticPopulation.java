package org.refracturecds.cli;

import java.util.ArrayList;
import java.util.List;

import org.hl7.fhir.r4.model.BooleanType;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.DateType;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Quantity;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;
import org.hl7.fhir.r4.model.Type;
import org.refracturecds.MemoryFhirServer;
import org.refracturecds.fhirin.Codes;

import ca.uhn.fhir.rest.client.api.IGenericClient;

/**
 * Synthetic patients on a test FHIR server: {@code syn0} to {@code synN-1}, each with the four
 * findings at T12 and every fifth also at L1, the values varied patient by patient; and one more,
 * {@code unusable}, last, whose only finding has a unit no measurement of it has (PVP-E117).
 */
final class SyntheticPopulation {

    static final String UNUSABLE = "unusable";
    private static final String[] NPEC = {"none", "upper", "lower", "upper-and-lower"};

    private SyntheticPopulation() {
    }

    /** Puts the patients on {@code server}; returns how many vertebral levels they have in all. */
    static int put(MemoryFhirServer server, int count) {
        resources("syn", count).forEach(server::put);
        return levels(count);
    }

    /**
     * Puts {@code prefix}'s patients on a FHIR server in transactions of at most {@code perTransaction}
     * resources, each under its id (PUT) or a new one (POST).
     */
    static void put(IGenericClient server, String prefix, int count, int perTransaction) {
        List<Resource> resources = resources(prefix, count);
        for (int from = 0; from < resources.size(); from += perTransaction) {
            Bundle transaction = new Bundle().setType(Bundle.BundleType.TRANSACTION);
            for (Resource resource : resources.subList(from, Math.min(resources.size(), from + perTransaction))) {
                boolean named = resource.getIdElement().hasIdPart();
                transaction.addEntry().setResource(resource).getRequest()
                        .setMethod(named ? Bundle.HTTPVerb.PUT : Bundle.HTTPVerb.POST)
                        .setUrl(resource.fhirType() + (named ? "/" + resource.getIdElement().getIdPart() : ""));
            }
            server.transaction().withBundle(transaction).execute();
        }
    }

    /** The vertebral levels of {@code count} patients in all. */
    static int levels(int count) {
        return count + (count + 4) / 5;
    }

    /**
     * The resources of {@code count} patients {@code prefix0}, {@code prefix1}... (each Patient before
     * its findings), then the unusable patient's finding as {@code prefix + "unusable"}... named
     * {@link #UNUSABLE} when the prefix is "syn".
     */
    static List<Resource> resources(String prefix, int count) {
        List<Resource> resources = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            String id = prefix + i;
            Patient patient = new Patient();
            patient.setId(id);
            patient.setBirthDateElement(new DateType((1935 + i % 30) + "-03-14"));
            resources.add(patient);
            vertebra(resources, id, "280849005", i);
            if (i % 5 == 0) {
                vertebra(resources, id, "61032001", i + 1);
            }
        }
        Patient unusable = new Patient();
        unusable.setId(prefix.equals("syn") ? UNUSABLE : prefix + UNUSABLE);
        resources.add(unusable);
        resources.add(finding(unusable.getIdElement().getIdPart(), "280849005", "reduction-rate",
                new Quantity().setValue(20).setUnit("mm").setSystem(Codes.UCUM).setCode("mm")));
        return resources;
    }

    private static void vertebra(List<Resource> resources, String patient, String snomed, int i) {
        resources.add(finding(patient, snomed, "intravertebral-cleft", new BooleanType(i % 2 == 0)));
        resources.add(finding(patient, snomed, "endplate-cortical-disruption", new BooleanType(i % 3 == 0)));
        resources.add(finding(patient, snomed, "npec-pattern",
                new CodeableConcept(new Coding(Codes.NPEC_PATTERN, NPEC[i % 4], null))));
        resources.add(finding(patient, snomed, "reduction-rate", new Quantity().setValue(5 + i % 30).setUnit("%")
                .setSystem(Codes.UCUM).setCode("%")));
    }

    private static Observation finding(String patient, String snomed, String code, Type value) {
        Observation finding = new Observation();
        finding.setStatus(Observation.ObservationStatus.FINAL);
        finding.getCode().addCoding(new Coding(Codes.FINDINGS, code, null));
        finding.setSubject(new Reference("Patient/" + patient));
        finding.setEffective(new DateTimeType("2025-03-06"));
        finding.setValue(value);
        finding.getBodySite().addCoding(new Coding(Codes.SNOMED, snomed, null));
        return finding;
    }
}
