package org.refracturecds.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;

import org.hl7.fhir.r4.model.BooleanType;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Procedure;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.RiskAssessment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.refracturecds.fhirin.Codes;
import org.refracturecds.testservers.HapiJpaServer;

import ca.uhn.fhir.rest.client.api.IGenericClient;

/**
 * {@code assess --fhir-server --write-back} of a patient whose PVP is on the real HAPI FHIR JPA server
 * of the test run, with only the pre-operative findings of the vertebra it treated.
 */
class JpaAfterPvpTest {

    private static final String ID = "pvpontheserver";

    @TempDir
    Path dir;

    @Test
    void aPvpOnRecord_makesTheVertebraItTreatedAfterPvp_inTheRiskAssessmentWrittenBack() throws Exception {
        // given a patient whose T12 has its pre-operative findings alone on the server, and a PVP of T12 on record
        String id = ID;
        IGenericClient client = HapiJpaServer.shared().client();
        client.update().resource(new Patient().setId(id)).execute();
        for (String code : List.of("intravertebral-cleft", "endplate-cortical-disruption")) {
            Observation finding = new Observation();
            finding.setStatus(Observation.ObservationStatus.FINAL);
            finding.getCode().addCoding(new Coding(Codes.FINDINGS, code, null));
            finding.setSubject(new Reference("Patient/" + id));
            finding.setEffective(new DateTimeType("2025-03-03"));
            finding.setValue(new BooleanType(true));
            finding.setBodySite(new CodeableConcept(new Coding(Codes.SNOMED, "280849005", null)));
            client.create().resource(finding).execute();
        }
        Procedure pvp = new Procedure();
        pvp.setStatus(Procedure.ProcedureStatus.COMPLETED);
        pvp.getCode().addCoding(new Coding(Codes.SNOMED, "392010000", null));
        pvp.setSubject(new Reference("Patient/" + id));
        pvp.addBodySite(new CodeableConcept(new Coding(Codes.SNOMED, "280849005", null)));
        client.create().resource(pvp).execute();

        // when the patient is assessed with write-back
        CliRun run = CliRun.of("assess", "--fhir-server", HapiJpaServer.shared().base(), "--patient", id, "--write-back",
                "--state", dir.resolve("treated").toString());

        // then the RiskAssessment on the server is of T12 after PVP, and says why
        assertEquals(0, run.exit(), run.err());
        List<RiskAssessment> written = JpaPopulationTest.stored(client, id + "/T12/xiong-2021-logistic");
        assertEquals(1, written.size());
        assertTrue(written.get(0).getNote().stream().anyMatch(n -> n.getText().startsWith("[PVP-I111] T12: taken as after"
                + " PVP: a PVP on record (Procedure/")), written.get(0).getNote().toString());
    }
}
