package org.refracturecds.fhirin;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;

import org.hl7.fhir.r4.model.BooleanType;
import org.hl7.fhir.r4.model.Patient;
import org.junit.jupiter.api.Test;
import org.refracturecds.testservers.HapiJpaServer;

import ca.uhn.fhir.rest.client.api.IGenericClient;

/**
 * The list a sweep reads (a notification that names nothing) from the test run's HAPI FHIR JPA server:
 * the patients whose findings were saved last come first, so a finding saved after a mass import is
 * not queued behind the import's.
 */
class JpaNewestFirstTest {

    @Test
    void newestFirst_listsThePatientsWhoseFindingsWereSavedLast_first() throws Exception {
        HapiJpaServer jpa = HapiJpaServer.shared();
        IGenericClient client = jpa.client();
        String since = Instant.now().minusSeconds(2).truncatedTo(ChronoUnit.SECONDS).toString();
        List<String> saved = List.of("newest-a", "newest-b", "newest-c");
        for (String id : saved) {
            Patient patient = new Patient();
            patient.setId(id);
            client.update().resource(patient).execute();
            client.update().resource(JpaIncludeTest.finding(id + "-ivc", id, "intravertebral-cleft", new BooleanType(true)))
                    .execute();
        }
        PopulationReader reader = new PopulationReader(PopulationReader.client(jpa.base(), List.of(), 30_000), "none", PvpProcedures.STANDARD);

        List<String> listed = reader.patientsWithFindings(since, true).stream().filter(saved::contains).toList();

        assertEquals(List.of("newest-c", "newest-b", "newest-a"), listed);
    }
}
