package org.refracturecds.bench;

import java.nio.file.Files;
import java.nio.file.Path;

import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Resource;
import org.refracturecds.testservers.HapiJpaServer;

import ca.uhn.fhir.context.FhirContext;

/**
 * The FHIR server of bench/operation-load.sh: the tests' HAPI FHIR JPA server, started, with the
 * patient of {@code examples/cleft-no-endplate-contact.json} and its findings put on it; writes its
 * base URL to the file {@code args[0]} and runs until it is stopped.
 */
public final class OperationServer {

    private OperationServer() {
    }

    public static void main(String[] args) throws Exception {
        HapiJpaServer jpa = HapiJpaServer.shared();
        Bundle example = (Bundle) FhirContext.forR4Cached().newJsonParser()
                .parseResource(Files.readString(Path.of("examples/cleft-no-endplate-contact.json")));
        Bundle transaction = new Bundle().setType(Bundle.BundleType.TRANSACTION);
        for (Bundle.BundleEntryComponent entry : example.getEntry()) {
            Resource resource = entry.getResource();
            String url = resource.fhirType() + "/" + resource.getIdElement().getIdPart();
            transaction.addEntry().setResource(resource).setFullUrl(url).getRequest()
                    .setMethod(Bundle.HTTPVerb.PUT).setUrl(url);
        }
        jpa.client().transaction().withBundle(transaction).execute();
        Files.writeString(Path.of(args[0] + ".tmp"), jpa.base());
        Files.move(Path.of(args[0] + ".tmp"), Path.of(args[0]));
        Thread.currentThread().join();
    }
}
