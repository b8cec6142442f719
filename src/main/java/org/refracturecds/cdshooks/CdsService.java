package org.refracturecds.cdshooks;

import java.util.List;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.refracturecds.fhirin.Codes;

/**
 * The two CDS services this module offers (discovery at GET /cds-services).
 * PREOP answers an order for PVP with the pre-operative estimate and the technique guidance;
 * RISK answers opening the chart of a patient with the assessment of the cemented vertebra.
 */
enum CdsService {

    PREOP("pvp-refracture-preop", List.of("order-sign", "order-select"),
            "Refracture risk before vertebroplasty",
            "When a percutaneous vertebroplasty (PVP) is ordered: the predicted risk that the cemented vertebra"
                    + " breaks again, from the pre-operative MRI findings (intravertebral cleft, endplate cortical"
                    + " disruption), under each cement-fill scenario, with the technique guidance of Xiong et al."
                    + " 2021 (BMC Musculoskelet Disord 22:459)."),
    RISK("pvp-refracture-risk", List.of("patient-view", "encounter-discharge"),
            "Refracture risk of the cemented vertebra",
            "After a percutaneous vertebroplasty: the predicted risk that the cemented vertebra breaks again,"
                    + " from the imaging findings (intravertebral cleft, endplate cortical disruption, cement-endplate"
                    + " contact, reduction rate), with the follow-up guidance of Xiong et al. 2021 (BMC Musculoskelet"
                    + " Disord 22:459). Says so when a PVP is on record but the findings are missing.");

    /**
     * A prefetch key and the FHIR search behind it: {@code resourceType?patient=ID&param=values}.
     *
     * @param optional the answer is complete without it (it is then named as not checked); a
     *                 required key that cannot be had is 412
     */
    record Prefetch(String key, String resourceType, String param, List<String> values, boolean optional) {

        /**
         * The patient itself ({@code _id}): a read in the template; fetched, when not sent, by
         * {@code Patient?_id=ID} as the others are searched. The others: a search by patient and a token.
         */
        boolean isThePatient() {
            return "_id".equals(param);
        }

        /** The CDS Hooks template: a read of the patient, or a search within the spec's recommended subset. */
        String template() {
            if (isThePatient()) {
                return resourceType + "/{{context.patientId}}";
            }
            return resourceType + "?patient={{context.patientId}}&" + param + "=" + String.join(",", values);
        }
    }

    /** The conditions that still hold: the study's exclusions are checked against them. */
    static final List<String> HOLDING = List.of("active", "recurrence", "relapse");

    final String id;
    final List<String> hooks;
    final String title;
    final String description;

    CdsService(String id, List<String> hooks, String title, String description) {
        this.id = id;
        this.hooks = hooks;
        this.title = title;
        this.description = description;
    }

    /**
     * The service at /cds-services/{id}: its own id, or the id of its entry for a second hook
     * ("pvp-refracture-preop-order-select"); null when there is none.
     */
    static CdsService byId(String id) {
        for (CdsService service : values()) {
            if (service.ids().contains(id)) {
                return service;
            }
        }
        return null;
    }

    /** Discovery lists one entry per hook: the service's id for its first hook, id-hook for the others. */
    List<String> ids() {
        return hooks.stream().map(this::idFor).toList();
    }

    private String idFor(String hook) {
        return hook.equals(hooks.get(0)) ? id : id + "-" + hook;
    }

    /** The prefetch this service asks for; the PVP codes are docs/CODES.md's plus the deployment's. */
    List<Prefetch> prefetch(List<String> pvpCodes) {
        Prefetch patient = new Prefetch("patient", "Patient", "_id", List.of(), true);
        Prefetch findings = new Prefetch("findings", "Observation", "code", Codes.findingTokens(), false);
        Prefetch conditions = new Prefetch("conditions", "Condition", "clinical-status", HOLDING, true);
        // Before a PVP, the PVPs on record say whether the level ordered was cemented before (optional: most have none);
        // after it, which vertebra was treated.
        return List.of(patient, findings, conditions, new Prefetch("procedures", "Procedure", "code", pvpCodes,
                this == PREOP));
    }

    /**
     * The discovery document: one entry per hook, since a discovery entry names one hook. Every id
     * of a service accepts all of its hooks.
     */
    static ObjectNode discovery(ObjectMapper json, List<String> pvpCodes) {
        ObjectNode root = json.createObjectNode();
        var services = root.putArray("services");
        for (CdsService service : values()) {
            for (String hook : service.hooks) {
                ObjectNode entry = services.addObject()
                        .put("hook", hook)
                        .put("title", service.title)
                        .put("description", service.description)
                        .put("id", service.idFor(hook));
                ObjectNode prefetch = entry.putObject("prefetch");
                service.prefetch(pvpCodes).forEach(p -> prefetch.put(p.key(), p.template()));
                entry.put("usageRequirements", "Prefetch, or a fhirServer on this service's allowlist: the"
                        + " patient's imaging-finding Observations coded per CodeSystem"
                        + " https://fhir.refracture-cds.org/CodeSystem/pvp-findings, each with bodySite naming"
                        + " the vertebra (SNOMED CT, T4 to L5). The patient (for the age) and the Conditions (for"
                        + " the study's exclusions) are optional: without them those checks are named as not done."
                        + (service == PREOP ? " So are the PVP procedures on record, which say whether a level ordered"
                        + " was cemented before." : " The PVP procedures on record say which vertebra was treated."));
            }
        }
        return root;
    }
}
