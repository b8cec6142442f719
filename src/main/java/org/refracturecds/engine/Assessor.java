package org.refracturecds.engine;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

import org.kie.api.event.rule.AfterMatchFiredEvent;
import org.kie.api.event.rule.DefaultAgendaEventListener;
import org.kie.api.runtime.KieSession;
import org.refracturecds.facts.Band;
import org.refracturecds.facts.Calibration;
import org.refracturecds.facts.Guidance;
import org.refracturecds.facts.Notice;
import org.refracturecds.facts.PatientFindings;
import org.refracturecds.facts.Prediction;
import org.refracturecds.facts.Settings;
import org.refracturecds.facts.Statement;
import org.refracturecds.facts.Vertebra;

/** Runs the rule set over one patient's findings. Thread-safe: each call has its own session. */
public final class Assessor {

    private final RuleSet rules;
    private final Settings settings;

    public Assessor(RuleSet rules, Settings settings) {
        this.rules = rules;
        this.settings = settings;
    }

    public RuleSet rules() {
        return rules;
    }

    public Assessment assess(PatientFindings input) {
        return assess(input, false);
    }

    /** @param trace keep the names of the rules that fired, for {@code --explain} */
    public Assessment assess(PatientFindings input, boolean trace) {
        List<String> fired = new ArrayList<>();
        List<Object> inserted = new ArrayList<>();
        KieSession session = rules.kieBase().newKieSession();
        try {
            session.addEventListener(new org.kie.api.event.rule.DefaultRuleRuntimeEventListener() {
                @Override
                public void objectInserted(org.kie.api.event.rule.ObjectInsertedEvent event) {
                    if (event.getRule() != null) {
                        inserted.add(event.getObject());
                    }
                }
            });
            if (trace) {
                session.addEventListener(new DefaultAgendaEventListener() {
                    @Override
                    public void afterMatchFired(AfterMatchFiredEvent event) {
                        fired.add(event.getMatch().getRule().getName());
                    }
                });
            }
            rules.knowledge().forEach(session::insert);
            session.insert(settings);
            input.vertebrae().forEach(session::insert);
            input.findings().forEach(session::insert);
            for (int i = RuleSet.STAGES.size() - 1; i >= 0; i--) {
                session.getAgenda().getAgendaGroup(RuleSet.STAGES.get(i)).setFocus();
            }
            session.fireAllRules();
        } finally {
            session.dispose();
        }
        List<Notice> notices = new ArrayList<>(input.notices());
        inserted.stream().filter(Notice.class::isInstance).map(Notice.class::cast).forEach(notices::add);
        List<Prediction> predictions = ofType(inserted, Prediction.class);
        predictions.sort(Comparator.comparing((Prediction p) -> input.vertebrae().indexOf(p.getVertebra()))
                .thenComparing(p -> p.getScenario() == null ? "" : p.getScenario())
                .thenComparing(Prediction::getProbability));
        for (Vertebra vertebra : input.vertebrae()) {
            if (predictions.stream().noneMatch(p -> p.getVertebra() == vertebra)) {
                throw new IllegalStateException("[PVP-R002] the rules in " + rules.origin()
                        + " gave no prediction for " + vertebra.getLabel()
                        + ": the model tables are incomplete (every factor needs a coefficient and codings)");
            }
        }
        List<Guidance> guidance = ofType(inserted, Guidance.class);
        guidance.sort(Comparator.comparing(g -> input.vertebrae().indexOf(g.getVertebra())));
        List<Statement> limits = ofType(rules.knowledge(), Statement.class).stream()
                .filter(s -> s.getFinding() == null).toList();
        Calibration calibration = ofType(rules.knowledge(), Calibration.class).get(0);
        return new Assessment(input, predictions, guidance, notices, limits, ofType(rules.knowledge(), Band.class),
                calibration, rules, fired);
    }

    private static <T> List<T> ofType(List<Object> objects, Class<T> type) {
        return new ArrayList<>(objects.stream().filter(type::isInstance).map(type::cast).toList());
    }

}
