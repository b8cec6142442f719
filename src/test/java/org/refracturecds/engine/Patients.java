package org.refracturecds.engine;

import java.util.ArrayList;
import java.util.List;

import org.refracturecds.facts.Finding;
import org.refracturecds.facts.PatientFindings;
import org.refracturecds.facts.Vertebra;

/** Builds one patient's findings at T12 by hand, for tests of the rules alone. */
final class Patients {

    private final Vertebra t12 = new Vertebra("T12", "280849005");
    private final List<Finding> findings = new ArrayList<>();

    Patients with(String code, String value) {
        return add(Finding.observed(t12, code, value, null, null, "Observation/" + code, "2025-03-03"));
    }

    Patients measured(String code, double quantity) {
        return add(Finding.observed(t12, code, null, quantity, "%", "Observation/" + code, "2025-03-06"));
    }

    private Patients add(Finding finding) {
        t12.record(finding);
        findings.add(finding);
        return this;
    }

    PatientFindings build() {
        return PatientFindings.of("Patient/test", List.of(t12), findings);
    }
}
