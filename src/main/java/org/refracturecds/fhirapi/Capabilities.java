package org.refracturecds.fhirapi;

import org.hl7.fhir.instance.model.api.IBaseConformance;
import org.hl7.fhir.r4.model.CapabilityStatement;
import org.hl7.fhir.r4.model.CapabilityStatement.CapabilityStatementRestResourceOperationComponent;
import org.refracturecds.fhirout.ModuleDevice;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;

/**
 * The CapabilityStatement HAPI generates, naming the module (name, title, and publisher as
 * fhir-profiles/ names it) and its version as the software, and the operation by the canonical URL
 * of its OperationDefinition in fhir-profiles/, where a client reads its parameters; no search
 * includes, as it serves no search. Its formats are JSON's alone: the operation reads a body in JSON
 * only (XML is 415), though it answers in XML to a client that asks (_format, Accept).
 */
@Interceptor
final class Capabilities {

    @Hook(Pointcut.SERVER_CAPABILITY_STATEMENT_GENERATED)
    public void generated(IBaseConformance generated) {
        CapabilityStatement statement = (CapabilityStatement) generated;
        statement.getSoftware().setName(ModuleDevice.NAME).setVersion(ModuleDevice.VERSION);
        // HAPI's defaults otherwise: "RestServer", published by "Not provided".
        statement.setName("PvpRefractureCds").setTitle("pvp-refracture-cds: risk of refracture of the cemented"
                + " vertebra after PVP").setPublisher(ModuleDevice.NAME);
        // HAPI lists XML too, which a client would then send.
        statement.getFormat().clear();
        statement.addFormat("application/fhir+json").addFormat("json");
        statement.getRest().forEach(rest -> rest.getResource().forEach(resource -> {
            // HAPI lists "*" for every resource type it serves; this face serves no search, so no include.
            resource.getSearchInclude().clear();
            for (CapabilityStatementRestResourceOperationComponent operation : resource.getOperation()) {
                if (operation.getName().equals(RiskOperation.NAME.substring(1))) {
                    operation.setDefinition(RiskOperation.CANONICAL);
                }
            }
        }));
    }
}
